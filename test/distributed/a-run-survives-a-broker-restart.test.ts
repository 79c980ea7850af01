// The broker is restarted (graceful stop + start, same data) in the middle of a run: the
// controller, trainer and evaluator ride it out (idempotent producer retrying, consumers
// restarting from their committed offsets, replays fenced by Redis) and the run completes with
// the uninterrupted run's decisions, each command executed once.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { KAFKA_CONTROL, REDIS, env, serviceTest } from '../support/service-gate.ts';
import { assertMatchesReference, bounded, ensureServerUp, kafkaAnswers, referenceRun, runStartEvent, scenario, startInProcessController, waitFor } from './harness.ts';

const exec = promisify(execFile);

serviceTest(
  'a run completes with its uninterrupted decisions across a broker restart',
  { env: [...KAFKA_CONTROL.env, ...REDIS.env], hint: KAFKA_CONTROL.hint },
  async (t) => {
    const ref = await referenceRun();
    const s = await scenario('broker-restart');
    const runId = 'run-broker-restart';
    let controller: Awaited<ReturnType<typeof startInProcessController>> | undefined;
    try {
      await s.startExecutors();
      controller = await startInProcessController(s.iso);
      await s.bus.publish([runStartEvent(runId)]);
      const at = Math.floor(ref.decisions.length / 3);
      await waitFor(`decision ${at}`, () => s.watcher.count(runId) >= at);
      const started = Date.now();
      await exec(env('CURRICULUM_KAFKA_CTL'), ['restart'], { timeout: 120_000 });
      const seen = s.watcher.count(runId);
      t.diagnostic(`broker restarted after decision ${at} in ${Date.now() - started} ms (${seen} decisions seen when it was back)`);
      assert.ok(!s.watcher.terminal(runId), 'the restart happened mid-run');
      await s.watcher.waitForTerminal(runId, 240_000);
      await assertMatchesReference(s.watcher, runId, ref);
      t.diagnostic(`run finished ${Date.now() - started} ms after the restart began`);
    } finally {
      await ensureServerUp(env('CURRICULUM_KAFKA_CTL'), kafkaAnswers);
      await bounded('stopping the controller', controller?.stop());
      await s.close();
    }
  },
  { timeout: 360_000 },
);
