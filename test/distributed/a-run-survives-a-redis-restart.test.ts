// Redis (AOF, appendfsync always) is restarted in the middle of a run: the run's state survives
// (same revision or later, same applied offsets), the controller's queued commands go through
// once Redis is back, and the run completes with the uninterrupted run's decisions.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RedisRunStore } from '../../store/redis/index.ts';
import { KAFKA, REDIS_CONTROL, env, serviceTest } from '../support/service-gate.ts';
import { assertMatchesReference, bounded, ensureServerUp, referenceRun, runStartEvent, scenario, startInProcessController, testLogger, track, waitFor } from './harness.ts';

const exec = promisify(execFile);

serviceTest(
  'a run keeps its state across a Redis restart and completes with its uninterrupted decisions',
  { env: [...KAFKA.env, ...REDIS_CONTROL.env], hint: REDIS_CONTROL.hint },
  async (t) => {
    const ref = await referenceRun();
    const s = await scenario('redis-restart');
    const runId = 'run-redis-restart';
    const store = track(new RedisRunStore({ url: env('CURRICULUM_REDIS_URL'), keyPrefix: s.iso.redisPrefix }, { logger: testLogger }));
    let controller: Awaited<ReturnType<typeof startInProcessController>> | undefined;
    try {
      await s.startExecutors();
      controller = await startInProcessController(s.iso);
      await s.bus.publish([runStartEvent(runId)]);
      // Early in the run: the rest of it (seconds) must not fit in the restart's window.
      const at = 3;
      await waitFor(`decision ${at}`, () => s.watcher.count(runId) >= at);
      // Pause consumption for a consistent look at the state right before the restart.
      controller.controller.pause();
      await new Promise((r) => setTimeout(r, 500));
      const before = await store.load(runId);
      assert.ok(before, 'the run is in the store');
      const started = Date.now();
      // The controller keeps running against the restarting server once resumed mid-restart.
      const restart = exec(env('CURRICULUM_REDIS_CTL'), ['restart'], { timeout: 120_000 });
      controller.controller.resume();
      await restart;
      const midRun = !s.watcher.terminal(runId);
      t.diagnostic(`redis restarted in ${Date.now() - started} ms after decision ${at}, at revision ${before.revision}`);
      const after = await store.load(runId);
      assert.ok(after, 'the run survived the restart');
      assert.ok(after.revision >= before.revision, `revision ${after.revision} >= ${before.revision}`);
      for (const [key, offset] of Object.entries(before.appliedOffsets)) {
        assert.ok(BigInt(after.appliedOffsets[key] ?? '-1') >= BigInt(offset), `applied offset of ${key} kept`);
      }
      assert.ok(midRun, 'the restart happened mid-run');
      await s.watcher.waitForTerminal(runId);
      await assertMatchesReference(s.watcher, runId, ref);
    } finally {
      await ensureServerUp(env('CURRICULUM_REDIS_CTL'), async () => {
        if (!(await store.ping())) throw new Error('redis does not answer');
      });
      await bounded('stopping the controller', controller?.stop());
      await store.close();
      await s.close();
    }
  },
  { timeout: 240_000 },
);
