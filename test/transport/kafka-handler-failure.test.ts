// A handler that fails (the state store is down) must never make the consumer skip a message:
// the failed message is delivered again, and what follows waits for it.
import assert from 'node:assert/strict';
import { TOPICS } from '../../schemas/topics.ts';
import { KAFKA, serviceTest } from '../support/service-gate.ts';
import { ackEvent, newBus, uniquePrefix, waitFor } from './kafka-fixtures.ts';

serviceTest('a throwing handler is retried on the same message; nothing is skipped or reordered', KAFKA, async (t) => {
  const bus = newBus(uniquePrefix('handler-fail'), { partitions: 1, retry: { retries: 3, initialRetryTimeMs: 100, maxRetryTimeMs: 500 } });
  try {
    await bus.publish([...Array(20).keys()].map((i) => ackEvent('run-f', i)));
    const attempts: number[] = [];
    let failuresLeft = 6; // more than the retry budget: the consumer also has to restart
    const handled: number[] = [];
    const groupId = `g-${Date.now()}`;
    const sub = await bus.subscribe({
      groupId,
      topics: [TOPICS.serviceEvents],
      handle: async (d) => {
        attempts.push(d.event.sequence);
        if (d.event.sequence === 7 && failuresLeft > 0) {
          failuresLeft--;
          throw new Error('state store unavailable (simulated)');
        }
        handled.push(d.event.sequence);
      },
    });
    await waitFor('all 20 handled', () => handled.length >= 20, 90_000);
    await sub.stop();
    t.diagnostic(`message 7 attempted ${attempts.filter((s) => s === 7).length} times`);
    assert.deepEqual(handled, [...Array(20).keys()], 'every message handled once, in order');
    assert.equal(attempts.filter((s) => s === 7).length, 7, 'six failures, then success');
    assert.deepEqual(await bus.committedOffsets(groupId, [TOPICS.serviceEvents]), [{ topic: TOPICS.serviceEvents, partition: 0, offset: '20' }]);
  } finally {
    await bus.close();
  }
}, { timeout: 120_000 });
