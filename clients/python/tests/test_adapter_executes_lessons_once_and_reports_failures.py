"""The trainer adapter on its own (no broker): a lesson draws by its weights, publishes metrics
every k steps and a checkpoint at its end; a repeated or retried lesson is not trained again;
a revert to a missing checkpoint is a service.error; the evaluator scores per category."""

from __future__ import annotations

import collections
from pathlib import Path

import jsonschema


from conftest import quadrant_spec, write_quadrant_tasks
from curriculum_client.adapter import TrainerAdapter, checkpoint_dir
from curriculum_client.evaluator import Evaluator
from curriculum_client.events import CheckpointEvaluate, CheckpointRevert, Event, EventFactory, LessonStart
from curriculum_client.jsonl import MlpLoop, load_jsonl_tasks
from curriculum_client.sampler import WeightedTaskSampler
from test_models_match_schemas import schema


def run_config(tmp: Path) -> dict:
    spec = quadrant_spec()
    return {"seed": spec["seed"], "model": spec["model"], "optimizer": spec["optimizer"], "batchSize": 16, "backend": "auto", "tasks": spec["tasks"], "samplesPerTask": 80, "baseDir": str(tmp)}


def lesson(tmp: Path, command_id: str, lesson_id: str = "r:lesson:0", start: int = 0, weights: dict | None = None, from_checkpoint: str | None = None) -> Event:
    payload = LessonStart(
        commandId=command_id, run=run_config(tmp), lessonId=lesson_id, stage="near", stageIndex=0, branch=0, purpose="train",
        taskWeights=weights or {"inner": 0.75, "outer": 0.25}, learningRate={"kind": "constant", "value": 0.02, "warmupSteps": 2},
        scheduleOffsetSteps=0, steps=12, startStep=start, checkpointEvery=1000, metricsEvery=5, fromCheckpointId=from_checkpoint, samplerSeed=3,
    )
    return EventFactory("controller").make("r", f"{command_id}:event", payload)


def test_a_lesson_trains_reports_and_checkpoints_once(tmp_path: Path) -> None:
    write_quadrant_tasks(tmp_path)
    out: list[Event] = []
    adapter = TrainerAdapter(MlpLoop(), lambda run: load_jsonl_tasks(run).training(), checkpoint_root=str(tmp_path / "ck"), emit=out.extend)
    adapter.handle(lesson(tmp_path, "c1"))
    types = [e.type for e in out]
    assert types == ["trainer.metrics", "trainer.metrics", "trainer.metrics", "checkpoint.saved", "command.ack"], types
    assert [e.payload.step for e in out if e.type == "trainer.metrics"] == [5, 10, 12]
    assert out[0].payload.learningRate == 0.02 and out[-1].payload.outcome == "executed"
    for e in out:
        jsonschema.validate(e.to_json(), schema(e.type))
    saved = out[3].payload
    assert saved.checkpointId == "r_lesson_0.step-12" and saved.lessonComplete and Path(saved.location).is_dir()

    # The same command again: acked as a duplicate, nothing trained.
    out.clear()
    adapter.handle(lesson(tmp_path, "c1"))
    assert [e.type for e in out] == ["checkpoint.saved", "command.ack"] and out[-1].payload.outcome == "duplicate"

    # A fresh process, a retry under a new command id: the checkpoint on disk is re-published.
    out.clear()
    fresh = TrainerAdapter(MlpLoop(), lambda run: load_jsonl_tasks(run).training(), checkpoint_root=str(tmp_path / "ck"), emit=out.extend)
    fresh.handle(lesson(tmp_path, "c1-retry-1"))
    assert [e.type for e in out] == ["checkpoint.saved", "command.ack"]
    assert out[0].payload.commandId == "c1-retry-1" and out[1].payload.outcome == "duplicate"

    # The next lesson continues from that checkpoint after a restart (loaded from disk).
    out.clear()
    fresh.handle(lesson(tmp_path, "c2", "r:lesson:1", start=12, from_checkpoint=saved.checkpointId))
    assert out[-1].type == "command.ack" and out[-1].payload.outcome == "executed"
    assert [e.payload.parentCheckpointId for e in out if e.type == "checkpoint.saved"] == [saved.checkpointId]


def test_failures_become_service_errors(tmp_path: Path) -> None:
    write_quadrant_tasks(tmp_path)
    out: list[Event] = []
    adapter = TrainerAdapter(MlpLoop(), lambda run: load_jsonl_tasks(run).training(), checkpoint_root=str(tmp_path / "ck"), emit=out.extend)
    adapter.handle(EventFactory("controller").make("r", "x", CheckpointRevert("rv1", "nope.step-5", 1, 5, "test")))
    adapter.handle(lesson(tmp_path, "c9", weights={"missing-task": 1.0}))
    assert [(e.type, e.payload.code) for e in out] == [("service.error", "CUR_CHECKPOINT_MISSING"), ("service.error", "CUR_TASK_UNKNOWN")]
    assert "missing-task" in out[1].payload.message
    for e in out:
        jsonschema.validate(e.to_json(), schema(e.type))


def test_the_sampler_draws_tasks_by_weight_and_repeats_with_its_seed() -> None:
    sampler = WeightedTaskSampler({"a": 100, "b": 50}, {"a": 0.8, "b": 0.2, "c": 0}, 5000, seed=1)
    draws = list(sampler)
    share = collections.Counter(t for t, _ in draws)["a"] / len(draws)
    assert 0.77 < share < 0.83
    assert all(i < (100 if t == "a" else 50) for t, i in draws)
    assert draws == list(WeightedTaskSampler({"a": 100, "b": 50}, {"a": 0.8, "b": 0.2}, 5000, seed=1))


def test_the_evaluator_scores_heldout_per_task_and_category(tmp_path: Path) -> None:
    write_quadrant_tasks(tmp_path)
    out: list[Event] = []
    root = str(tmp_path / "ck")
    TrainerAdapter(MlpLoop(), lambda run: load_jsonl_tasks(run).training(), checkpoint_root=root, emit=out.extend).handle(lesson(tmp_path, "c1"))
    out.clear()
    evaluator = Evaluator(MlpLoop(), lambda run: load_jsonl_tasks(run).suites(), checkpoint_root=root, emit=out.extend)
    command = CheckpointEvaluate("ev1", run_config(tmp_path), "r_lesson_0.step-12", 0, 12, ["heldout"], ["inner", "outer"])
    evaluator.handle(EventFactory("controller").make("r", "e", command))
    assert [e.type for e in out] == ["evaluation.results", "command.ack"]
    results = out[0].payload
    jsonschema.validate(out[0].to_json(), schema("evaluation.results"))
    assert results.tasks["inner"]["n"] == 80 and set(results.categories) == {"left", "right"}
    assert sum(c["n"] for c in results.categories.values()) == 160
    out.clear()
    evaluator.handle(EventFactory("controller").make("r", "e", CheckpointEvaluate("ev2", run_config(tmp_path), "r_lesson_0.step-12", 0, 12, ["adversarial"], ["inner"])))
    assert out[0].type == "service.error" and "adversarial" in out[0].payload.message
    assert checkpoint_dir(root, "r", "a.step-1").endswith("/r/a.step-1")
