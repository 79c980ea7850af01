// The controller process is SIGKILLed at 20 seeded random points of a run and restarted each
// time (same consumer group, same Redis). Whatever instant the kill hits (mid-transition,
// between the Redis commit and the offset commit, between the commit and the outbox relay),
// the decision log read back from the decisions topic equals the uninterrupted run's, and no
// command takes effect twice: the trainer and evaluator acknowledge each command id as
// 'executed' exactly once.
import assert from 'node:assert/strict';
import { KAFKA, REDIS, serviceTest } from '../transport/service-gate.ts';
import { ControllerProcess, assertMatchesReference, freePort, referenceRun, runStartEvent, scenario, seededRandom, sleep, waitFor } from './harness.ts';

const KILLS = 20;
const SEED = Number(process.env.CURRICULUM_FAULT_SEED ?? 20261129);

serviceTest(
  `a controller SIGKILLed at ${KILLS} random points and restarted each time reaches the uninterrupted run's decisions, executing each command once`,
  { env: [...KAFKA.env, ...REDIS.env], hint: KAFKA.hint },
  async (t) => {
    const ref = await referenceRun();
    const s = await scenario('sigkill');
    const runId = 'run-sigkill';
    let controller: ControllerProcess | undefined;
    try {
      await s.startExecutors();
      const random = seededRandom(SEED);
      const port = await freePort();
      controller = new ControllerProcess(s.iso, port);
      await controller.ready();
      await s.bus.publish([runStartEvent(runId)]);
      const total = ref.decisions.length;
      const points: string[] = [];
      let midRun = 0;
      for (let i = 0; i < KILLS; i++) {
        // Kill points spread over the run: after decision n (1 .. total-2) plus 0-400 ms.
        const target = 1 + Math.floor((i * (total - 3)) / (KILLS - 1));
        await waitFor(() => `decision ${target} of ${runId} (kill ${i + 1}); controller output:\n${controller?.output.slice(-3000) ?? ''}`, () => s.watcher.count(runId) >= target, 90_000);
        const delay = Math.floor(random() * 400);
        await sleep(delay);
        const seen = s.watcher.count(runId);
        if (!s.watcher.terminal(runId)) midRun++;
        await controller.sigkill();
        points.push(`#${i + 1}: decision ${target}+${delay} ms (${seen} seen)`);
        controller = new ControllerProcess(s.iso, port);
        await controller.ready();
      }
      t.diagnostic(`seed ${SEED}; kills: ${points.join(', ')}`);
      await s.watcher.waitForTerminal(runId);
      // Give a duplicate execution (which must not exist) the time to show up.
      await sleep(1500);

      assert.equal(midRun, KILLS, 'every kill hit the run before its last decision');
      assertMatchesReference(s.watcher, runId, ref);
      t.diagnostic(
        `${s.watcher.decisionMessages} decision messages for ${s.watcher.count(runId)} decisions (re-relayed duplicates dropped by decisionId); ` +
          `${s.watcher.acks.filter((a) => a.payload.outcome === 'duplicate').length} 'duplicate' acks (re-sent commands the executors recognised)`,
      );
    } finally {
      await controller?.terminate();
      await s.close();
    }
  },
  { timeout: 300_000 },
);
