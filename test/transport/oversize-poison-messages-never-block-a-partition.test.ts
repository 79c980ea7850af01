// A poison message larger than the broker's limit once uncompressed (sent gzip-compressed), or
// so close to it that a full copy plus headers no longer fits, is dead-lettered as a bounded
// record (prefix, size, digest), committed and reported, on every input topic of every service,
// against the broker's DEFAULT message limit; the partition keeps flowing. A dead letter the
// broker refuses too is logged, reported unwritten and skipped, never retried forever.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { DLQ_HEADERS, DEAD_LETTER_MAX_VALUE_BYTES } from '../../schemas/dead-letter.ts';
import { encodeEvent } from '../../schemas/decode.ts';
import { CONTROLLER_INPUT_TOPICS, EVALUATOR_INPUT_TOPICS, TOPICS, TRAINER_INPUT_TOPICS, deadLetterTopic } from '../../schemas/topics.ts';
import type { DeadLetter, Delivery } from '../../transport/bus.ts';
import { KAFKA, serviceTest } from '../support/service-gate.ts';
import { ackEvent, brokers, newBus, readAll, uniquePrefix, waitFor } from './kafka-fixtures.ts';

/** Each service's consumer as it subscribes: its default group, its input topics, and which delivery path it uses. */
const SERVICES = [
  { service: 'controller', groupId: 'curriculum-controller', topics: CONTROLLER_INPUT_TOPICS, batch: true },
  { service: 'trainer', groupId: 'curriculum-trainer', topics: TRAINER_INPUT_TOPICS, batch: false },
  { service: 'evaluator', groupId: 'curriculum-evaluator', topics: EVALUATOR_INPUT_TOPICS, batch: false },
  { service: 'feedback intake', groupId: 'curriculum-trainer-feedback', topics: [TOPICS.feedback], batch: false },
] as const;

/** A schema-valid event of about 2 MB: over the 1 MiB event limit, and over the broker's limit uncompressed. */
function twoMegabyteEvent(runId: string): Buffer {
  return encodeEvent({ ...ackEvent(runId, 99), producer: 'p'.repeat(2 * 1024 * 1024) });
}

/** Under the broker's default limit (1,048,588 bytes a batch) on its own, but not with dead-letter headers added. */
function nearLimitInvalid(): Buffer {
  const head = '{"type":"lesson.explode","pad":"';
  return Buffer.from(head + 'x'.repeat(1_048_400 - head.length - 2) + '"}');
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

serviceTest('oversize poison messages on every input topic of every service are dead-lettered bounded, committed, and the partition flows on', KAFKA, async () => {
  const prefix = uniquePrefix('oversize');
  const bus = newBus(prefix, { partitions: 1 });
  const kafka = new Kafka({ clientId: 'curriculum-test-gzip', brokers: brokers(), logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  const inputTopics = [...new Set(SERVICES.flatMap((s) => s.topics))];
  const poison = new Map(inputTopics.map((t) => [t, { gzip: twoMegabyteEvent(`run-${t}`), plain: nearLimitInvalid() }]));
  try {
    await bus.ensureTopics(inputTopics);
    await producer.connect();
    for (const topic of inputTopics) {
      const key = `run-${topic}`;
      const p = poison.get(topic)!;
      await producer.send({ topic: bus.physical(topic), messages: [{ key, value: encodeEvent(ackEvent(key, 0)) }] });
      await producer.send({ topic: bus.physical(topic), compression: CompressionTypes.GZIP, messages: [{ key, value: p.gzip }] });
      await producer.send({ topic: bus.physical(topic), messages: [{ key, value: encodeEvent(ackEvent(key, 1)) }] });
      await producer.send({ topic: bus.physical(topic), messages: [{ key, value: p.plain }] });
      await producer.send({ topic: bus.physical(topic), messages: [{ key, value: encodeEvent(ackEvent(key, 2)) }] });
    }

    const seen = SERVICES.map(() => ({ delivered: [] as Delivery[], letters: [] as DeadLetter[] }));
    const subs = await Promise.all(
      SERVICES.map((s, i) => {
        const out = seen[i]!;
        return bus.subscribe({
          groupId: s.groupId,
          topics: s.topics,
          handle: async (d) => void out.delivered.push(d),
          ...(s.batch ? { handleBatch: async (ds: readonly Delivery[]) => void out.delivered.push(...ds) } : {}),
          onDeadLetter: (l) => out.letters.push(l),
        });
      }),
    );
    const expected = SERVICES.reduce((n, s) => n + 5 * s.topics.length, 0);
    await waitFor('every message handled or dead-lettered', () => seen.reduce((n, o) => n + o.delivered.length + o.letters.length, 0) >= expected, 90_000);
    await Promise.all(subs.map((s) => s.stop()));

    for (const [i, s] of SERVICES.entries()) {
      const { delivered, letters } = seen[i]!;
      for (const topic of s.topics) {
        assert.deepEqual(delivered.filter((d) => d.topic === topic).map((d) => d.event.sequence), [0, 1, 2], `${s.service} ${topic}: valid events flow past both poison messages`);
        assert.deepEqual(
          letters.filter((l) => l.topic === topic).map((l) => [l.offset, l.code, l.written ?? true]),
          [['1', 'CUR_EVENT_TOO_LARGE', true], ['3', 'CUR_EVENT_UNKNOWN_TYPE', true]],
          `${s.service} ${topic}: both reported, written`,
        );
        assert.deepEqual(await bus.committedOffsets(s.groupId, [topic]), [{ topic, partition: 0, offset: '5' }], `${s.service} ${topic}: committed past them`);
      }
    }

    for (const topic of inputTopics) {
      const groups = SERVICES.filter((s) => (s.topics as readonly string[]).includes(topic)).map((s) => s.groupId);
      const dlq = await readAll(bus.physical(deadLetterTopic(topic)), 2 * groups.length);
      assert.equal(dlq.length, 2 * groups.length, `${topic}: one dead letter per poison message per group`);
      const p = poison.get(topic)!;
      for (const m of dlq) {
        const h = (name: string) => m.headers?.[name]?.toString();
        const original = h(DLQ_HEADERS.originOffset) === '1' ? p.gzip : p.plain;
        const value = m.value ?? Buffer.alloc(0);
        assert.ok((groups as readonly string[]).includes(h(DLQ_HEADERS.consumerGroup) ?? ''), `${topic}: a known group`);
        assert.equal(h(DLQ_HEADERS.originTopic), bus.physical(topic));
        assert.equal(h(DLQ_HEADERS.originalSize), String(original.length), `${topic}: original size`);
        assert.equal(h(DLQ_HEADERS.originalSha256), sha256(original), `${topic}: digest of the whole original`);
        assert.equal(h(DLQ_HEADERS.valueTruncated), 'true');
        assert.equal(value.length, DEAD_LETTER_MAX_VALUE_BYTES, `${topic}: a bounded prefix`);
        assert.ok(value.equals(original.subarray(0, DEAD_LETTER_MAX_VALUE_BYTES)), `${topic}: the prefix of the original bytes`);
      }
    }
  } finally {
    await producer.disconnect();
    await bus.close();
  }
}, { timeout: 180_000 });

serviceTest('a dead letter the broker refuses too is logged, reported unwritten and skipped: the partition still flows', KAFKA, async () => {
  const prefix = uniquePrefix('dlq-refused');
  // What the services count (curriculum_consumer_dead_letters_total): every dead letter of every consumer of the bus.
  const counted: Array<[string, boolean]> = [];
  const bus = newBus(prefix, { partitions: 1 }, { onDeadLetter: (group, l) => void counted.push([group, l.written !== false]) });
  const kafka = new Kafka({ clientId: 'curriculum-test-admin', brokers: brokers(), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const topic = TOPICS.feedback;
  try {
    // A dead-letter topic whose own limit no dead letter fits: every write to it is refused.
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: bus.physical(deadLetterTopic(topic)), numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '256' }] }],
    });
    await bus.publishRaw(topic, 'run-r', encodeEvent(ackEvent('run-r', 0)));
    await bus.publishRaw(topic, 'run-r', Buffer.from(`{"not": "an event", "pad": "${'y'.repeat(2000)}"}`));
    await bus.publishRaw(topic, 'run-r', encodeEvent(ackEvent('run-r', 1)));

    const delivered: Delivery[] = [];
    const letters: DeadLetter[] = [];
    const crashes: string[] = [];
    const groupId = `g-${Date.now()}`;
    const sub = await bus.subscribe({
      groupId,
      topics: [topic],
      handle: async (d) => void delivered.push(d),
      onDeadLetter: (l) => letters.push(l),
      onCrash: (c) => crashes.push(c.error),
    });
    await waitFor('both valid events and the poison message handled', () => delivered.length >= 2 && letters.length >= 1, 60_000);
    await sub.stop();

    assert.deepEqual(delivered.map((d) => d.event.sequence), [0, 1]);
    assert.deepEqual(letters.map((l) => [l.offset, l.code, l.written]), [['1', 'CUR_EVENT_UNKNOWN_TYPE', false]]);
    assert.deepEqual(crashes, [], 'skipped without crashing the consumer');
    assert.deepEqual(counted, [[groupId, false]], 'counted by the bus for its service, as not written');
    assert.deepEqual(await bus.committedOffsets(groupId, [topic]), [{ topic, partition: 0, offset: '3' }]);
  } finally {
    await admin.disconnect();
    await bus.close();
  }
});
