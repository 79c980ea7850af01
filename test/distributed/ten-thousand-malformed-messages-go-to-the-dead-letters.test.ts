// 10,000 malformed messages (not JSON, wrong schema, unknown schema version, oversize) are
// interleaved with a real run on the controller's input topics, on the run's own partitions.
// Every one lands in `<topic>.dlq` with its origin (topic, partition, offset) and the reason in
// headers, the controller's /metrics counts each (curriculum_dlq_messages_total), and the run's
// decisions are those of the uninterrupted run: a poison message never blocks or bends a run.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { makeEvent } from '../../schemas/envelope.ts';
import { encodeEvent } from '../../schemas/decode.ts';
import { CONTROLLER_INPUT_TOPICS, deadLetterTopic } from '../../schemas/topics.ts';
import { DLQ_HEADERS } from '../../transport/bus.ts';
import { DLQ_CONSUMER_GROUP_HEADER } from '../../transport/kafka/index.ts';
import { KAFKA, REDIS, env, serviceTest } from '../support/service-gate.ts';
import { assertMatchesReference, metricSum, referenceRun, runStartEvent, scenario, sleep, startInProcessController, waitFor } from './harness.ts';

const TOTAL = 10_000;
const MAX_EVENT_BYTES = 32 * 1024;
const OVERSIZE = 100;
type Defect = 'CUR_EVENT_NOT_JSON' | 'CUR_EVENT_INVALID' | 'CUR_EVENT_UNKNOWN_VERSION' | 'CUR_EVENT_TOO_LARGE';

/** The i-th malformed message and the error code it must be dead-lettered with. */
function malformed(runId: string, i: number): { value: Buffer; code: Defect } {
  // One oversize message in each 100 (the broker takes about 1 MB per request).
  if (i % (TOTAL / OVERSIZE) === 0) {
    const big = makeEvent('command.ack', { eventId: `big-${i}`, runId, producer: 'fuzz', sequence: i, producedAt: new Date().toISOString() }, {
      commandId: 'x'.repeat(MAX_EVENT_BYTES + 100),
      service: 'trainer',
      outcome: 'executed',
    });
    return { value: encodeEvent(big), code: 'CUR_EVENT_TOO_LARGE' };
  }
  switch (i % 3) {
    case 0:
      return { value: Buffer.from(`{"type":"trainer.metrics","runId":"${runId}", not json ${i}`), code: 'CUR_EVENT_NOT_JSON' };
    case 1:
      // A well-formed envelope whose payload misses its required fields.
      return {
        value: Buffer.from(JSON.stringify({ type: 'trainer.metrics', schemaVersion: 1, eventId: `bad-${i}`, runId, producer: 'fuzz', sequence: i, producedAt: new Date().toISOString(), payload: { step: 'ten' } })),
        code: 'CUR_EVENT_INVALID',
      };
    default: {
      const future = { ...makeEvent('command.ack', { eventId: `v99-${i}`, runId, producer: 'fuzz', sequence: i, producedAt: new Date().toISOString() }, { commandId: `c-${i}`, service: 'trainer', outcome: 'executed' }), schemaVersion: 99 };
      return { value: Buffer.from(JSON.stringify(future)), code: 'CUR_EVENT_UNKNOWN_VERSION' };
    }
  }
}

async function readDeadLetters(topics: string[], group: string, expected: number): Promise<KafkaMessage[]> {
  const kafka = new Kafka({ clientId: 'curriculum-dlq-reader', brokers: env('CURRICULUM_KAFKA_BROKERS').split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `dlq-reader-${randomUUID()}`, maxWaitTimeInMs: 200 });
  const out: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({ eachBatch: async ({ batch }) => void out.push(...batch.messages) });
    const fromGroup = () => out.filter((m) => m.headers?.[DLQ_CONSUMER_GROUP_HEADER]?.toString() === group).length;
    await waitFor(() => `${expected} dead letters from ${group} (have ${fromGroup()} of ${out.length})`, () => fromGroup() >= expected, 120_000);
    await sleep(500);
  } finally {
    await consumer.disconnect();
  }
  return out;
}

serviceTest(
  `${TOTAL.toLocaleString('en-US')} malformed messages interleaved with a run all land in the dead letters, counted, and the run's decisions are unchanged`,
  { env: [...KAFKA.env, ...REDIS.env], hint: KAFKA.hint },
  async (t) => {
    const ref = await referenceRun();
    const s = await scenario('dlq');
    const runId = 'run-dlq';
    const controller = await startInProcessController(s.iso, { CURRICULUM_KAFKA_MAX_EVENT_BYTES: String(MAX_EVENT_BYTES) });
    try {
      await s.startExecutors();
      await s.bus.publish([runStartEvent(runId)]);
      const expectedCodes = new Map<string, number>();
      const started = Date.now();
      // 20 batches of 500, round-robin over the input topics, keyed by the run (its partition).
      const batch = 500;
      for (let from = 0; from < TOTAL; from += batch) {
        const topic = CONTROLLER_INPUT_TOPICS[(from / batch) % CONTROLLER_INPUT_TOPICS.length]!;
        const messages = [];
        for (let i = from; i < from + batch; i++) {
          const m = malformed(runId, i);
          expectedCodes.set(m.code, (expectedCodes.get(m.code) ?? 0) + 1);
          messages.push({ key: runId, value: m.value, headers: { 'x-fuzz-index': String(i) } });
        }
        await s.bus.publishRawBatch(topic, messages);
        await sleep(100);
      }
      t.diagnostic(`published ${TOTAL} malformed messages in ${Date.now() - started} ms; run at decision ${s.watcher.count(runId)}`);
      const url = `http://127.0.0.1:${controller.port}/metrics`;
      let counted = 0;
      await waitFor(
        () => `curriculum_dlq_messages_total to reach ${TOTAL} (at ${counted})`,
        async () => {
          counted = metricSum(await (await fetch(url)).text(), 'curriculum_dlq_messages_total');
          return counted >= TOTAL;
        },
        240_000,
      );
      t.diagnostic(`all ${TOTAL} dead-lettered ${Date.now() - started} ms after the first was published (${Math.round(TOTAL / ((Date.now() - started) / 1000))}/s)`);
      await s.watcher.waitForTerminal(runId);
      await assertMatchesReference(s.watcher, runId, ref);
      assert.equal(metricSum(await (await fetch(url)).text(), 'curriculum_dlq_messages_total'), TOTAL, 'the metric counts each dead letter once');

      // Other consumer groups of these topics (the test's own watcher on service events, the
      // feedback inbox of an embedded run) dead-letter what they read too; the group header tells them apart.
      const group = `${s.iso.topicPrefix}curriculum-controller`;
      const all = await readDeadLetters(CONTROLLER_INPUT_TOPICS.map((topic) => s.bus.physical(deadLetterTopic(topic))), group, TOTAL);
      const letters = all.filter((m) => m.headers?.[DLQ_CONSUMER_GROUP_HEADER]?.toString() === group);
      const others = new Map<string, number>();
      for (const m of all) {
        const g = m.headers?.[DLQ_CONSUMER_GROUP_HEADER]?.toString() ?? '(none)';
        if (g !== group) others.set(g, (others.get(g) ?? 0) + 1);
      }
      t.diagnostic(`${all.length} dead letters in all; besides the controller's: ${JSON.stringify(Object.fromEntries(others))}`);
      assert.equal(letters.length, TOTAL, "one dead letter from the controller's group per malformed message, none twice");
      const codes = new Map<string, number>();
      const indices = new Set<string>();
      for (const m of letters) {
        const h = (name: string) => m.headers?.[name]?.toString();
        const originTopic = h(DLQ_HEADERS.originTopic) ?? '';
        assert.ok(CONTROLLER_INPUT_TOPICS.some((topic) => s.bus.physical(topic) === originTopic), `origin topic ${originTopic}`);
        assert.match(h(DLQ_HEADERS.originPartition) ?? '', /^\d+$/);
        assert.match(h(DLQ_HEADERS.originOffset) ?? '', /^\d+$/);
        assert.ok((h(DLQ_HEADERS.reason) ?? '').length > 0, 'a reason');
        const code = h(DLQ_HEADERS.errorCode) ?? '';
        codes.set(code, (codes.get(code) ?? 0) + 1);
        indices.add(h('x-fuzz-index') ?? '');
      }
      assert.equal(indices.size, TOTAL, 'the original headers travel with each dead letter');
      assert.deepEqual([...codes].sort(), [...expectedCodes].sort(), 'each message dead-lettered with the reason of its defect');
    } finally {
      await controller.stop();
      await s.close();
    }
  },
  { timeout: 360_000 },
);
