"""The controller drives the Python trainer and evaluator over the real broker to a completed
run; an operator revert reaches the trainer as checkpoint.revert, and the next lesson starts
from that checkpoint on a new branch."""

from __future__ import annotations

import jsonschema

from conftest import Isolation, Watcher, operator, quadrant_spec, run_start
from test_models_match_schemas import schema


def test_a_run_completes_and_a_revert_is_obeyed(iso: Isolation) -> None:
    iso.controller()
    iso.worker("trainer")
    iso.worker("evaluator")
    watcher = Watcher(iso)
    run_id = "py-revert"
    try:
        spec = quadrant_spec(lesson_steps=200, metrics_every=50)
        # Five passing evaluations of 200-step lessons to finish the second stage: the run is
        # still training when the revert arrives (on an idle machine a 20-step lesson takes
        # 0.1 s: the run could complete first, and a finished run ignores the revert).
        spec["training"]["maxSteps"] = 6000
        spec["stages"][1]["advance"]["consecutive"] = 5
        spec["stages"][1]["maxSteps"] = 4000
        run_start(iso, run_id, spec)
        # A gated checkpoint exists once the first stage advanced: revert to it (the default target).
        watcher.wait("the first stage to advance", lambda: any(d["kind"] == "advance" for d in watcher.decisions(run_id)) or watcher.terminal(run_id) is not None)
        assert watcher.terminal(run_id) is None, iso.logs()
        operator(iso, run_id, "revert")
        watcher.wait("checkpoint.revert", lambda: watcher.of("checkpoint.revert", run_id) != [])
        revert = watcher.of("checkpoint.revert", run_id)[0]["payload"]
        watcher.wait("the trainer's ack of the revert", lambda: any(a["payload"]["commandId"] == revert["commandId"] and a["payload"]["service"] == "trainer" for a in watcher.of("command.ack", run_id)))
        watcher.wait("the run to end", lambda: watcher.terminal(run_id) is not None, 300)
        assert watcher.terminal(run_id) == "complete", f"{[d['kind'] for d in watcher.decisions(run_id)]}\n{iso.logs()}"

        # After the revert the controller continues from the reverted checkpoint on a new branch.
        lessons = [e["payload"] for e in watcher.of("lesson.start", run_id)]
        after = [lesson for lesson in lessons if lesson["branch"] == revert["branch"]]
        assert after, "no lesson on the revert's branch"
        assert after[0]["fromCheckpointId"] == revert["checkpointId"]
        assert revert["branch"] > 0

        # What the Python services published is valid against the published schemas.
        metrics = watcher.of("trainer.metrics", run_id)
        results = watcher.of("evaluation.results", run_id)
        assert metrics and results
        for event in metrics + results + watcher.of("checkpoint.saved", run_id):
            jsonschema.validate(event, schema(event["type"]))
        assert {m["payload"]["backend"] for m in metrics} == {"pytorch"}
        assert set(results[-1]["payload"]["categories"]) == {"left", "right"}
        assert not watcher.of("service.error", run_id), watcher.of("service.error", run_id)
    finally:
        watcher.close()
