"""The hand-written payload models agree with schemas/json/: the same field names, the same
required set; and events the client builds validate against the schema files."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest

from curriculum_client.events import MODELS, TOPICS, EventFactory, EventError, parse_event
from curriculum_client.events import CheckpointSaved, CommandAck, EvaluationResults, ServiceError, TrainerMetrics

SCHEMAS = Path(__file__).resolve().parents[3] / "schemas" / "json"


def schema(event_type: str) -> dict:
    return json.loads((SCHEMAS / f"{event_type}.event.json").read_text())


@pytest.mark.parametrize("event_type", sorted(MODELS))
def test_payload_fields_and_required_set_match_the_schema(event_type: str) -> None:
    payload = schema(event_type)["properties"]["payload"]
    model = MODELS[event_type]
    fields = {f.name for f in dataclasses.fields(model)}
    required = {f.name for f in dataclasses.fields(model) if f.default is dataclasses.MISSING}
    assert fields == set(payload["properties"]), f"{event_type}: model fields differ from the schema's properties"
    assert required == set(payload["required"]), f"{event_type}: model's required fields differ from the schema's"
    assert model.TOPIC == schema(event_type)["x-topic"]


def test_topics_match_the_published_topic_list() -> None:
    topics = json.loads((SCHEMAS / "topics.json").read_text())
    names = set(json.dumps(topics).split('"')) 
    for topic in TOPICS.values():
        assert topic in names


def test_events_the_client_builds_validate_against_the_schemas() -> None:
    f = EventFactory("python-test")
    built = [
        f.make("r1", "c:metrics:10", TrainerMetrics("l1", "c", 0, 10, {"a": {"loss": 0.5, "accuracy": 0.75, "samples": 32}}, 0.01, 1.2, 100.0, "pytorch", "cpu")),
        f.make("r1", "c:checkpoint", CheckpointSaved("l1.step-20", "l1", "c", 0, 20, "/tmp/x", None, True)),
        f.make("r1", "e:results:heldout", EvaluationResults("e", "l1.step-20", 0, 20, "heldout", {"a": {"n": 4, "accuracy": 0.5, "loss": 0.7, "ece": 0.1}}, {}, 0.01)),
        f.make("r1", "c:ack:trainer", CommandAck("c", "trainer", "executed")),
        f.make("r1", "c:error:trainer", ServiceError("c", "trainer", "CUR_COMMAND_FAILED", "boom")),
    ]
    for event in built:
        body = event.to_json()
        jsonschema.validate(body, schema(event.type), format_checker=jsonschema.FormatChecker())
        again = parse_event(event.encode())
        assert again is not None and again.to_json() == body
    assert [e.sequence for e in built] == [0, 1, 2, 3, 4]


def test_a_command_missing_a_field_names_it() -> None:
    body = {"eventId": "x", "runId": "r", "type": "run.stop", "schemaVersion": 1, "producedAt": "2026-01-01T00:00:00.000Z", "producer": "p", "sequence": 0, "payload": {"commandId": "c"}}
    with pytest.raises(EventError) as e:
        parse_event(json.dumps(body))
    assert e.value.field == "payload.reason"
    body["schemaVersion"] = 2
    with pytest.raises(EventError, match="schemaVersion"):
        parse_event(json.dumps(body))


def test_events_of_other_types_are_passed_over() -> None:
    body = {"eventId": "x", "runId": "r", "type": "decision", "schemaVersion": 1, "producedAt": "2026-01-01T00:00:00.000Z", "producer": "p", "sequence": 0, "payload": {}}
    assert parse_event(json.dumps(body)) is None
