"""The trainer adapter: executes lesson.start, checkpoint.revert and run.stop for any PyTorch
model, as trainer/trainer.ts does for the TF.js one.

- lesson.start: continue from the model in memory when it equals fromCheckpointId, else load
  that checkpoint (or build a fresh model from the run seed); draw batches by taskWeights
  (sampler.WeightedTaskSampler); set the lesson's learning rate on the optimizer every step;
  publish trainer.metrics every metricsEvery steps (per-task loss and accuracy); save a
  checkpoint (every checkpointEvery steps and at lesson end) and publish checkpoint.saved.
- A lesson whose end checkpoint is already on disk (trained by an earlier, killed process, or a
  liveness retry under a new command id) is not trained again: checkpoint.saved is re-published
  and the ack says duplicate. A command id already executed is acked as a duplicate.
- checkpoint.revert loads the checkpoint; the next lesson continues on its new branch.
- run.stop drops the run's model.
- Any failure becomes service.error (code from the catalogue) and the next command is served.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import time
from dataclasses import dataclass
from typing import Any, Callable, Literal, Mapping, Optional, Protocol, Sequence, Union

import torch
from torch import nn
from torch.utils.data import DataLoader

from .errors import CurriculumError
from .events import (
    CheckpointRevert,
    CheckpointSaved,
    Event,
    EventFactory,
    LessonStart,
    RunStop,
    TrainerMetrics,
)
from .sampler import TaskMixture, WeightedTaskSampler
from .schedule import learning_rate_at

SERVICE = "trainer"
log = logging.getLogger("curriculum_client.trainer")

Emit = Callable[[Sequence[Event]], None]


def checkpoint_id_for(lesson_id: str, step: int) -> str:
    return f"{re.sub(r'[^A-Za-z0-9._-]', '_', lesson_id)}.step-{step}"


def checkpoint_dir(root: str, run_id: str, checkpoint_id: str) -> str:
    if os.path.isabs(checkpoint_id):
        return checkpoint_id
    if "/" in checkpoint_id or "\\" in checkpoint_id or checkpoint_id.startswith(".."):
        raise CurriculumError("CUR_CHECKPOINT_MISSING", f'checkpoint id "{checkpoint_id}" is not a plain name')
    return os.path.join(root, re.sub(r"[^A-Za-z0-9._-]", "_", run_id), checkpoint_id)


META = "meta.json"
WEIGHTS = "weights.pt"


def checkpoint_exists(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, META)) and os.path.isfile(os.path.join(directory, WEIGHTS))


@dataclass
class StepOutput:
    """Per-example figures of one forward pass: the adapter averages `losses` for backward."""

    losses: torch.Tensor  # shape [batch], differentiable
    correct: torch.Tensor  # shape [batch], bool
    # Probability the model gave its own answer (the evaluator's calibration error).
    confidence: Optional[torch.Tensor] = None


class TrainingLoop(Protocol):
    """What the adapter needs from a model: build one, and run a forward pass on a batch."""

    def build(self, run: Mapping[str, Any]) -> nn.Module: ...

    def forward(self, model: nn.Module, tasks: Sequence[str], examples: Sequence[Any]) -> StepOutput: ...


def build_optimizer(kind: str, model: nn.Module) -> torch.optim.Optimizer:
    params = [p for p in model.parameters() if p.requires_grad]
    if kind == "sgd":
        return torch.optim.SGD(params, lr=1e-3)
    if kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=1e-3)
    return torch.optim.Adam(params, lr=1e-3)


def set_learning_rate(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr


@dataclass
class RunState:
    model: nn.Module
    optimizer: torch.optim.Optimizer
    optimizer_kind: str
    checkpoint_id: Optional[str]


def _collate(items: list[tuple[str, Any]]) -> tuple[list[str], list[Any]]:
    return [t for t, _ in items], [x for _, x in items]


class WindowMetrics:
    """Per-task loss/accuracy/samples over a metrics window."""

    def __init__(self) -> None:
        self.sums: dict[str, list[float]] = {}

    def add(self, tasks: Sequence[str], losses: torch.Tensor, correct: torch.Tensor) -> None:
        for task, loss, ok in zip(tasks, losses.detach().tolist(), correct.tolist()):
            s = self.sums.setdefault(task, [0.0, 0.0, 0.0])
            s[0] += loss
            s[1] += 1.0 if ok else 0.0
            s[2] += 1

    def take(self) -> dict[str, dict[str, float]]:
        out = {t: {"loss": max(0.0, s[0] / s[2]), "accuracy": s[1] / s[2], "samples": int(s[2])} for t, s in sorted(self.sums.items())}
        self.sums = {}
        return out


class TrainerAdapter:
    def __init__(
        self,
        loop: TrainingLoop,
        datasets: Union[Mapping[str, Sequence[Any]], Callable[[Mapping[str, Any]], Mapping[str, Sequence[Any]]]],
        *,
        checkpoint_root: str,
        emit: Emit,
        events: Optional[EventFactory] = None,
        device: str = "cpu",
        on_step: Optional[Callable[[LessonStart, int], None]] = None,
    ) -> None:
        self.loop = loop
        self.datasets = datasets
        self.root = checkpoint_root
        self.emit = emit
        self.events = events or EventFactory(f"python-trainer-{os.getpid()}")
        self.device = device
        self.on_step = on_step
        self.runs: dict[str, RunState] = {}
        self.executed: set[str] = set()
        self.stopped: set[str] = set()
        # The run config of each run's last lesson: a revert rebuilds the model from it.
        self.run_config: dict[str, Mapping[str, Any]] = {}

    # ---- dispatch --------------------------------------------------------------------------

    def handle(self, event: Event) -> None:
        """Runs one command; never raises (a failure is published as service.error)."""
        p = event.payload
        if not isinstance(p, (LessonStart, CheckpointRevert, RunStop)):
            return
        try:
            if isinstance(p, LessonStart):
                self._lesson(event.runId, p)
            elif isinstance(p, CheckpointRevert):
                self._revert(event.runId, p)
            else:
                self._stop(event.runId, p)
        except Exception as e:  # noqa: BLE001 - every failure is reported, then the next command runs
            log.exception("trainer command %s failed", p.commandId)
            self.emit([self.events.failure(event.runId, p.commandId, SERVICE, e)])

    def _ack(self, run_id: str, command_id: str, outcome: Literal["executed", "duplicate"]) -> Event:
        return self.events.ack(run_id, command_id, SERVICE, outcome)

    def _saved(self, run_id: str, meta: Mapping[str, Any], directory: str, event_id: str) -> Event:
        return self.events.make(
            run_id,
            event_id,
            CheckpointSaved(
                checkpointId=meta["checkpointId"],
                lessonId=meta["lessonId"],
                commandId=meta["commandId"],
                branch=meta["branch"],
                step=meta["step"],
                location=directory,
                parentCheckpointId=meta["parentCheckpointId"],
                lessonComplete=meta["lessonComplete"],
            ),
        )

    # ---- checkpoints -----------------------------------------------------------------------

    def save_checkpoint(self, directory: str, meta: Mapping[str, Any], state: RunState) -> None:
        """Writes weights then meta (the marker checkpoint_exists reads) through temp files, so a
        process killed mid-save leaves no checkpoint that looks complete."""
        os.makedirs(directory, exist_ok=True)
        tmp = os.path.join(directory, WEIGHTS + ".tmp")
        torch.save({"model": state.model.state_dict(), "optimizer": state.optimizer.state_dict()}, tmp)
        os.replace(tmp, os.path.join(directory, WEIGHTS))
        tmp = os.path.join(directory, META + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({**meta, "optimizer": state.optimizer_kind}, f, indent=2)
        os.replace(tmp, os.path.join(directory, META))

    def load_checkpoint(self, run_id: str, checkpoint_id: str, run: Mapping[str, Any], optimizer_kind: Optional[str] = None) -> RunState:
        directory = checkpoint_dir(self.root, run_id, checkpoint_id)
        if not checkpoint_exists(directory):
            raise CurriculumError("CUR_CHECKPOINT_MISSING", f"checkpoint {checkpoint_id} of run {run_id} not found at {directory}")
        with open(os.path.join(directory, META), encoding="utf-8") as f:
            meta = json.load(f)
        blob = torch.load(os.path.join(directory, WEIGHTS), map_location=self.device, weights_only=True)
        model = self.loop.build(run).to(self.device)
        model.load_state_dict(blob["model"])
        kind = optimizer_kind or meta["optimizer"]
        optimizer = build_optimizer(kind, model)
        if kind == meta["optimizer"]:
            optimizer.load_state_dict(blob["optimizer"])
        log.info("run %s: model loaded from checkpoint %s", run_id, checkpoint_id)
        return RunState(model, optimizer, kind, checkpoint_id)

    def _model_for(self, run_id: str, p: LessonStart) -> RunState:
        kind = (p.run.get("optimizer") or {}).get("kind", "adam")
        current = self.runs.get(run_id)
        if current and p.fromCheckpointId is not None and current.checkpoint_id == p.fromCheckpointId and current.optimizer_kind == kind:
            return current
        self.runs.pop(run_id, None)
        if p.fromCheckpointId is None:
            torch.manual_seed(int(p.run["seed"]))
            model = self.loop.build(p.run).to(self.device)
            state = RunState(model, build_optimizer(kind, model), kind, None)
            log.info("run %s: fresh model from the run seed (%d parameters)", run_id, sum(x.numel() for x in model.parameters()))
        else:
            state = self.load_checkpoint(run_id, p.fromCheckpointId, p.run, kind)
        self.runs[run_id] = state
        return state

    # ---- commands --------------------------------------------------------------------------

    def _lesson(self, run_id: str, p: LessonStart) -> None:
        end_step = p.startStep + p.steps
        end_id = checkpoint_id_for(p.lessonId, end_step)
        end_dir = checkpoint_dir(self.root, run_id, end_id)
        if checkpoint_exists(end_dir):
            with open(os.path.join(end_dir, META), encoding="utf-8") as f:
                meta = {**json.load(f), "commandId": p.commandId}
            self.executed.add(p.commandId)
            self.emit([self._saved(run_id, meta, end_dir, f"{p.commandId}:checkpoint"), self._ack(run_id, p.commandId, "duplicate")])
            return
        if p.commandId in self.executed:
            self.emit([self._ack(run_id, p.commandId, "duplicate")])
            return
        self.run_config[run_id] = p.run
        datasets = self.datasets(p.run) if callable(self.datasets) else self.datasets
        sizes = {t: len(d) for t, d in datasets.items()}
        batch_size = int(p.run["batchSize"])
        sampler = WeightedTaskSampler(sizes, p.taskWeights, p.steps * batch_size, p.samplerSeed)
        state = self._model_for(run_id, p)
        try:
            self.train_lesson(run_id, p, state, datasets, sampler, end_id)
        except Exception:
            self.runs.pop(run_id, None)  # half-trained weights: the next lesson reloads from disk
            raise
        self.executed.add(p.commandId)
        self.emit([self._ack(run_id, p.commandId, "executed")])

    def train_lesson(self, run_id: str, p: LessonStart, state: RunState, datasets: Mapping[str, Sequence[Any]], sampler: WeightedTaskSampler, end_id: str) -> None:
        """The plain PyTorch loop; a framework that owns its loop (hf.py) overrides this and
        calls LessonProgress from its own step hook."""
        batches = DataLoader(TaskMixture(datasets), batch_size=int(p.run["batchSize"]), sampler=sampler, collate_fn=_collate)
        clip = float((p.run.get("optimizer") or {}).get("gradientClipNorm", 1) or 0)
        progress = LessonProgress(self, run_id, p, state, end_id)
        state.model.train()
        for i, (tasks, examples) in enumerate(batches):
            if i >= p.steps:
                break
            set_learning_rate(state.optimizer, progress.learning_rate(i))
            state.optimizer.zero_grad(set_to_none=True)
            out = self.loop.forward(state.model, tasks, examples)
            out.losses.mean().backward()
            params = [x for x in state.model.parameters() if x.grad is not None]
            norm = float(torch.nn.utils.clip_grad_norm_(params, clip if clip > 0 else float("inf")))
            state.optimizer.step()
            progress.after_step(i, tasks, out.losses, out.correct, norm)
        log.info("run %s: lesson %s complete (%d steps)", run_id, p.lessonId, p.steps)

    def _revert(self, run_id: str, p: CheckpointRevert) -> None:
        if p.commandId in self.executed:
            self.emit([self._ack(run_id, p.commandId, "duplicate")])
            return
        current = self.runs.get(run_id)
        directory = checkpoint_dir(self.root, run_id, p.checkpointId)
        if not checkpoint_exists(directory):
            raise CurriculumError("CUR_CHECKPOINT_MISSING", f"checkpoint {p.checkpointId} of run {run_id} not found at {directory}")
        run = self.run_config.get(run_id)
        if run is None:
            # Nothing in memory (a restarted process): the next lesson names the checkpoint as
            # fromCheckpointId and loads it then; the revert itself needs no model.
            self.runs.pop(run_id, None)
        else:
            self.runs[run_id] = self.load_checkpoint(run_id, p.checkpointId, run, current.optimizer_kind if current else None)
        self.executed.add(p.commandId)
        log.info("run %s: reverted to checkpoint %s (%s)", run_id, p.checkpointId, p.reason)
        self.emit([self._ack(run_id, p.commandId, "executed")])

    def _stop(self, run_id: str, p: RunStop) -> None:
        duplicate = p.commandId in self.executed
        self.runs.pop(run_id, None)
        self.stopped.add(run_id)
        self.executed.add(p.commandId)
        self.emit([self._ack(run_id, p.commandId, "duplicate" if duplicate else "executed")])


class LessonProgress:
    """The lesson's bookkeeping after each optimizer step: the per-task metrics window,
    trainer.metrics every metricsEvery steps, checkpoints every checkpointEvery steps and at the end."""

    def __init__(self, adapter: TrainerAdapter, run_id: str, p: LessonStart, state: RunState, end_id: str) -> None:
        self.adapter = adapter
        self.run_id = run_id
        self.p = p
        self.state = state
        self.end_id = end_id
        self.window = WindowMetrics()
        self.window_start = time.perf_counter()
        self.window_samples = 0
        self.parent = p.fromCheckpointId
        self.lr = 0.0

    def learning_rate(self, i: int) -> float:
        p = self.p
        self.lr = learning_rate_at(p.learningRate, p.scheduleOffsetSteps + i) * (p.learningRateScale if p.learningRateScale is not None else 1)
        return self.lr

    def after_step(self, i: int, tasks: Sequence[str], losses: torch.Tensor, correct: torch.Tensor, norm: float) -> None:
        p, state, adapter = self.p, self.state, self.adapter
        step = p.startStep + i + 1
        last = i == p.steps - 1
        state.checkpoint_id = None
        self.window.add(tasks, losses, correct)
        mean = float(losses.detach().mean())
        if not math.isfinite(mean):
            raise CurriculumError("CUR_TRAINING_NAN", f"lesson {p.lessonId}: the loss became {mean} at step {step}; the lesson was abandoned")
        self.window_samples += len(tasks)
        if adapter.on_step:
            adapter.on_step(p, step)
        if (i + 1) % p.metricsEvery == 0 or last:
            seconds = max(1e-9, time.perf_counter() - self.window_start)
            metrics = TrainerMetrics(
                lessonId=p.lessonId,
                commandId=p.commandId,
                branch=p.branch,
                step=step,
                tasks=self.window.take(),
                learningRate=self.lr,
                gradientNorm=norm if math.isfinite(norm) else 0.0,
                samplesPerSecond=self.window_samples / seconds,
                backend="pytorch",
                device=adapter.device,
            )
            adapter.emit([adapter.events.make(self.run_id, f"{p.commandId}:metrics:{step}", metrics)])
            self.window_samples = 0
            self.window_start = time.perf_counter()
        if last or (i + 1) % p.checkpointEvery == 0:
            checkpoint_id = self.end_id if last else checkpoint_id_for(p.lessonId, step)
            directory = checkpoint_dir(adapter.root, self.run_id, checkpoint_id)
            meta = {
                "checkpointId": checkpoint_id,
                "parentCheckpointId": self.parent,
                "runId": self.run_id,
                "lessonId": p.lessonId,
                "commandId": p.commandId,
                "branch": p.branch,
                "step": step,
                "lessonComplete": last,
            }
            adapter.save_checkpoint(directory, meta, state)
            state.checkpoint_id = checkpoint_id
            self.parent = checkpoint_id
            event_id = f"{p.commandId}:checkpoint" if last else f"{p.commandId}:checkpoint:{step}"
            adapter.emit([adapter._saved(self.run_id, meta, directory, event_id)])
