"""Per-task datasets from a run's jsonl tasks ({input, label, category?} rows, the spec's
generator kind jsonl, path relative to run.baseDir), and an MLP training loop for numeric
inputs (the spec's model kind mlp). Used by the worker and the tests; any other model plugs
into TrainerAdapter through the TrainingLoop protocol the same way."""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from .adapter import StepOutput
from .errors import CurriculumError


@dataclass(frozen=True)
class Example:
    input: tuple[float, ...]
    label: int
    category: Optional[str]


@dataclass(frozen=True)
class TaskSplit:
    train: list[Example]
    heldout: list[Example]


@dataclass(frozen=True)
class JsonlTasks:
    labels: tuple[str, ...]
    width: int
    tasks: dict[str, TaskSplit]

    def training(self) -> dict[str, list[Example]]:
        return {t: s.train for t, s in self.tasks.items()}

    def suites(self) -> dict[str, dict[str, list[tuple[Example, Optional[str]]]]]:
        return {"heldout": {t: [(x, x.category) for x in s.heldout] for t, s in self.tasks.items()}}


def _rows(path: str) -> list[dict[str, Any]]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as e:
                raise CurriculumError("CUR_DATASET_ROW", f"{path}:{n}: not JSON ({e})") from None
            if not isinstance(row.get("input"), list) or "label" not in row:
                raise CurriculumError("CUR_DATASET_ROW", f"{path}:{n}: needs input (a list of numbers) and label")
            rows.append(row)
    return rows


def load_jsonl_tasks(run: Mapping[str, Any]) -> JsonlTasks:
    return _load(json.dumps(run["tasks"], sort_keys=True), run["baseDir"], int(run["seed"]))


@functools.lru_cache(maxsize=8)
def _load(tasks_json: str, base_dir: str, seed: int) -> JsonlTasks:
    specs = json.loads(tasks_json)
    raw: dict[str, tuple[list[dict[str, Any]], float]] = {}
    for spec in specs:
        g = spec["generator"]
        if g.get("kind") != "jsonl":
            raise CurriculumError("CUR_CONFIG_INVALID", f"tasks.{spec['id']}.generator.kind: the jsonl loader reads kind jsonl, not {g.get('kind')!r}")
        raw[spec["id"]] = (_rows(os.path.join(base_dir, g["path"])), float(g.get("heldoutFraction", 0.2)))
    labels = tuple(sorted({str(r["label"]) for rows, _ in raw.values() for r in rows}))
    index = {label: i for i, label in enumerate(labels)}
    widths = {len(r["input"]) for rows, _ in raw.values() for r in rows}
    if len(widths) != 1:
        raise CurriculumError("CUR_DATASET_ROW", f"inputs have different lengths {sorted(widths)}")
    tasks: dict[str, TaskSplit] = {}
    for k, (task, (rows, fraction)) in enumerate(sorted(raw.items())):
        order = torch.randperm(len(rows), generator=torch.Generator().manual_seed(seed * 7919 + k)).tolist()
        held = max(1, round(fraction * len(rows))) if fraction > 0 else 0
        examples = [Example(tuple(float(v) for v in rows[i]["input"]), index[str(rows[i]["label"])], rows[i].get("category")) for i in order]
        tasks[task] = TaskSplit(train=examples[held:], heldout=examples[:held])
    return JsonlTasks(labels, widths.pop(), tasks)


class MlpLoop:
    """The spec's `mlp` model for numeric inputs, cross-entropy over the labels."""

    def build(self, run: Mapping[str, Any]) -> nn.Module:
        data = load_jsonl_tasks(run)
        spec = run["model"]
        if spec.get("kind") != "mlp":
            raise CurriculumError("CUR_CONFIG_INVALID", f"model.kind: this loop builds mlp, not {spec.get('kind')!r}")
        act = nn.Tanh if spec.get("activation") == "tanh" else nn.ReLU
        layers: list[nn.Module] = []
        width = data.width
        for h in spec.get("hidden", [100, 100]):
            layers += [nn.Linear(width, h), act()]
            width = h
        layers.append(nn.Linear(width, len(data.labels)))
        return nn.Sequential(*layers)

    def forward(self, model: nn.Module, tasks: Sequence[str], examples: Sequence[Example]) -> StepOutput:
        device = next(model.parameters()).device
        x = torch.tensor([e.input for e in examples], dtype=torch.float32, device=device)
        y = torch.tensor([e.label for e in examples], dtype=torch.long, device=device)
        logits = model(x)
        losses = F.cross_entropy(logits, y, reduction="none")
        probs = logits.softmax(-1)
        confidence, predicted = probs.max(-1)
        return StepOutput(losses=losses, correct=predicted == y, confidence=confidence.detach())
