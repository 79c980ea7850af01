// Two controllers in one consumer group on two-partition topics share the runs: each handles
// the runs of its partition. One of them then leaves mid-run (graceful stop: it finishes the
// event in hand, commits, leaves the group); the group rebalances, the other takes its
// partition over from the committed offsets and the Redis state, and every run completes with
// the decisions of its uninterrupted twin, each command executed once.
import assert from 'node:assert/strict';
import { Partitioners } from 'kafkajs';
import { KAFKA, REDIS, serviceTest } from '../support/service-gate.ts';
import { assertMatchesReference, referenceRun, runStartEvent, scenario, startInProcessController, waitFor } from './harness.ts';

/** The partition a run's events land on (the producer's murmur2 partitioner, 2 partitions). */
function partitionOf(runId: string): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = [0, 1].map((partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));
  return partitioner({ topic: 'any', partitionMetadata, message: { key: runId, value: null } });
}

/** Three run ids, at least one on each partition. */
function runIdsOnBothPartitions(): string[] {
  const chosen: string[] = [];
  const per = [0, 0];
  for (let i = 0; chosen.length < 3; i++) {
    const id = `run-split-${i}`;
    const p = partitionOf(id);
    if ((per[p] ?? 0) >= 2) continue;
    per[p] = (per[p] ?? 0) + 1;
    chosen.push(id);
  }
  return chosen;
}

serviceTest(
  'two controllers in one group split the runs, and a rebalance mid-run loses no decision and repeats no command',
  { env: [...KAFKA.env, ...REDIS.env], hint: KAFKA.hint },
  async (t) => {
    const ref = await referenceRun();
    const s = await scenario('split', { partitions: 2 });
    const runs = runIdsOnBothPartitions();
    const a = await startInProcessController(s.iso, { CURRICULUM_INSTANCE: 'controller-a' });
    const b = await startInProcessController(s.iso, { CURRICULUM_INSTANCE: 'controller-b' });
    let aStopped = false;
    try {
      await s.startExecutors();
      await s.bus.publish(runs.map((r) => runStartEvent(r)));
      const handledBy = (c: typeof a, runId: string) => c.controller.recentDecisions(runId).length > 0;
      // Both controllers at work before the rebalance.
      const third = Math.floor(ref.decisions.length / 3);
      await waitFor(
        () => `every run past decision ${third}: ${runs.map((r) => s.watcher.count(r)).join(', ')}`,
        () => runs.every((r) => s.watcher.count(r) >= third),
        180_000,
      );
      const ofA = runs.filter((r) => handledBy(a, r));
      const ofB = runs.filter((r) => handledBy(b, r));
      t.diagnostic(`partitions ${runs.map((r) => `${r}:${partitionOf(r)}`).join(' ')}; controller a ran [${ofA.join(', ')}], b ran [${ofB.join(', ')}]`);
      assert.ok(ofA.length >= 1 && ofB.length >= 1, 'each controller processed at least one run');
      assert.deepEqual([...ofA, ...ofB].sort(), [...runs].sort(), 'each run was handled by exactly one controller');
      assert.ok(runs.every((r) => !s.watcher.terminal(r)), 'the rebalance happens mid-run');

      await a.stop();
      aStopped = true;
      await Promise.all(runs.map((r) => s.watcher.waitForTerminal(r, 240_000)));
      for (const r of ofA) assert.ok(handledBy(b, r), `${r} moved to controller b after the rebalance`);
      for (const r of runs) await assertMatchesReference(s.watcher, r, ref);
      const dup = s.watcher.decisionMessages - runs.reduce((n, r) => n + s.watcher.count(r), 0);
      t.diagnostic(`${dup} duplicate decision messages on the topic (dropped by decisionId)`);
    } finally {
      if (!aStopped) await a.stop();
      await b.stop();
      await s.close();
    }
  },
  { timeout: 300_000 },
);
