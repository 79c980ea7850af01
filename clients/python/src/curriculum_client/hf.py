"""transformers.Trainer under the controller.

HF callbacks may only steer through TrainerControl, so the curriculum drives the Trainer from
outside: HFTrainerAdapter runs each lesson.start as one `trainer.train()` of `steps` steps over a
DataLoader whose sampler is the lesson's WeightedTaskSampler (CurriculumHFTrainer replaces the
shuffled sampler in get_train_dataloader, the answer to transformers #11693), and
CurriculumCallback sets the lesson's learning rate on the optimizer before every step, clips and
measures the gradient norm, and hands each step's per-example figures to the adapter's
LessonProgress (trainer.metrics, checkpoints, checkpoint.saved). The model and the optimizer are
kept across lessons, saved in each checkpoint and loaded on revert, as for any PyTorch loop.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping, Optional, Sequence

import torch
from torch.nn import functional as F
from torch.utils.data import DataLoader, Sampler
from transformers import Trainer, TrainerCallback, TrainingArguments

from .adapter import LessonProgress, RunState, StepOutput, TrainerAdapter
from .events import LessonStart
from .sampler import TaskMixture, WeightedTaskSampler

# (task, example) items -> a batch dict for the model, with "task" (list of task ids) kept.
Collate = Callable[[Sequence[tuple[str, Any]]], dict[str, Any]]


class CurriculumHFTrainer(Trainer):
    """A Trainer whose training batches come from `curriculum_sampler` (set per lesson) and whose
    loss keeps per-example figures (per-task metrics)."""

    curriculum_sampler: Optional[Sampler] = None
    last_step: Optional[tuple[list[str], torch.Tensor, torch.Tensor]] = None

    def get_train_dataloader(self) -> DataLoader:
        if self.curriculum_sampler is None:
            return super().get_train_dataloader()
        return DataLoader(self.train_dataset, batch_size=self._train_batch_size, sampler=self.curriculum_sampler, collate_fn=self.data_collator, num_workers=0)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):  # type: ignore[override]
        tasks = list(inputs.pop("task"))
        labels = inputs.pop("labels")
        outputs = model(**inputs)
        losses = F.cross_entropy(outputs.logits, labels, reduction="none")
        self.last_step = (tasks, losses.detach(), (outputs.logits.argmax(-1) == labels).detach())
        loss = losses.mean()
        return (loss, outputs) if return_outputs else loss


class CurriculumCallback(TrainerCallback):
    """Applies one lesson to a running Trainer: its learning rate, its clipping, its reporting."""

    def __init__(self) -> None:
        self.progress: Optional[LessonProgress] = None
        self.trainer: Optional[CurriculumHFTrainer] = None
        self.clip = 1.0
        self.norm = 0.0
        # The rate the optimizer steps with (the scheduler HF steps afterwards may change it).
        self.stepped_lr = 0.0
        self.stop_requested = False

    def on_step_begin(self, args, state, control, optimizer=None, **kwargs):  # noqa: ANN001
        if self.progress is not None and optimizer is not None:
            lr = self.progress.learning_rate(state.global_step)
            for group in optimizer.param_groups:
                group["lr"] = lr
        return control

    def on_pre_optimizer_step(self, args, state, control, model=None, optimizer=None, **kwargs):  # noqa: ANN001
        if optimizer is not None:
            self.stepped_lr = float(optimizer.param_groups[0]["lr"])
        params = [p for p in model.parameters() if p.grad is not None] if model is not None else []
        norm = torch.nn.utils.clip_grad_norm_(params, self.clip if self.clip > 0 else float("inf")) if params else torch.tensor(0.0)
        self.norm = float(norm)
        return control

    def on_step_end(self, args, state, control, **kwargs):  # noqa: ANN001
        if self.progress is not None and self.trainer is not None and self.trainer.last_step is not None:
            tasks, losses, correct = self.trainer.last_step
            self.progress.after_step(state.global_step - 1, tasks, losses, correct, self.norm)
        if self.stop_requested:
            control.should_training_stop = True
        return control


class HFLoop:
    """The TrainingLoop of a sequence-classification model: `build` makes it, `collate` batches."""

    def __init__(self, build: Callable[[Mapping[str, Any]], torch.nn.Module], collate: Collate) -> None:
        self._build = build
        self.collate = collate

    def build(self, run: Mapping[str, Any]) -> torch.nn.Module:
        return self._build(run)

    def forward(self, model: torch.nn.Module, tasks: Sequence[str], examples: Sequence[Any]) -> StepOutput:
        batch = self.collate(list(zip(tasks, examples)))
        batch.pop("task", None)
        labels = batch.pop("labels")
        device = next(model.parameters()).device
        logits = model(**{k: v.to(device) for k, v in batch.items()}).logits
        labels = labels.to(device)
        losses = F.cross_entropy(logits, labels, reduction="none")
        confidence, predicted = logits.softmax(-1).max(-1)
        return StepOutput(losses, predicted == labels, confidence.detach())


class HFTrainerAdapter(TrainerAdapter):
    """TrainerAdapter whose lessons run through transformers.Trainer."""

    def __init__(self, loop: HFLoop, datasets: Any, *, output_dir: str, **kwargs: Any) -> None:
        super().__init__(loop, datasets, **kwargs)
        self.hf_loop = loop
        self.output_dir = output_dir
        self.callback = CurriculumCallback()

    def train_lesson(self, run_id: str, p: LessonStart, state: RunState, datasets: Mapping[str, Sequence[Any]], sampler: WeightedTaskSampler, end_id: str) -> None:
        args = TrainingArguments(
            output_dir=self.output_dir,
            per_device_train_batch_size=int(p.run["batchSize"]),
            max_steps=p.steps,
            max_grad_norm=0.0,  # CurriculumCallback clips (and measures the norm before clipping)
            learning_rate=learning_rate_floor(p),
            lr_scheduler_type="constant",
            logging_strategy="no",
            save_strategy="no",
            report_to=[],
            use_cpu=self.device == "cpu",
            disable_tqdm=True,
            dataloader_num_workers=0,
            seed=int(p.samplerSeed) % (2**31),
        )
        trainer = CurriculumHFTrainer(
            model=state.model,
            args=args,
            train_dataset=TaskMixture(datasets),
            data_collator=self.hf_loop.collate,
            optimizers=(state.optimizer, torch.optim.lr_scheduler.LambdaLR(state.optimizer, lambda _: 1.0)),
            callbacks=[self.callback],
        )
        trainer.curriculum_sampler = sampler
        self.callback.trainer = trainer
        self.callback.clip = float((p.run.get("optimizer") or {}).get("gradientClipNorm", 1) or 0)
        self.callback.progress = LessonProgress(self, run_id, p, state, end_id)
        try:
            trainer.train()
        finally:
            self.callback.progress = None
            self.callback.trainer = None


def learning_rate_floor(p: LessonStart) -> float:
    """TrainingArguments wants a positive rate; the callback sets the real one before each step."""
    from .schedule import learning_rate_at

    lr = learning_rate_at(p.learningRate, p.scheduleOffsetSteps)
    return lr if lr > 0 and math.isfinite(lr) else 1e-5
