// The controller process is SIGKILLed at 20 seeded random points of a run and restarted each
// time (same consumer group, same Redis). Whatever instant the kill hits (mid-transition,
// between the Redis commit and the offset commit, between the commit and the outbox relay),
// the decision log read back from the decisions topic equals the uninterrupted run's, and no
// command takes effect twice: the trainer and evaluator acknowledge each command id as
// 'executed' exactly once.
import assert from 'node:assert/strict';
import { KAFKA, REDIS, serviceTest } from '../support/service-gate.ts';
import { join } from 'node:path';
import { ControllerProcess, REPO_ROOT, assertMatchesReference, faultSpec, freePort, referenceRun, runStartEvent, scenario, seededRandom, sleep, waitFor } from './harness.ts';

const KILLS = 20;
const SEED = Number(process.env.CURRICULUM_FAULT_SEED ?? 20261129);
// About 86 decisions, not the other fault tests' 47: a restarted controller catches up on its
// backlog in a burst, and with 47 the run could end before the 20th kill.
const SPEC = join(REPO_ROOT, 'test/distributed/fixtures/shorter-lessons.yaml');

serviceTest(
  `a controller SIGKILLed at ${KILLS} random points and restarted each time reaches the uninterrupted run's decisions, executing each command once`,
  { env: [...KAFKA.env, ...REDIS.env], hint: KAFKA.hint },
  async (t) => {
    const ref = await referenceRun(SPEC);
    const s = await scenario('sigkill', { watchCheckpoints: true });
    const runId = 'run-sigkill';
    let controller: ControllerProcess | undefined;
    try {
      await s.startExecutors();
      const random = seededRandom(SEED);
      const port = await freePort();
      // Every other running incarnation commits its offsets only every 50 events (CURRICULUM_KAFKA_COMMIT_EVERY):
      // a kill then replays up to 49 events, which the offsets in Redis must fence.
      const all: ControllerProcess[] = [];
      const incarnation = (k: number) => {
        const c = new ControllerProcess(s.iso, port, { CURRICULUM_KAFKA_COMMIT_EVERY: Math.floor(k / 2) % 2 === 0 ? '1' : '50' });
        all.push(c);
        return c;
      };
      controller = incarnation(0);
      await controller.ready();
      await s.bus.publish([runStartEvent(runId, faultSpec(SPEC), SPEC)]);
      const total = ref.decisions.length;
      const points: string[] = [];
      let midRun = 0;
      for (let i = 0; i < KILLS; i++) {
        let point: string;
        if (i % 2 === 0) {
          // A running controller: after decision n (spread over 1 .. total-12: an unloaded machine
          // runs the last few decisions in well under a second) plus 0-200 ms, so it dies
          // mid-run wherever it is (idle, mid-transition, committing, relaying).
          const target = 1 + Math.floor(((i / 2) * (total - 13)) / (KILLS / 2 - 1));
          await waitFor(() => `decision ${target} of ${runId} (kill ${i + 1}); controller output:\n${controller?.output.slice(-3000) ?? ''}`, () => s.watcher.count(runId) >= target, 90_000);
          if (i % 4 === 0) {
            const delay = Math.floor(random() * 200);
            await sleep(delay);
            point = `running, decision ${target}+${delay} ms`;
          } else {
            // Aim at the controller's few busy milliseconds: it is handling a checkpoint the
            // moment one lands (load, transition, Redis commit, relay of the commands it causes).
            const seen = s.watcher.checkpoints.get(runId) ?? 0;
            await waitFor(`a checkpoint of ${runId}`, () => (s.watcher.checkpoints.get(runId) ?? 0) > seen || s.watcher.terminal(runId), 90_000);
            const delay = Math.floor(random() * 30);
            await sleep(delay);
            point = `busy, checkpoint after decision ${target}+${delay} ms`;
          }
        } else {
          // A controller starting up: connecting, checking the store, relaying the outbox its
          // predecessor left, joining the group (which waits out the dead member's session).
          const delay = 300 + Math.floor(random() * 5000);
          await sleep(delay);
          point = `${controller.running && controller.output.includes('"controller started"') ? 'started' : 'starting'}, ${delay} ms after spawn`;
        }
        if (!s.watcher.terminal(runId)) midRun++;
        await controller.sigkill();
        points.push(`#${i + 1} ${point} (${s.watcher.count(runId)} decisions seen)`);
        controller = incarnation(i + 1);
        if (i % 2 === 1) await controller.ready();
      }
      await controller.ready();
      t.diagnostic(`seed ${SEED}; kills: ${points.join(', ')}`);
      await s.watcher.waitForTerminal(runId);

      await assertMatchesReference(s.watcher, runId, ref);
      assert.equal(midRun, KILLS, 'every kill hit the run before its last decision');
      t.diagnostic(
        `${s.watcher.decisionMessages} decision messages for ${s.watcher.count(runId)} decisions (re-relayed duplicates dropped by decisionId); ` +
          `${[...s.watcher.acks.values()].filter((a) => a.payload.outcome === 'duplicate').length} 'duplicate' acks (re-sent commands the executors recognised); ` +
          `${all.filter((c) => c.output.includes('relaying the outbox left by a previous controller')).length} incarnations relayed an outbox their killed predecessor had committed but not relayed`,
      );
    } finally {
      await controller?.terminate();
      await s.close();
    }
  },
  { timeout: 300_000 },
);
