"""kill -9 of the Python trainer in the middle of a lesson. Either its successor is there at once
and Kafka hands it the lesson.start the dead process had not committed, or nobody is, and the
controller's liveness deadline re-sends the lesson under a new command id. Both ways every lesson
is executed exactly once and the run completes."""

from __future__ import annotations

import collections
import signal
import subprocess
from typing import Any, Optional

from conftest import Isolation, Watcher, quadrant_spec, run_start


def many_lessons(liveness_timeout_s: Optional[int] = None) -> dict[str, Any]:
    """Lessons of 100 steps (about a second each) and a last stage that must pass five evaluations
    in a row, so that there are several lessons to be killed in, not one short window."""
    spec = quadrant_spec(lesson_steps=100, metrics_every=5)
    spec["training"]["maxSteps"] = 1200
    last = spec["stages"][-1]
    last["maxSteps"] = 1000
    last["advance"]["consecutive"] = 5
    if liveness_timeout_s is not None:
        spec["training"]["livenessTimeoutSeconds"] = liveness_timeout_s
    return spec


def start(iso: Isolation, run_id: str, spec: dict[str, Any]) -> tuple[subprocess.Popen, Watcher]:
    """The controller, trainer-1 and an evaluator, and the run started; returns trainer-1 and a watcher."""
    iso.controller()
    trainer = iso.worker("trainer", "trainer-1")
    iso.worker("evaluator")
    watcher = Watcher(iso)
    run_start(iso, run_id, spec)
    return trainer, watcher


def kill_mid_lesson(watcher: Watcher, run_id: str, trainer: subprocess.Popen) -> dict[str, Any]:
    """SIGKILLs the trainer while a lesson after the first has reported metrics and not finished;
    returns that lesson's lesson.start payload."""
    under_way: list[dict[str, Any]] = []

    def a_lesson_is_under_way() -> bool:
        lessons = watcher.of("lesson.start", run_id)[1:]
        if not lessons:
            return False
        latest = lessons[-1]["payload"]
        metrics = any(m["payload"]["commandId"] == latest["commandId"] for m in watcher.of("trainer.metrics", run_id))
        done = any(c["payload"]["commandId"] == latest["commandId"] and c["payload"]["lessonComplete"] for c in watcher.of("checkpoint.saved", run_id))
        if metrics and not done:
            under_way.append(latest)
            return True
        return False

    watcher.wait("a lesson to be under way", a_lesson_is_under_way)
    trainer.send_signal(signal.SIGKILL)
    trainer.wait()
    return under_way[-1]


def executed_once(watcher: Watcher, run_id: str) -> None:
    lesson_of = {e["payload"]["commandId"]: e["payload"]["lessonId"] for e in watcher.of("lesson.start", run_id)}
    executed = collections.Counter(
        lesson_of[a["payload"]["commandId"]]
        for a in {a["eventId"]: a for a in watcher.of("command.ack", run_id)}.values()
        if a["payload"]["service"] == "trainer" and a["payload"]["outcome"] == "executed" and a["payload"]["commandId"] in lesson_of
    )
    assert set(executed) == set(lesson_of.values()), "a lesson was never executed"
    assert [lesson for lesson, n in executed.items() if n != 1] == [], "a lesson was executed twice"
    assert not watcher.of("service.error", run_id), watcher.of("service.error", run_id)


def test_sigkill_mid_lesson_loses_nothing_and_repeats_nothing(iso: Isolation) -> None:
    run_id = "py-sigkill"
    trainer, watcher = start(iso, run_id, many_lessons())
    try:
        killed_in = kill_mid_lesson(watcher, run_id, trainer)["lessonId"]
        iso.worker("trainer", "trainer-2")
        watcher.wait("the run to end", lambda: watcher.terminal(run_id) is not None, 300)
        assert watcher.terminal(run_id) == "complete", f"{[d['kind'] for d in watcher.decisions(run_id)]}\n{iso.logs()}"
        watcher.pump(2)
        executed_once(watcher, run_id)
        # The successor trained the lesson the first process died in.
        assert f"lesson {killed_in} complete" in (iso.root / "trainer-2.log").read_text()
        complete = [c["payload"] for c in watcher.of("checkpoint.saved", run_id) if c["payload"]["lessonId"] == killed_in and c["payload"]["lessonComplete"]]
        assert complete, f"lesson {killed_in} never completed"
    finally:
        watcher.close()


def test_a_lesson_nobody_finishes_is_resent_after_the_liveness_timeout(iso: Isolation) -> None:
    run_id = "py-liveness"
    # 20 s: long enough that a healthy lesson or evaluation never trips it on a loaded machine.
    trainer, watcher = start(iso, run_id, many_lessons(liveness_timeout_s=20))
    try:
        killed = kill_mid_lesson(watcher, run_id, trainer)

        def retried() -> bool:
            return any(r["code"] == "retry.timeout" for d in watcher.decisions(run_id) for r in d["reasons"])

        # Nobody is consuming: only the controller's deadline can move the run on.
        watcher.wait("the controller to re-send the lesson", retried, 120)
        timeouts = [r["message"] for d in watcher.decisions(run_id) for r in d["reasons"] if r["code"] == "retry.timeout"]
        assert timeouts == [f"no progress on {killed['commandId']} for 20 s; attempt 2 of 3"], timeouts
        resent = [e["payload"] for e in watcher.of("lesson.start", run_id) if e["payload"]["lessonId"] == killed["lessonId"] and e["payload"]["commandId"] != killed["commandId"]]
        assert len(resent) == 1, resent
        assert (resent[0]["fromCheckpointId"], resent[0]["startStep"]) == (killed["fromCheckpointId"], killed["startStep"])

        iso.worker("trainer", "trainer-2")
        watcher.wait("the run to end", lambda: watcher.terminal(run_id) is not None, 300)
        assert watcher.terminal(run_id) == "complete", f"{[d['kind'] for d in watcher.decisions(run_id)]}\n{iso.logs()}"
        watcher.pump(2)
        # trainer-2 gets the dead process's uncommitted command first and trains it; the re-sent
        # one finds that lesson's end checkpoint on disk and re-publishes it under its own id.
        executed_once(watcher, run_id)
        acks = {a["payload"]["commandId"]: a["payload"]["outcome"] for a in watcher.of("command.ack", run_id) if a["payload"]["service"] == "trainer"}
        assert acks.get(resent[0]["commandId"]) == "duplicate", acks
        assert any(c["payload"]["commandId"] == resent[0]["commandId"] and c["payload"]["lessonComplete"] for c in watcher.of("checkpoint.saved", run_id))
    finally:
        watcher.close()
