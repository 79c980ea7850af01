// A broker restart in the middle of a stream (the fault the distributed mode must survive):
// the idempotent producer and the consumer both recover, nothing is lost, nothing is written
// twice, and each run's events are still handled in order.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Delivery } from '../../transport/bus.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { env, KAFKA_CONTROL, serviceTest } from '../support/service-gate.ts';
import { ackEvent, brokers, newBus, openSocketsTo, readAll, uniquePrefix, waitFor } from './kafka-fixtures.ts';

const run = promisify(execFile);
const topic = TOPICS.serviceEvents;

serviceTest('producer and consumer recover from a broker restart mid-stream with nothing lost or duplicated', KAFKA_CONTROL, async (t) => {
  const prefix = uniquePrefix('restart');
  const producer = newBus(prefix, { partitions: 3, healthIntervalMs: 300 });
  const consumer = newBus(prefix, { partitions: 3 });
  const handled: Delivery[] = [];
  try {
    const runs = ['run-r1', 'run-r2', 'run-r3'];
    const rounds = 200;
    await producer.ensureTopics([topic]);
    const sub = await consumer.subscribe({ groupId: `g-${Date.now()}`, topics: [topic], handle: async (d) => void handled.push(d) });

    let publishErrors = 0;
    const producing = (async () => {
      for (let i = 0; i < rounds; i++) {
        // publish() waits out the outage itself; a rejection here would be a transport bug.
        await producer.publish(runs.map((r) => ackEvent(r, i))).catch(() => void publishErrors++);
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
    await waitFor('a quarter of the stream handled', () => handled.length >= (runs.length * rounds) / 4);
    const before = handled.length;
    const sawDisconnect = (async () => {
      await waitFor('isConnected() to report the outage', () => !producer.isConnected(), 30_000);
      return true;
    })().catch(() => false);
    const started = Date.now();
    await run(env('CURRICULUM_KAFKA_CTL'), ['restart'], { timeout: 120_000 });
    t.diagnostic(`broker restarted in ${Date.now() - started} ms, ${before} messages handled before`);
    await producing;
    assert.equal(publishErrors, 0, 'no publish failed');
    const total = runs.length * rounds;
    await waitFor('every message handled after the restart', () => new Set(handled.map((d) => d.event.eventId)).size >= total, 120_000);
    await sub.stop();
    assert.ok(await sawDisconnect, 'isConnected() went false during the outage');
    await waitFor('isConnected() back to true', () => producer.isConnected(), 10_000);

    const seen = new Set<string>();
    const order = new Map<string, number[]>();
    for (const d of handled) {
      if (seen.has(d.event.eventId)) continue;
      seen.add(d.event.eventId);
      order.set(d.event.runId, [...(order.get(d.event.runId) ?? []), d.event.sequence]);
    }
    for (const r of runs) assert.deepEqual(order.get(r), [...Array(rounds).keys()], `${r}: complete and in order`);
    t.diagnostic(`${handled.length - seen.size} redelivered (handled, not yet committed when the broker went away)`);

    const log = await readAll(producer.physical(topic), total, 60_000);
    assert.equal(log.length, total, 'the idempotent producer wrote each event exactly once');

    // kafkajs keeps the group coordinator's connection outside its broker pool after a restart;
    // close() must end it too, or a stopped service's process stays alive (socket-registry.ts).
    await Promise.all([producer.close(), consumer.close()]);
    const left = openSocketsTo(new Set(brokers().map((b) => Number(b.split(':').pop()))));
    for (const socket of left) socket.destroy();
    assert.equal(left.length, 0, 'no connection to the broker is left open after both buses closed');
  } finally {
    await Promise.allSettled([producer.close(), consumer.close()]);
  }
}, { timeout: 300_000 });
