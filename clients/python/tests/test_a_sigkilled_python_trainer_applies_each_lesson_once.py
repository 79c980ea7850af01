"""kill -9 of the Python trainer in the middle of a lesson: the lesson.start it had not
committed is delivered to its successor, which trains it; every lesson is executed exactly
once and the run completes."""

from __future__ import annotations

import collections
import signal

from conftest import Isolation, Watcher, quadrant_spec, run_start


def test_sigkill_mid_lesson_loses_nothing_and_repeats_nothing(iso: Isolation) -> None:
    iso.controller()
    trainer = iso.worker("trainer", "trainer-1")
    iso.worker("evaluator")
    watcher = Watcher(iso)
    run_id = "py-sigkill"
    try:
        # Long lessons (metrics every 5 of 100 steps) leave room to kill inside one.
        run_start(iso, run_id, quadrant_spec(lesson_steps=100, metrics_every=5))

        def mid_lesson() -> bool:
            lessons = watcher.of("lesson.start", run_id)
            if len(lessons) < 2:
                return False
            second = lessons[1]["payload"]
            metrics = [m for m in watcher.of("trainer.metrics", run_id) if m["payload"]["commandId"] == second["commandId"]]
            done = [c for c in watcher.of("checkpoint.saved", run_id) if c["payload"]["commandId"] == second["commandId"] and c["payload"]["lessonComplete"]]
            return len(metrics) >= 1 and not done

        watcher.wait("the second lesson to be under way", mid_lesson)
        trainer.send_signal(signal.SIGKILL)
        trainer.wait()
        killed_in = watcher.of("lesson.start", run_id)[1]["payload"]["lessonId"]
        iso.worker("trainer", "trainer-2")
        watcher.wait("the run to end", lambda: watcher.terminal(run_id) is not None, 300)
        assert watcher.terminal(run_id) == "complete", f"{[d['kind'] for d in watcher.decisions(run_id)]}\n{iso.logs()}"
        watcher.pump(2)

        lesson_of = {e["payload"]["commandId"]: e["payload"]["lessonId"] for e in watcher.of("lesson.start", run_id)}
        executed = collections.Counter(
            lesson_of[a["payload"]["commandId"]]
            for a in {a["eventId"]: a for a in watcher.of("command.ack", run_id)}.values()
            if a["payload"]["service"] == "trainer" and a["payload"]["outcome"] == "executed" and a["payload"]["commandId"] in lesson_of
        )
        assert set(executed) == set(lesson_of.values()), "a lesson was never executed"
        assert [lesson for lesson, n in executed.items() if n != 1] == [], "a lesson was executed twice"
        # The successor trained the lesson the first process died in.
        assert f"lesson {killed_in} complete" in (iso.root / "trainer-2.log").read_text()
        complete = [c["payload"] for c in watcher.of("checkpoint.saved", run_id) if c["payload"]["lessonId"] == killed_in and c["payload"]["lessonComplete"]]
        assert complete, f"lesson {killed_in} never completed"
        assert not watcher.of("service.error", run_id), watcher.of("service.error", run_id)
    finally:
        watcher.close()
