"""transformers.Trainer under the adapter: the batches it trains on are the curriculum
sampler's draws in order (not the shuffled sampler), the lesson's learning rate (warm-up
included) is on the optimizer at each step, metrics and the lesson checkpoint are published,
and a revert restores the checkpoint's weights."""

from __future__ import annotations

import math
from pathlib import Path

import jsonschema
import torch
from transformers import BertConfig, BertForSequenceClassification

from conftest import write_quadrant_tasks
from curriculum_client.events import CheckpointRevert, Event, EventFactory
from curriculum_client.hf import HFLoop, HFTrainerAdapter
from curriculum_client.jsonl import Example, load_jsonl_tasks
from curriculum_client.sampler import WeightedTaskSampler
from curriculum_client.schedule import learning_rate_at
from test_adapter_executes_lessons_once_and_reports_failures import lesson
from test_models_match_schemas import schema

BUCKETS = 8


def tokens(e: Example) -> list[int]:
    # [CLS] then one token per coordinate, bucketed: a tiny vocabulary the model learns from scratch.
    return [1] + [2 + i * BUCKETS + min(BUCKETS - 1, max(0, int((v + 2) / 4 * BUCKETS))) for i, v in enumerate(e.input)]


def collate(items):
    return {
        "input_ids": torch.tensor([tokens(x) for _, x in items]),
        "attention_mask": torch.ones(len(items), 3, dtype=torch.long),
        "labels": torch.tensor([x.label for _, x in items]),
        "task": [t for t, _ in items],
    }


def build(run):
    torch.manual_seed(int(run["seed"]))
    config = BertConfig(vocab_size=2 + 2 * BUCKETS, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, max_position_embeddings=8, num_labels=4)
    return BertForSequenceClassification(config)


def test_the_trainer_trains_on_the_curriculum_draws_with_the_lesson_rate(tmp_path: Path) -> None:
    write_quadrant_tasks(tmp_path)
    out: list[Event] = []
    seen: list[tuple[int, float]] = []
    adapter = HFTrainerAdapter(HFLoop(build, collate), lambda run: load_jsonl_tasks(run).training(), output_dir=str(tmp_path / "hf"), checkpoint_root=str(tmp_path / "ck"), emit=out.extend)
    adapter.on_step = lambda p, step: seen.append((step, adapter.callback.stepped_lr))
    command = lesson(tmp_path, "c1")
    adapter.handle(command)
    assert [e.type for e in out][-2:] == ["checkpoint.saved", "command.ack"], [(e.type, getattr(e.payload, "message", "")) for e in out]
    assert out[-1].payload.outcome == "executed"
    p = command.payload
    # Warm-up over 2 steps, then the constant rate: what the optimizer had at each step.
    assert [step for step, _ in seen] == list(range(1, 13))
    assert all(math.isclose(lr, learning_rate_at(p.learningRate, i)) for i, (_, lr) in enumerate(seen))
    # The per-task sample counts of each window are the sampler's draws, in order.
    draws = [t for t, _ in WeightedTaskSampler({t: len(d) for t, d in load_jsonl_tasks(p.run).training().items()}, p.taskWeights, p.steps * 16, p.samplerSeed)]
    metrics = [e.payload for e in out if e.type == "trainer.metrics"]
    assert [m.step for m in metrics] == [5, 10, 12]
    bounds = [0, 5 * 16, 10 * 16, 12 * 16]
    for m, lo, hi in zip(metrics, bounds, bounds[1:]):
        window = draws[lo:hi]
        assert {t: v["samples"] for t, v in m.tasks.items()} == {t: window.count(t) for t in set(window)}
    for e in out:
        jsonschema.validate(e.to_json(), schema(e.type))

    # A second lesson moves the weights; a revert brings back the first lesson's checkpoint.
    saved = next(e.payload for e in out if e.type == "checkpoint.saved")
    first = {k: v.clone() for k, v in adapter.runs["r"].model.state_dict().items()}
    adapter.handle(lesson(tmp_path, "c2", "r:lesson:1", start=12, from_checkpoint=saved.checkpointId))
    moved = adapter.runs["r"].model.state_dict()
    assert any(not torch.equal(first[k], moved[k]) for k in first)
    out.clear()
    adapter.handle(EventFactory("controller").make("r", "rv", CheckpointRevert("rv1", saved.checkpointId, 1, 12, "test")))
    assert out[-1].type == "command.ack" and out[-1].payload.outcome == "executed"
    restored = adapter.runs["r"].model.state_dict()
    assert all(torch.equal(first[k], restored[k]) for k in first)
