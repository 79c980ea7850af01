// What either bus writes to `<topic>.dlq` is what docs/dead-letters.md and
// schemas/json/dead-letter.headers.json promise: every header valid against the contract,
// the value the original bytes (or their bounded prefix), the size and digest those of the original.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEAD_LETTER_HEADERS, DEAD_LETTER_MAX_VALUE_BYTES, DLQ_HEADERS, DeadLetterHeaders } from '../../schemas/dead-letter.ts';
import { checkValue } from '../../schemas/validate.ts';
import { deadLetterTopic, TOPICS } from '../../schemas/topics.ts';
import { MemoryBus } from '../../transport/memory-bus.ts';
import { KAFKA, serviceTest } from '../support/service-gate.ts';
import { ackEvent, newBus, readAll, uniquePrefix, waitFor } from './kafka-fixtures.ts';

const topic = TOPICS.serviceEvents;
const root = join(import.meta.dirname, '../..');

/** Poison messages: small (kept whole), long (cut to a prefix), and one with oversized headers of its own. */
const POISON: Array<{ name: string; value: Buffer; headers: Record<string, string>; truncated: boolean; headersKept: boolean }> = [
  { name: 'small', value: Buffer.from('{"half": '), headers: { 'x-trace': 'small' }, truncated: false, headersKept: true },
  { name: 'long', value: Buffer.from(`[${'7,'.repeat(100_000)}7]`), headers: { 'x-trace': 'long' }, truncated: true, headersKept: true },
  { name: 'big headers', value: Buffer.from('nope'), headers: { 'x-big': 'h'.repeat(20_000) }, truncated: false, headersKept: false },
];

function checkRecord(name: string, record: { value: Buffer; headers: Record<string, string> }, original: (typeof POISON)[number]): void {
  assert.deepEqual(checkValue(DeadLetterHeaders, record.headers), [], `${name}: headers follow the contract`);
  const h = record.headers;
  assert.equal(h[DLQ_HEADERS.originalSize], String(original.value.length), `${name}: size`);
  assert.equal(h[DLQ_HEADERS.originalSha256], createHash('sha256').update(original.value).digest('hex'), `${name}: digest`);
  assert.equal(h[DLQ_HEADERS.valueTruncated], String(original.truncated), `${name}: truncated flag`);
  const expected = original.truncated ? original.value.subarray(0, DEAD_LETTER_MAX_VALUE_BYTES) : original.value;
  assert.ok(record.value.equals(expected), `${name}: value is the original or its prefix`);
  for (const [k, v] of Object.entries(original.headers)) {
    assert.equal(h[k], original.headersKept ? v : undefined, `${name}: original header ${k}`);
  }
  assert.equal(h[DLQ_HEADERS.originalHeadersDropped], original.headersKept ? undefined : '1', `${name}: dropped headers counted`);
}

test('the published JSON Schema and docs name every dead-letter header', () => {
  const schema = JSON.parse(readFileSync(join(root, 'schemas/json/dead-letter.headers.json'), 'utf8')) as { properties: Record<string, unknown>; required: string[] };
  const names = Object.values(DEAD_LETTER_HEADERS).map((h) => h.name);
  assert.deepEqual(Object.keys(schema.properties).sort(), [...names].sort());
  assert.deepEqual(schema.required.sort(), names.filter((n) => n !== DLQ_HEADERS.consumerGroup && n !== DLQ_HEADERS.originalHeadersDropped).sort());
  const doc = readFileSync(join(root, 'docs/dead-letters.md'), 'utf8');
  for (const n of names) assert.ok(doc.includes(`\`${n}\``), `docs/dead-letters.md documents ${n}`);
});

test('the memory bus writes dead letters that follow the contract', async () => {
  const bus = new MemoryBus({ partitions: 1, maxEventBytes: 4096 });
  const letters: string[] = [];
  const sub = await bus.subscribe({ groupId: 'g', topics: [topic], handle: async () => undefined, onDeadLetter: (l) => letters.push(l.offset) });
  for (const p of POISON) await bus.publishRaw(topic, 'run-c', p.value, p.headers);
  await bus.publish([ackEvent('run-c', 0)]);
  await waitFor('dead letters', () => letters.length >= POISON.length, 5000);
  await sub.stop();
  const dlq = bus.messages(deadLetterTopic(topic));
  assert.equal(dlq.length, POISON.length);
  dlq.forEach((m, i) => {
    checkRecord(POISON[i]!.name, m, POISON[i]!);
    assert.equal(m.headers[DLQ_HEADERS.consumerGroup], undefined, 'no consumer group on the memory bus');
  });
  await bus.close();
});

serviceTest('the Kafka bus writes dead letters that follow the contract', KAFKA, async () => {
  const bus = newBus(uniquePrefix('dlq-contract'), { partitions: 1, maxEventBytes: 4096 });
  try {
    for (const p of POISON) await bus.publishRaw(topic, 'run-c', p.value, p.headers);
    const letters: string[] = [];
    const groupId = `g-${Date.now()}`;
    const sub = await bus.subscribe({ groupId, topics: [topic], handle: async () => undefined, onDeadLetter: (l) => letters.push(l.offset) });
    await waitFor('dead letters', () => letters.length >= POISON.length);
    await sub.stop();
    const dlq = await readAll(bus.physical(deadLetterTopic(topic)), POISON.length);
    assert.equal(dlq.length, POISON.length);
    dlq.forEach((m, i) => {
      const headers = Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)]));
      checkRecord(POISON[i]!.name, { value: m.value ?? Buffer.alloc(0), headers }, POISON[i]!);
      assert.equal(headers[DLQ_HEADERS.consumerGroup], groupId);
      assert.equal(headers[DLQ_HEADERS.originOffset], String(i));
    });
  } finally {
    await bus.close();
  }
});
