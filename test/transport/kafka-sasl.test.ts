// SASL options reach the broker: the local broker's SASL/PLAIN listener (deploy/kafka) accepts
// the test user and refuses a wrong password with a clear error.
import assert from 'node:assert/strict';
import type { Delivery } from '../../transport/bus.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { KafkaBus } from '../../transport/kafka/index.ts';
import { env, KAFKA_SASL, serviceTest } from '../support/service-gate.ts';
import { ackEvent, testLogger, uniquePrefix, waitFor } from './kafka-fixtures.ts';

const saslBus = (password: string, prefix: string) =>
  new KafkaBus(
    {
      brokers: env('CURRICULUM_KAFKA_SASL_BROKERS').split(','),
      sasl: { mechanism: 'plain', username: 'curriculum', password },
      partitions: 1,
      retry: { retries: 1, initialRetryTimeMs: 100, maxRetryTimeMs: 200 },
    },
    { logger: testLogger, topicPrefix: prefix },
  );

serviceTest('SASL/PLAIN: the right credentials publish and consume', KAFKA_SASL, async () => {
  const bus = saslBus('curriculum-test-secret', uniquePrefix('sasl'));
  try {
    await bus.publish([ackEvent('run-s', 0), ackEvent('run-s', 1)]);
    const got: Delivery[] = [];
    const sub = await bus.subscribe({ groupId: `g-${Date.now()}`, topics: [TOPICS.serviceEvents], handle: async (d) => void got.push(d) });
    await waitFor('2 deliveries', () => got.length >= 2);
    await sub.stop();
    assert.deepEqual(got.map((d) => d.event.sequence), [0, 1]);
  } finally {
    await bus.close();
  }
});

serviceTest('SASL/PLAIN: a wrong password fails to connect with an authentication error', KAFKA_SASL, async () => {
  const bus = saslBus('wrong', uniquePrefix('sasl-bad'));
  try {
    await assert.rejects(bus.connect(), /SASL|[Aa]uthentication/);
    assert.equal(bus.isConnected(), false);
  } finally {
    await bus.close();
  }
});
