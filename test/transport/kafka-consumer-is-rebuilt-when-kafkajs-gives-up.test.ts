// kafkajs abandons a consumer whose crash it deems non-retriable: it disconnects it and never
// starts it again. A broker restart can cause one (KafkaJSGroupCoordinatorNotFound when the
// broker goes away while the group looks for its coordinator; it stopped the controller in one CI
// run), but only in a window of milliseconds. A handler that throws a non-retriable kafkajs error
// reaches the same kafkajs path every time, so these tests use that: the bus must rebuild the
// consumer, redeliver from the committed offsets, keep backpressure, and stop cleanly mid-rebuild.
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import type { ConsumerCrash, Delivery } from '../../transport/bus.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { KAFKA, serviceTest } from '../support/service-gate.ts';
import { ackEvent, newBus, uniquePrefix, waitFor } from './kafka-fixtures.ts';

// kafkajs spreads its error classes into module.exports: Node's ESM import cannot name them.
const { KafkaJSNonRetriableError } = kafkajs;
const topic = TOPICS.serviceEvents;
const fastRetry = { retries: 3, initialRetryTimeMs: 100, maxRetryTimeMs: 500 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const path of ['per-message', 'batch'] as const) {
  serviceTest(`${path} consumer: abandoned by kafkajs, rebuilt by the bus, nothing skipped or reordered`, KAFKA, async (t) => {
    const busWide: Array<[string, ConsumerCrash['restartedBy']]> = [];
    const bus = newBus(uniquePrefix(`gives-up-${path}`), { partitions: 2, retry: fastRetry }, { onConsumerCrash: (group, c) => busWide.push([group, c.restartedBy]) });
    const groupId = `g-${path}-${Date.now()}`;
    try {
      const runs = ['run-a', 'run-b'];
      await bus.publish(runs.flatMap((r) => [...Array(10).keys()].map((i) => ackEvent(r, i))));
      const crashes: ConsumerCrash[] = [];
      const handled: Delivery[] = [];
      let thrown = false;
      const handle = async (d: Delivery) => {
        if (d.event.runId === 'run-a' && d.event.sequence === 4 && !thrown) {
          thrown = true;
          throw new KafkaJSNonRetriableError('a produce inside the handler failed for good (simulated)');
        }
        handled.push(d);
      };
      const sub = await bus.subscribe({
        groupId,
        topics: [topic],
        handle,
        ...(path === 'batch' ? { handleBatch: async (ds: readonly Delivery[]) => { for (const d of ds) await handle(d); } } : {}),
        onCrash: (c) => crashes.push(c),
      });
      await waitFor('the first ten of each run', () => handled.length >= 20, 60_000);
      await bus.publish(runs.map((r) => ackEvent(r, 10)));
      await waitFor('the events published after the rebuild', () => new Set(handled.map((d) => d.event.eventId)).size >= 22, 60_000);
      await sub.stop();

      assert.ok(thrown, 'the handler threw');
      assert.deepEqual(crashes.map((c) => c.restartedBy), ['bus'], 'one crash, which kafkajs left to the bus');
      assert.deepEqual(busWide, [[groupId, 'bus']], "the bus-wide hook (the services' crash counter) saw it with its group");
      for (const r of runs) {
        // A redelivered batch may repeat events handled before the crash (at-least-once), never skip or reorder.
        const sequences = handled.filter((d) => d.event.runId === r).map((d) => d.event.sequence);
        const firstSeen = sequences.filter((s, i) => sequences.indexOf(s) === i);
        assert.deepEqual(firstSeen, [...Array(11).keys()], `${r}: complete and in order`);
      }
      t.diagnostic(`${handled.length - 22} redelivered after the rebuild`);
    } finally {
      await bus.close();
    }
  }, { timeout: 120_000 });
}

serviceTest('a rebuilt consumer stays paused until resumed (backpressure survives the rebuild)', KAFKA, async () => {
  const bus = newBus(uniquePrefix('gives-up-paused'), { partitions: 1, retry: fastRetry });
  try {
    await bus.publish([ackEvent('run-p', 0)]);
    const crashes: ConsumerCrash[] = [];
    const handled: number[] = [];
    let thrown = false;
    let pauseNow: () => void = () => undefined;
    const sub = await bus.subscribe({
      groupId: `g-paused-${Date.now()}`,
      topics: [topic],
      handle: async (d) => {
        if (!thrown) {
          thrown = true;
          pauseNow();
          throw new KafkaJSNonRetriableError('failed for good while the service was shedding load (simulated)');
        }
        handled.push(d.event.sequence);
      },
      onCrash: (c) => crashes.push(c),
    });
    pauseNow = () => sub.pause();
    await waitFor('the crash', () => crashes.length > 0, 30_000);
    await bus.publish([ackEvent('run-p', 1)]);
    // Long enough for the rebuild (backoff 100 ms), the group join and several fetches.
    await sleep(4000);
    assert.deepEqual(handled, [], 'nothing is delivered while paused, before or after the rebuild');
    sub.resume();
    await waitFor('both events after resume', () => handled.length >= 2, 30_000);
    await sub.stop();
    assert.deepEqual(handled, [0, 1]);
  } finally {
    await bus.close();
  }
}, { timeout: 90_000 });

serviceTest('stopping a subscription while it waits to rebuild ends promptly and leaves no consumer behind', KAFKA, async () => {
  // A long first backoff: stop() lands inside it.
  const bus = newBus(uniquePrefix('gives-up-stop'), { partitions: 1, retry: { retries: 3, initialRetryTimeMs: 20_000, maxRetryTimeMs: 20_000 } });
  try {
    await bus.publish([ackEvent('run-s', 0)]);
    const crashes: ConsumerCrash[] = [];
    const sub = await bus.subscribe({
      groupId: `g-stop-${Date.now()}`,
      topics: [topic],
      handle: async () => {
        throw new KafkaJSNonRetriableError('always fails (simulated)');
      },
      onCrash: (c) => crashes.push(c),
    });
    await waitFor('the crash', () => crashes.length > 0, 30_000);
    const started = Date.now();
    await sub.stop();
    const tookMs = Date.now() - started;
    assert.ok(tookMs < 5000, `stop() took ${tookMs} ms; it must not wait out the 20 s backoff`);
    await sleep(500);
    assert.equal(crashes.length, 1, 'no consumer was built after stop()');
  } finally {
    await bus.close();
  }
}, { timeout: 90_000 });
