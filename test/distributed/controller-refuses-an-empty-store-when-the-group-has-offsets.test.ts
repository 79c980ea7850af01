// A controller pointed at an empty Redis (lost, wiped, or the wrong one) while its consumer
// group has committed offsets must not start: consuming on from the committed offsets would
// silently begin every run afresh (or drop their events as "unknown run"). The process exits
// non-zero with CUR_STORE_EMPTY_WITH_OFFSETS and the remedy, and touches nothing.
import assert from 'node:assert/strict';
import { CONTROLLER_INPUT_TOPICS } from '../../schemas/topics.ts';
import { RedisRunStore } from '../../store/redis/index.ts';
import { KAFKA, REDIS, env, serviceTest } from '../support/service-gate.ts';
import { ControllerProcess, freePort, runStartEvent, scenario, startInProcessController, testLogger, track, waitFor } from './harness.ts';

serviceTest(
  'a controller started on an empty store while its group has committed offsets exits with CUR_STORE_EMPTY_WITH_OFFSETS',
  { env: [...KAFKA.env, ...REDIS.env], hint: KAFKA.hint },
  async () => {
    const s = await scenario('refuse');
    const emptyPrefix = `${s.iso.redisPrefix}wiped:`;
    const emptyStore = track(new RedisRunStore({ url: env('CURRICULUM_REDIS_URL'), keyPrefix: emptyPrefix }, { logger: testLogger }));
    try {
      // A first controller on a fresh store and a fresh group starts, creates a run and commits its offset.
      const first = await startInProcessController(s.iso);
      await s.bus.publish([runStartEvent('run-refuse')]);
      await waitFor('the run to be created', () => s.watcher.count('run-refuse') >= 1);
      await first.stop();
      const group = `${s.iso.topicPrefix}curriculum-controller`;
      const committed = await s.bus.committedOffsets(group, CONTROLLER_INPUT_TOPICS);
      assert.ok(committed.some((o) => BigInt(o.offset) > 0n), `the group committed offsets: ${JSON.stringify(committed)}`);

      // The same deployment against an empty Redis key space.
      const child = new ControllerProcess(s.iso, await freePort(), { CURRICULUM_REDIS_KEY_PREFIX: emptyPrefix });
      const timer = setTimeout(() => child.child.kill('SIGKILL'), 60_000);
      const { code, signal } = await child.exited;
      clearTimeout(timer);
      assert.equal(signal, null, `the controller exited by itself (it hung and was killed); output:\n${child.output}`);
      assert.equal(code, 1, child.output);
      assert.match(child.output, /CUR_STORE_EMPTY_WITH_OFFSETS: the state store holds no runs but the consumer group has committed offsets/);
      assert.match(child.output, /restore the store \(Redis AOF\/RDB\) or reset the group offsets deliberately/);
      assert.doesNotMatch(child.output, /partitions assigned/, 'it never joined the group');
      assert.equal(await emptyStore.isEmpty(), true, 'it wrote nothing to the empty store');
      assert.deepEqual(await s.bus.committedOffsets(group, CONTROLLER_INPUT_TOPICS), committed, 'the group offsets are unchanged');
    } finally {
      await emptyStore.close();
      await s.close();
    }
  },
  { timeout: 120_000 },
);
