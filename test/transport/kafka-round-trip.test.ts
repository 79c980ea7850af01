// Publish/consume through the Kafka transport on the real broker: keyed by runId, a run's
// events land on one partition and arrive in order; offsets are committed after handling.
import assert from 'node:assert/strict';
import type { Delivery } from '../../transport/bus.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { KAFKA, serviceTest } from '../support/service-gate.ts';
import { ackEvent, newBus, uniquePrefix, waitFor } from './kafka-fixtures.ts';

serviceTest('a run lives on one partition and its events arrive in order', KAFKA, async () => {
  const bus = newBus(uniquePrefix('roundtrip'));
  try {
    const runs = ['run-a', 'run-b', 'run-c', 'run-d', 'run-e'];
    const perRun = 40;
    // Interleave runs in one publish call per round, as the controller's outbox relay does.
    for (let i = 0; i < perRun; i++) await bus.publish(runs.map((r) => ackEvent(r, i)));

    const got: Delivery[] = [];
    const assignments: Array<ReadonlyArray<{ topic: string; partition: number }>> = [];
    const sub = await bus.subscribe({
      groupId: `g-${Date.now()}`,
      topics: [TOPICS.serviceEvents],
      handle: async (d) => void got.push(d),
      onAssignment: (a) => assignments.push(a),
    });
    await waitFor('all deliveries', () => got.length >= runs.length * perRun);
    await sub.stop();

    assert.equal(got.length, runs.length * perRun, 'no duplicates in a clean run');
    assert.deepEqual(
      assignments.at(-1),
      [0, 1, 2, 3, 4, 5].map((partition) => ({ topic: TOPICS.serviceEvents, partition })),
      'the only member owns all 6 partitions, reported with logical topic names',
    );
    for (const run of runs) {
      const mine = got.filter((d) => d.event.runId === run);
      assert.equal(new Set(mine.map((d) => d.partition)).size, 1, `${run} on one partition`);
      assert.deepEqual(
        mine.map((d) => d.event.sequence),
        [...Array(perRun).keys()],
        `${run} in publish order`,
      );
      const offsets = mine.map((d) => BigInt(d.offset));
      assert.ok(offsets.every((o, i) => i === 0 || o > offsets[i - 1]!), 'offsets increase');
    }
    assert.ok(new Set(got.map((d) => d.partition)).size > 1, 'five runs spread over more than one partition');
  } finally {
    await bus.close();
  }
});

serviceTest('committed offsets are readable by group, and a restarted group resumes after them', KAFKA, async () => {
  const bus = newBus(uniquePrefix('offsets'), { partitions: 2 });
  try {
    const groupId = `g-${Date.now()}`;
    assert.deepEqual(await bus.committedOffsets(groupId, [TOPICS.serviceEvents]), [], 'nothing committed yet');
    await bus.publish([...Array(10).keys()].map((i) => ackEvent('run-x', i)));
    const first: Delivery[] = [];
    const sub = await bus.subscribe({ groupId, topics: [TOPICS.serviceEvents], handle: async (d) => void first.push(d) });
    await waitFor('10 deliveries', () => first.length >= 10);
    await sub.stop();
    const committed = await bus.committedOffsets(groupId, [TOPICS.serviceEvents, TOPICS.commands]);
    assert.equal(committed.length, 1);
    assert.deepEqual(committed[0], { topic: TOPICS.serviceEvents, partition: first[0]!.partition, offset: '10' });

    await bus.publish([ackEvent('run-x', 10)]);
    const second: Delivery[] = [];
    const again = await bus.subscribe({ groupId, topics: [TOPICS.serviceEvents], handle: async (d) => void second.push(d) });
    await waitFor('the new event', () => second.length >= 1);
    await new Promise((r) => setTimeout(r, 500));
    await again.stop();
    assert.deepEqual(
      second.map((d) => d.event.sequence),
      [10],
      'only the event after the committed offset is delivered',
    );
    assert.ok(bus.isConnected());
  } finally {
    await bus.close();
  }
  assert.equal(bus.isConnected(), false, 'closed bus reports not connected');
});

serviceTest('pause() stops deliveries after the in-flight one; resume() continues in order', KAFKA, async () => {
  const bus = newBus(uniquePrefix('pause'), { partitions: 1 });
  try {
    await bus.publish([...Array(30).keys()].map((i) => ackEvent('run-p', i)));
    const got: number[] = [];
    const holder: { sub?: { pause(): void } } = {};
    const sub = await bus.subscribe({
      groupId: `g-${Date.now()}`,
      topics: [TOPICS.serviceEvents],
      handle: async (d) => {
        got.push(d.event.sequence);
        if (d.event.sequence === 9) holder.sub?.pause();
      },
    });
    holder.sub = sub;
    await waitFor('10 deliveries', () => got.length >= 10);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(got.length, 10, 'nothing delivered while paused');
    sub.resume();
    await waitFor('all 30', () => got.length >= 30);
    await sub.stop();
    assert.deepEqual(got, [...Array(30).keys()]);
  } finally {
    await bus.close();
  }
});
