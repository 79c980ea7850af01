// Invalid messages go to `<topic>.dlq` with origin headers and are committed: a poison
// message never blocks its partition, and the valid messages around it arrive in order.
import assert from 'node:assert/strict';
import { DLQ_HEADERS, type DeadLetter, type Delivery } from '../../transport/bus.ts';
import { encodeEvent } from '../../schemas/decode.ts';
import { deadLetterTopic, TOPICS } from '../../schemas/topics.ts';
import { KAFKA, serviceTest } from '../support/service-gate.ts';
import { ackEvent, newBus, readAll, uniquePrefix, waitFor } from './kafka-fixtures.ts';

const topic = TOPICS.serviceEvents;

/** One message per way a message can be invalid, with the code it must be dead-lettered under. */
function invalidMessages(): Array<{ name: string; value: Buffer; code: string }> {
  const valid = ackEvent('run-bad', 0);
  return [
    { name: 'not JSON', value: Buffer.from('{"half": '), code: 'CUR_EVENT_NOT_JSON' },
    { name: 'empty value', value: Buffer.alloc(0), code: 'CUR_EVENT_NOT_JSON' },
    { name: 'not an object', value: Buffer.from('[1,2,3]'), code: 'CUR_EVENT_INVALID' },
    { name: 'schema violation', value: Buffer.from(JSON.stringify({ ...valid, payload: { ...valid.payload, outcome: 'maybe' } })), code: 'CUR_EVENT_INVALID' },
    { name: 'unknown type', value: Buffer.from(JSON.stringify({ ...valid, type: 'lesson.explode' })), code: 'CUR_EVENT_UNKNOWN_TYPE' },
    { name: 'unknown version', value: Buffer.from(JSON.stringify({ ...valid, schemaVersion: 99 })), code: 'CUR_EVENT_UNKNOWN_VERSION' },
    { name: 'over the size limit', value: Buffer.from(JSON.stringify({ ...valid, producer: 'x'.repeat(5000) })), code: 'CUR_EVENT_TOO_LARGE' },
  ];
}

serviceTest('each kind of invalid message is dead-lettered with origin headers and does not block the partition', KAFKA, async () => {
  const prefix = uniquePrefix('dlq-kinds');
  const bus = newBus(prefix, { partitions: 1, maxEventBytes: 4096 });
  try {
    const bad = invalidMessages();
    // valid, bad, valid, bad, ..., valid: every bad message sits between two valid ones.
    let seq = 0;
    for (const b of bad) {
      await bus.publish([ackEvent('run-ok', seq++)]);
      await bus.publishRaw(topic, 'run-ok', b.value, { 'x-trace': b.name });
    }
    await bus.publish([ackEvent('run-ok', seq++)]);

    const groupId = `g-${Date.now()}`;
    const delivered: Delivery[] = [];
    const letters: DeadLetter[] = [];
    const sub = await bus.subscribe({
      groupId,
      topics: [topic],
      handle: async (d) => void delivered.push(d),
      onDeadLetter: (l) => letters.push(l),
    });
    await waitFor('all messages handled', () => delivered.length + letters.length >= seq + bad.length);
    await sub.stop();

    assert.deepEqual(delivered.map((d) => d.event.sequence), [...Array(seq).keys()], 'valid ones all delivered in order');
    assert.deepEqual(letters.map((l) => l.code), bad.map((b) => b.code));
    for (const l of letters) assert.equal(l.topic, topic, 'callback carries the logical topic');

    const dlq = await readAll(bus.physical(deadLetterTopic(topic)), bad.length);
    assert.equal(dlq.length, bad.length, 'exactly one dead letter per invalid message');
    dlq.forEach((m, i) => {
      const h = (name: string) => m.headers?.[name]?.toString();
      const b = bad[i]!;
      assert.equal(h(DLQ_HEADERS.originTopic), bus.physical(topic), `${b.name}: origin topic`);
      assert.equal(h(DLQ_HEADERS.originPartition), '0', `${b.name}: origin partition`);
      assert.equal(h(DLQ_HEADERS.originOffset), letters[i]!.offset, `${b.name}: origin offset`);
      assert.equal(h(DLQ_HEADERS.errorCode), b.code, `${b.name}: code`);
      assert.ok((h(DLQ_HEADERS.reason) ?? '').length > 0, `${b.name}: a reason`);
      assert.equal(h('x-trace'), b.name, `${b.name}: original headers kept`);
      assert.equal(m.key?.toString(), 'run-ok', `${b.name}: original key kept`);
      assert.ok((m.value ?? Buffer.alloc(0)).equals(b.value), `${b.name}: original bytes kept`);
    });
    assert.deepEqual(
      await bus.committedOffsets(groupId, [topic]),
      [{ topic, partition: 0, offset: String(seq + bad.length) }],
      'committed past the poison messages',
    );
  } finally {
    await bus.close();
  }
});

serviceTest('a burst of 1,000 malformed messages interleaved with valid ones: all dead-lettered, valid ones in order', KAFKA, async () => {
  const prefix = uniquePrefix('dlq-burst');
  const bus = newBus(prefix, { partitions: 3 });
  try {
    const runs = ['run-1', 'run-2', 'run-3', 'run-4'];
    const perRun = 250;
    const kinds = invalidMessages().filter((b) => b.code !== 'CUR_EVENT_TOO_LARGE');
    // Per run: valid, malformed, valid, malformed ... (1,000 valid and 1,000 malformed in all).
    for (let i = 0; i < perRun; i += 25) {
      for (const run of runs) {
        const batch: Array<{ key: string; value: Buffer }> = [];
        for (let j = i; j < i + 25; j++) {
          batch.push({ key: run, value: encodeEvent(ackEvent(run, j)) });
          batch.push({ key: run, value: kinds[j % kinds.length]!.value });
        }
        await bus.publishRawBatch(topic, batch);
      }
    }
    const groupId = `g-${Date.now()}`;
    const delivered: Delivery[] = [];
    const letters: DeadLetter[] = [];
    const sub = await bus.subscribe({
      groupId,
      topics: [topic],
      handle: async (d) => void delivered.push(d),
      onDeadLetter: (l) => letters.push(l),
    });
    await waitFor('2,000 messages handled', () => delivered.length + letters.length >= 2 * runs.length * perRun, 120_000);
    await sub.stop();

    assert.equal(letters.length, 1000);
    assert.equal(delivered.length, 1000);
    for (const run of runs) {
      assert.deepEqual(
        delivered.filter((d) => d.event.runId === run).map((d) => d.event.sequence),
        [...Array(perRun).keys()],
        `${run}: every valid event, in order`,
      );
    }
    const dlq = await readAll(bus.physical(deadLetterTopic(topic)), 1000, 120_000);
    assert.equal(dlq.length, 1000, 'every malformed message is in the DLQ exactly once');
    const origins = new Set(dlq.map((m) => `${m.headers?.[DLQ_HEADERS.originPartition]?.toString()}:${m.headers?.[DLQ_HEADERS.originOffset]?.toString()}`));
    assert.equal(origins.size, 1000, 'distinct origin positions');
    const committed = await bus.committedOffsets(groupId, [topic]);
    const total = committed.reduce((n, c) => n + Number(c.offset), 0);
    assert.equal(total, 2000, 'the group committed past every message, malformed ones included');
  } finally {
    await bus.close();
  }
});
