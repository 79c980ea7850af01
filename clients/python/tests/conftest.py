"""The integration harness: a real Kafka broker and a real Redis server (scripts/services.sh or
.ci/run), the project's controller as a child process (node bin/curriculum.mjs controller),
the Python trainer and evaluator as child processes (python -m curriculum_client.worker).
Each test gets its own topic prefix, Redis key prefix and checkpoint directory."""

from __future__ import annotations

import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import pytest
from confluent_kafka import Consumer

from curriculum_client.events import TOPICS, parse_event
from curriculum_client.transport import KafkaTransport

ROOT = Path(__file__).resolve().parents[3]


def services_env() -> dict[str, str]:
    brokers = os.environ.get("CURRICULUM_KAFKA_BROKERS")
    redis = os.environ.get("CURRICULUM_REDIS_URL")
    if not brokers or not redis:
        message = 'Kafka/Redis not running: scripts/services.sh start && eval "$(scripts/services.sh env)"'
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return {"CURRICULUM_KAFKA_BROKERS": brokers, "CURRICULUM_REDIS_URL": redis}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_quadrant_tasks(directory: Path, seed: int = 11) -> None:
    """Two jsonl tasks: points near the origin (easy) and a noisier outer ring (hard), labelled by quadrant."""
    rng = random.Random(seed)
    for name, (lo, hi) in {"inner": (0.2, 1.0), "outer": (1.0, 2.0)}.items():
        with open(directory / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for i in range(400):
                angle = rng.uniform(0, 2 * math.pi)
                r = rng.uniform(lo, hi)
                x, y = r * math.cos(angle), r * math.sin(angle)
                label = ("n" if y >= 0 else "s") + ("e" if x >= 0 else "w")
                category = "left" if x < 0 else "right"
                f.write(json.dumps({"input": [round(x, 4), round(y, 4)], "label": label, "category": category}) + "\n")


def quadrant_spec(lesson_steps: int = 20, metrics_every: int = 5) -> dict[str, Any]:
    return {
        "apiVersion": "curriculum/v1",
        "name": "python-quadrants",
        "seed": 7,
        "model": {"kind": "mlp", "hidden": [16, 16], "activation": "relu"},
        "optimizer": {"kind": "adam", "gradientClipNorm": 1},
        "training": {"batchSize": 32, "lessonSteps": lesson_steps, "metricsEvery": metrics_every, "maxSteps": 400},
        "evaluation": {"suites": ["heldout"], "samplesPerTask": 80},
        "tasks": [
            {"id": "inner", "skill": "geometry", "difficulty": 1, "generator": {"kind": "jsonl", "path": "inner.jsonl", "heldoutFraction": 0.2}, "categories": ["left", "right"]},
            {"id": "outer", "skill": "geometry", "difficulty": 2, "generator": {"kind": "jsonl", "path": "outer.jsonl", "heldoutFraction": 0.2}, "categories": ["left", "right"]},
        ],
        "stages": [
            {"id": "near", "tasks": ["inner"], "teacher": {"kind": "uniform"}, "learningRate": {"kind": "constant", "value": 0.02}, "advance": {"gates": [{"metric": "accuracy", "task": "inner", "threshold": 0.7}], "consecutive": 1, "confidence": 0}, "maxSteps": 200},
            {"id": "all", "tasks": ["inner", "outer"], "teacher": {"kind": "uniform"}, "learningRate": {"kind": "constant", "value": 0.02}, "advance": {"gates": [{"metric": "accuracy", "task": "each", "threshold": 0.8}], "consecutive": 1, "confidence": 0}, "maxSteps": 200},
        ],
    }


@dataclass
class Isolation:
    label: str
    topic_prefix: str
    redis_prefix: str
    root: Path
    services: dict[str, str]
    children: list[subprocess.Popen] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", ""),
            **self.services,
            "CURRICULUM_KAFKA_TOPIC_PREFIX": self.topic_prefix,
            "CURRICULUM_REDIS_KEY_PREFIX": self.redis_prefix,
            "CURRICULUM_KAFKA_PARTITIONS": "2",
            "CURRICULUM_KAFKA_SESSION_TIMEOUT_MS": "6000",
            "CURRICULUM_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
            "CURRICULUM_CHECKPOINT_ROOT": str(self.root / "checkpoints"),
            "CURRICULUM_API_TOKEN": "python-test-token-0123456789abcdef",
            "CURRICULUM_LOG_LEVEL": "info",
            "CURRICULUM_TICK_SECONDS": "1",
            **extra,
        }

    def spawn(self, argv: list[str], name: str, **extra: str) -> subprocess.Popen:
        log = open(self.root / f"{name}.log", "ab")
        child = subprocess.Popen(argv, cwd=ROOT, env=self.env(**extra), stdout=log, stderr=subprocess.STDOUT)
        self.children.append(child)
        return child

    def controller(self) -> subprocess.Popen:
        child = self.spawn(["node", str(ROOT / "bin/curriculum.mjs"), "controller"], "controller", CURRICULUM_PORT=str(free_port()))
        wait_for("the controller to start", lambda: b'"controller started"' in (self.root / "controller.log").read_bytes() or child.poll() is not None, 90)
        assert child.poll() is None, (self.root / "controller.log").read_text()[-3000:]
        return child

    def worker(self, role: str, name: Optional[str] = None) -> subprocess.Popen:
        name = name or role
        child = self.spawn([sys.executable, "-m", "curriculum_client.worker", "--role", role], name, PYTHONUNBUFFERED="1")
        wait_for(f"the python {role} to start", lambda: f"python {role} started".encode() in (self.root / f"{name}.log").read_bytes() or child.poll() is not None, 60)
        assert child.poll() is None, (self.root / f"{name}.log").read_text()[-3000:]
        return child

    def transport(self) -> KafkaTransport:
        return KafkaTransport(self.services["CURRICULUM_KAFKA_BROKERS"], topic_prefix=self.topic_prefix, partitions=2, client_id="python-test")

    def logs(self) -> str:
        return "\n".join(f"---- {p.name}\n{p.read_text(errors='replace')[-2500:]}" for p in sorted(self.root.glob("*.log")))


def wait_for(what: str, predicate: Callable[[], bool], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


class Watcher:
    """Reads every topic of the test's prefix from the beginning, as an auditor would."""

    def __init__(self, iso: Isolation) -> None:
        self.consumer = Consumer({"bootstrap.servers": iso.services["CURRICULUM_KAFKA_BROKERS"], "group.id": f"{iso.topic_prefix}watcher-{uuid.uuid4()}", "auto.offset.reset": "earliest", "enable.auto.commit": False, "topic.metadata.refresh.interval.ms": 1000})
        topics = [TOPICS[k] for k in ("commands", "trainer_metrics", "checkpoints", "evaluator_results", "decisions", "service_events")]
        iso.transport().ensure_topics(topics)
        self.consumer.subscribe([iso.topic_prefix + t for t in topics])
        self.events: list[dict[str, Any]] = []

    def pump(self, seconds: float = 0.2) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for msg in self.consumer.consume(500, 0.1):
                if msg.error() is None and msg.value():
                    self.events.append(json.loads(msg.value()))

    def of(self, event_type: str, run_id: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == event_type and e["runId"] == run_id]

    def decisions(self, run_id: str) -> list[dict[str, Any]]:
        unique = {e["payload"]["decisionId"]: e["payload"] for e in self.of("decision", run_id)}
        return sorted(unique.values(), key=lambda d: d["sequence"])

    def terminal(self, run_id: str) -> Optional[str]:
        for d in self.decisions(run_id):
            if d["kind"] in ("complete", "fail", "stop"):
                return d["kind"]
        return None

    def wait(self, what: str, predicate: Callable[[], bool], timeout: float = 240) -> None:
        def check() -> bool:
            self.pump()
            return predicate()

        wait_for(what, check, timeout)

    def close(self) -> None:
        self.consumer.close()


@pytest.fixture
def iso(request: pytest.FixtureRequest):
    services = services_env()
    label = request.node.name.replace("_", "-")[:24]
    ident = uuid.uuid4().hex[:8]
    root = Path(tempfile.mkdtemp(prefix=f"curriculum-py-{label}-"))
    write_quadrant_tasks(root)
    it = Isolation(label, f"t-py-{label}-{ident}.", f"test:py:{label}:{ident}:", root, services)
    yield it
    for child in reversed(it.children):
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in it.children:
        try:
            child.wait(20)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def run_start(iso: Isolation, run_id: str, spec: dict[str, Any]) -> None:
    spec_file = iso.root / "spec.json"
    spec_file.write_text(json.dumps(spec))
    body = {"eventId": f"test:run.start:{run_id}", "runId": run_id, "type": "run.start", "schemaVersion": 1, "producedAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()), "producer": "python-test", "sequence": 0, "payload": {"spec": spec, "specSource": str(spec_file)}}
    iso.transport().publish_raw(TOPICS["control"], run_id, json.dumps(body).encode())


def operator(iso: Isolation, run_id: str, action: str, **fields: str) -> None:
    body = {"eventId": f"test:op:{action}:{uuid.uuid4()}", "runId": run_id, "type": "operator.command", "schemaVersion": 1, "producedAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()), "producer": "python-test", "sequence": 1, "payload": {"action": action, "requestedBy": "pytest", **fields}}
    iso.transport().publish_raw(TOPICS["control"], run_id, json.dumps(body).encode())


__all__ = ["Isolation", "Watcher", "run_start", "operator", "wait_for", "parse_event"]
