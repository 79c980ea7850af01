"""Typed event models for the events a Python trainer or evaluator consumes and produces.

Hand-written from schemas/json/*.event.json; tests/test_models_match_schemas.py fails when a
schema gains, loses or re-requires a payload field that the models here do not. Incoming
events are checked once, at the edge (parse_event): a wrong envelope or a missing payload
field is an EventError naming the field.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timezone
import json
from typing import Any, ClassVar, Literal, Mapping, Optional, Union

from .errors import CurriculumError

SCHEMA_VERSION = 1

TOPICS = {
    "commands": "curriculum.commands",
    "trainer_metrics": "curriculum.trainer.metrics",
    "checkpoints": "curriculum.checkpoints",
    "evaluator_results": "curriculum.evaluator.results",
    "decisions": "curriculum.decisions",
    "feedback": "curriculum.feedback",
    "control": "curriculum.control",
    "service_events": "curriculum.service.events",
}

Suite = Literal["heldout", "holdout-domain", "adversarial", "feedback"]


class EventError(ValueError):
    """An event that does not match its schema; `field` names the first bad field."""

    code = "CUR_EVENT_INVALID"

    def __init__(self, field_path: str, reason: str) -> None:
        super().__init__(f"{field_path}: {reason}")
        self.field = field_path
        self.reason = reason


@dataclass(frozen=True)
class Payload:
    TYPE: ClassVar[str] = ""
    TOPIC: ClassVar[str] = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None and f.default is None:
                continue  # optional fields are omitted, never sent as null
            out[f.name] = value
        return out

    @classmethod
    def from_json(cls, data: Any, where: str = "payload") -> "Payload":
        if not isinstance(data, dict):
            raise EventError(where, "must be an object")
        kwargs: dict[str, Any] = {}
        known = set()
        for f in dataclasses.fields(cls):
            name = f.name
            known.add(name)
            required = f.default is dataclasses.MISSING
            if name not in data:
                if required:
                    raise EventError(f"{where}.{name}", "is required")
                continue
            kwargs[f.name] = data[name]
        extra = sorted(set(data) - known)
        if extra:
            raise EventError(f"{where}.{extra[0]}", "is not a field of this event")
        return cls(**kwargs)


# ---- commands (consumed) ---------------------------------------------------------------------


@dataclass(frozen=True)
class LessonStart(Payload):
    TYPE: ClassVar[str] = "lesson.start"
    TOPIC: ClassVar[str] = TOPICS["commands"]
    commandId: str
    run: dict[str, Any]
    lessonId: str
    stage: str
    stageIndex: int
    branch: int
    purpose: str
    taskWeights: dict[str, float]
    learningRate: dict[str, Any]
    scheduleOffsetSteps: int
    steps: int
    startStep: int
    checkpointEvery: int
    metricsEvery: int
    fromCheckpointId: Optional[str]
    samplerSeed: int
    learningRateScale: Optional[float] = None
    feedback: Optional[dict[str, Any]] = None


@dataclass(frozen=True)
class CheckpointEvaluate(Payload):
    TYPE: ClassVar[str] = "checkpoint.evaluate"
    TOPIC: ClassVar[str] = TOPICS["commands"]
    commandId: str
    run: dict[str, Any]
    checkpointId: str
    branch: int
    step: int
    suites: list[str]
    tasks: list[str]
    feedback: Optional[dict[str, Any]] = None


@dataclass(frozen=True)
class CheckpointRevert(Payload):
    TYPE: ClassVar[str] = "checkpoint.revert"
    TOPIC: ClassVar[str] = TOPICS["commands"]
    commandId: str
    checkpointId: str
    branch: int
    step: int
    reason: str


@dataclass(frozen=True)
class RunStop(Payload):
    TYPE: ClassVar[str] = "run.stop"
    TOPIC: ClassVar[str] = TOPICS["commands"]
    commandId: str
    reason: str


# ---- what a trainer / evaluator publishes ----------------------------------------------------


@dataclass(frozen=True)
class TrainerMetrics(Payload):
    TYPE: ClassVar[str] = "trainer.metrics"
    TOPIC: ClassVar[str] = TOPICS["trainer_metrics"]
    lessonId: str
    commandId: str
    branch: int
    step: int
    tasks: dict[str, dict[str, float]]  # task -> {loss, accuracy, samples}
    learningRate: float
    gradientNorm: float
    samplesPerSecond: float
    backend: str
    device: Optional[str] = None


@dataclass(frozen=True)
class CheckpointSaved(Payload):
    TYPE: ClassVar[str] = "checkpoint.saved"
    TOPIC: ClassVar[str] = TOPICS["checkpoints"]
    checkpointId: str
    lessonId: str
    commandId: str
    branch: int
    step: int
    location: str
    parentCheckpointId: Optional[str]
    lessonComplete: bool


@dataclass(frozen=True)
class EvaluationResults(Payload):
    TYPE: ClassVar[str] = "evaluation.results"
    TOPIC: ClassVar[str] = TOPICS["evaluator_results"]
    commandId: str
    checkpointId: str
    branch: int
    step: int
    suite: str
    tasks: dict[str, dict[str, float]]  # task -> {n, accuracy, loss, ece}
    categories: dict[str, dict[str, float]]
    durationSeconds: float
    baseline: Optional[dict[str, Any]] = None
    taskCategories: Optional[dict[str, dict[str, dict[str, float]]]] = None  # task -> its own categories


@dataclass(frozen=True)
class CommandAck(Payload):
    TYPE: ClassVar[str] = "command.ack"
    TOPIC: ClassVar[str] = TOPICS["service_events"]
    commandId: str
    service: str
    outcome: Literal["executed", "duplicate"]


@dataclass(frozen=True)
class ServiceError(Payload):
    TYPE: ClassVar[str] = "service.error"
    TOPIC: ClassVar[str] = TOPICS["service_events"]
    commandId: Optional[str]
    service: str
    code: str
    message: str


MODELS: dict[str, type[Payload]] = {
    m.TYPE: m
    for m in (LessonStart, CheckpointEvaluate, CheckpointRevert, RunStop, TrainerMetrics, CheckpointSaved, EvaluationResults, CommandAck, ServiceError)
}

Command = Union[LessonStart, CheckpointEvaluate, CheckpointRevert, RunStop]

ENVELOPE_FIELDS = ("eventId", "runId", "type", "schemaVersion", "producedAt", "producer", "sequence", "payload")


@dataclass(frozen=True)
class Event:
    """An envelope around one payload (schemas/envelope.ts)."""

    eventId: str
    runId: str
    producer: str
    sequence: int
    producedAt: str
    payload: Payload

    @property
    def type(self) -> str:
        return self.payload.TYPE

    def to_json(self) -> dict[str, Any]:
        return {
            "eventId": self.eventId,
            "runId": self.runId,
            "type": self.type,
            "schemaVersion": SCHEMA_VERSION,
            "producedAt": self.producedAt,
            "producer": self.producer,
            "sequence": self.sequence,
            "payload": self.payload.to_json(),
        }

    def encode(self) -> bytes:
        return json.dumps(self.to_json(), separators=(",", ":")).encode("utf-8")


def parse_event(raw: Union[bytes, str, Mapping[str, Any]]) -> Optional[Event]:
    """Decodes an envelope; None for a valid event of a type this client has no model for
    (decisions, feedback...). Raises EventError naming the field for anything malformed."""
    if isinstance(raw, (bytes, str)):
        try:
            data = json.loads(raw)
        except ValueError as e:
            raise EventError("(value)", f"is not JSON: {e}") from None
    else:
        data = dict(raw)
    if not isinstance(data, dict):
        raise EventError("(value)", "must be a JSON object")
    for name in ENVELOPE_FIELDS:
        if name not in data:
            raise EventError(name, "is required")
    if data["schemaVersion"] != SCHEMA_VERSION:
        raise EventError("schemaVersion", f"must be {SCHEMA_VERSION}, got {data['schemaVersion']!r}")
    for name in ("eventId", "runId", "producer", "producedAt", "type"):
        if not isinstance(data[name], str) or data[name] == "":
            raise EventError(name, "must be a non-empty string")
    if not isinstance(data["sequence"], int) or data["sequence"] < 0:
        raise EventError("sequence", "must be a non-negative integer")
    model = MODELS.get(data["type"])
    if model is None:
        return None
    return Event(data["eventId"], data["runId"], data["producer"], data["sequence"], data["producedAt"], model.from_json(data["payload"]))


class EventFactory:
    """Envelopes for what one service instance publishes: the caller's deterministic event id,
    a per-run sequence, the wall clock (trainer/envelopes.ts)."""

    def __init__(self, producer: str) -> None:
        self.producer = producer
        self._sequences: dict[str, int] = {}

    def make(self, run_id: str, event_id: str, payload: Payload) -> Event:
        sequence = self._sequences.get(run_id, 0)
        self._sequences[run_id] = sequence + 1
        now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return Event(event_id, run_id, self.producer, sequence, now, payload)

    def ack(self, run_id: str, command_id: str, service: str, outcome: Literal["executed", "duplicate"]) -> Event:
        """command.ack with the ids the TypeScript executors use (a duplicate's id is distinct)."""
        suffix = ":duplicate" if outcome == "duplicate" else ""
        return self.make(run_id, f"{command_id}:ack:{service}{suffix}", CommandAck(command_id, service, outcome))

    def failure(self, run_id: str, command_id: str, service: str, error: Exception) -> Event:
        """service.error for a failed command: the error's catalogue code, else CUR_COMMAND_FAILED."""
        code = error.code if isinstance(error, CurriculumError) else "CUR_COMMAND_FAILED"
        return self.make(run_id, f"{command_id}:error:{service}", ServiceError(command_id, service, code, str(error)))
