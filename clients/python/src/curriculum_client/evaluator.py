"""The evaluator hook: scores a checkpoint on each task's held-out data (and per category)
and publishes evaluation.results, one event per requested suite (evaluator/evaluator.ts)."""

from __future__ import annotations

import logging
import math
import time
from typing import Any, Callable, Literal, Mapping, Optional, Sequence, Union

import torch

from .adapter import Emit, TrainingLoop, TrainerAdapter
from .errors import CurriculumError
from .events import CheckpointEvaluate, Event, EventFactory, EvaluationResults, RunStop

SERVICE = "evaluator"
# suite -> task -> [(example, category or None)]
SuiteData = Mapping[str, Mapping[str, Sequence[tuple[Any, Optional[str]]]]]
ECE_BINS = 15
log = logging.getLogger("curriculum_client.evaluator")


def expected_calibration_error(correct: Sequence[bool], confidence: Sequence[float], bins: int = ECE_BINS) -> float:
    """Guo et al. 2017, 15 equal-width bins (lo, hi] (evaluator/metrics.ts)."""
    if not correct:
        return 0.0
    count = [0] * bins
    hits = [0] * bins
    conf = [0.0] * bins
    for ok, c in zip(correct, confidence):
        c = min(1.0, max(0.0, c))
        b = min(bins - 1, max(0, math.ceil(c * bins) - 1))
        count[b] += 1
        hits[b] += 1 if ok else 0
        conf[b] += c
    total = len(correct)
    ece = sum((n / total) * abs(hits[b] / n - conf[b] / n) for b, n in enumerate(count) if n)
    return min(1.0, ece)


def summarize(rows: Sequence[tuple[float, bool, float]]) -> dict[str, float]:
    n = len(rows)
    if n == 0:
        return {"n": 0, "accuracy": 0.0, "loss": 0.0, "ece": 0.0}
    return {
        "n": n,
        "accuracy": sum(1 for _, ok, _ in rows if ok) / n,
        "loss": max(0.0, sum(loss for loss, _, _ in rows) / n),
        "ece": expected_calibration_error([ok for _, ok, _ in rows], [c for _, _, c in rows]),
    }


class Evaluator:
    """`suites` maps a suite name to task -> [(example, category)]; heldout is required."""

    def __init__(
        self,
        loop: TrainingLoop,
        suites: Union[SuiteData, Callable[[Mapping[str, Any]], SuiteData]],
        *,
        checkpoint_root: str,
        emit: Emit,
        events: Optional[EventFactory] = None,
        batch_size: int = 256,
        load: Optional[Callable[[str, str, Mapping[str, Any]], torch.nn.Module]] = None,
    ) -> None:
        self.loop = loop
        self.suites = suites
        self.emit = emit
        self.events = events or EventFactory("python-evaluator")
        self.batch_size = batch_size
        self._loader = TrainerAdapter(loop, {}, checkpoint_root=checkpoint_root, emit=emit, events=self.events)
        self._load = load
        self.done: dict[str, list[Event]] = {}

    def handle(self, event: Event) -> None:
        p = event.payload
        if not isinstance(p, (CheckpointEvaluate, RunStop)):
            return
        try:
            if isinstance(p, CheckpointEvaluate):
                self._evaluate(event.runId, p)
            else:
                self.emit([self._ack(event.runId, p.commandId, "executed")])
        except Exception as e:  # noqa: BLE001
            log.exception("evaluator command %s failed", p.commandId)
            self.emit([self.events.failure(event.runId, p.commandId, SERVICE, e)])

    def _ack(self, run_id: str, command_id: str, outcome: Literal["executed", "duplicate"]) -> Event:
        return self.events.ack(run_id, command_id, SERVICE, outcome)

    def model(self, run_id: str, checkpoint_id: str, run: Mapping[str, Any]) -> torch.nn.Module:
        if self._load is not None:
            return self._load(run_id, checkpoint_id, run)
        return self._loader.load_checkpoint(run_id, checkpoint_id, run).model

    @torch.no_grad()
    def score(self, model: torch.nn.Module, suites: SuiteData, suite: str, tasks: Sequence[str]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """Per task, per category across tasks, and per task its own categories (the controller
        judges fairness on the tasks trained so far, not on the next stage scored for transfer)."""
        data = suites[suite]
        per_task: dict[str, Any] = {}
        per_category: dict[str, list[tuple[float, bool, float]]] = {}
        task_categories: dict[str, Any] = {}
        model.eval()
        for task in tasks:
            if task not in data:
                raise CurriculumError("CUR_TASK_UNKNOWN", f"tasks.{task}: this evaluator has no {suite} data for task {task!r}")
            rows: list[tuple[float, bool, float]] = []
            own: dict[str, list[tuple[float, bool, float]]] = {}
            items = list(data[task])
            for start in range(0, len(items), self.batch_size):
                chunk = items[start : start + self.batch_size]
                out = self.loop.forward(model, [task] * len(chunk), [x for x, _ in chunk])
                confidence = out.confidence if out.confidence is not None else torch.exp(-out.losses)
                for (_, category), loss, ok, c in zip(chunk, out.losses.tolist(), out.correct.tolist(), confidence.tolist()):
                    rows.append((loss, bool(ok), c))
                    if category is not None:
                        per_category.setdefault(category, []).append((loss, bool(ok), c))
                        own.setdefault(category, []).append((loss, bool(ok), c))
            per_task[task] = summarize(rows)
            task_categories[task] = {c: summarize(r) for c, r in sorted(own.items())}
        return per_task, {c: summarize(r) for c, r in sorted(per_category.items())}, task_categories

    def _evaluate(self, run_id: str, p: CheckpointEvaluate) -> None:
        previous = self.done.get(p.commandId)
        if previous is not None:
            self.emit([*previous, self._ack(run_id, p.commandId, "duplicate")])
            return
        suites = self.suites(p.run) if callable(self.suites) else self.suites
        for suite in p.suites:
            if suite not in suites and suite != "feedback":
                raise CurriculumError("CUR_CONFIG_INVALID", f"suites.{suite}: this evaluator scores {sorted(suites)}; drop {suite} from the spec's evaluation.suites")
        model = self.model(run_id, p.checkpointId, p.run)
        results: list[Event] = []
        for suite in p.suites:
            if suite == "feedback":
                log.warning("suite feedback is not scored by the Python evaluator; skipped")
                continue
            started = time.perf_counter()
            tasks, categories, task_categories = self.score(model, suites, suite, p.tasks)
            payload = EvaluationResults(p.commandId, p.checkpointId, p.branch, p.step, suite, tasks, categories, time.perf_counter() - started, taskCategories=task_categories)
            results.append(self.events.make(run_id, f"{p.commandId}:results:{suite}", payload))
            log.info("run %s: %s %s accuracy %s", run_id, p.checkpointId, suite, {t: round(m["accuracy"], 3) for t, m in tasks.items()})
        self.done[p.commandId] = results
        self.emit([*results, self._ack(run_id, p.commandId, "executed")])
