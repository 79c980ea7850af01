// Baselines for distributed mode, measured in one run on the local broker and Redis:
//   1. a bare kafkajs consume loop (eachBatch, nothing but counting): the ceiling;
//   2. the same messages through KafkaBus.subscribe (decode + validate + commit after each
//      handler, and with commits batched), as a ratio of the ceiling;
//   3. RedisRunStore.commit latency (fenced Lua commit, AOF fsync always) against a bare SET.
//
// Usage: eval "$(scripts/services.sh env)"; npx tsx bench/kafka-baseline.ts [messages=100000]
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { encodeEvent } from '../schemas/decode.ts';
import { makeEvent } from '../schemas/envelope.ts';
import type { AnyEvent } from '../schemas/events.ts';
import { TOPICS } from '../schemas/topics.ts';
import { KafkaBus } from '../transport/kafka/index.ts';
import { RedisRunStore } from '../store/redis/index.ts';

const brokers = process.env.CURRICULUM_KAFKA_BROKERS?.split(',');
const redisUrl = process.env.CURRICULUM_REDIS_URL;
if (!brokers || !redisUrl) {
  console.error('CURRICULUM_KAFKA_BROKERS and CURRICULUM_REDIS_URL must be set: eval "$(scripts/services.sh env)"');
  process.exit(2);
}
const total = Number(process.argv[2] ?? 100_000);
const busMessages = Math.min(total, 20_000); // the per-message-commit path is far slower; rates compare fine
const logger = pino({ level: 'silent' });
const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING });
const run = randomUUID().slice(0, 8);

function ack(runId: string, i: number): AnyEvent {
  return makeEvent(
    'command.ack',
    { eventId: `${runId}-${i}`, runId, producer: 'bench', sequence: i, producedAt: '2026-01-01T00:00:00.000Z' },
    { commandId: `c-${i}`, service: 'trainer', outcome: 'executed' },
  );
}
const event = (runId: string, i: number): Buffer => encodeEvent(ack(runId, i));

async function fill(topic: string, partitions: number, count: number): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
  await admin.disconnect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const started = performance.now();
  for (let i = 0; i < count; i += 2000) {
    const messages = [];
    for (let j = i; j < Math.min(count, i + 2000); j++) messages.push({ key: `run-${j % 64}`, value: event(`run-${j % 64}`, j) });
    await producer.send({ topic, acks: -1, messages });
  }
  const seconds = (performance.now() - started) / 1000;
  await producer.disconnect();
  return count / seconds;
}

async function bareConsume(topic: string, count: number, mode: 'eachBatch' | 'eachMessage'): Promise<number> {
  const consumer = kafka.consumer({ groupId: `bench-bare-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let started = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const tick = (n: number) => {
    if (started === 0) started = performance.now();
    seen += n;
    if (seen >= count) done();
  };
  // kafkajs defaults otherwise (auto-commit every 5 s and at the end of each batch).
  await consumer.run(
    mode === 'eachBatch' ? { eachBatch: async ({ batch }) => tick(batch.messages.length) } : { eachMessage: async () => tick(1) },
  );
  await finished;
  const seconds = (performance.now() - started) / 1000;
  await consumer.disconnect();
  return count / seconds;
}

async function busConsume(physicalPrefix: string, count: number, commitEvery: number): Promise<number> {
  const bus = new KafkaBus({ brokers: brokers!, commitEvery }, { logger, topicPrefix: physicalPrefix });
  let seen = 0;
  let started = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const sub = await bus.subscribe({
    groupId: `bench-bus-${randomUUID()}`,
    topics: [TOPICS.serviceEvents],
    handle: async () => {
      if (started === 0) started = performance.now();
      if (++seen === count) done();
    },
  });
  await finished;
  const seconds = (performance.now() - started) / 1000;
  await sub.stop();
  await bus.close();
  return count / seconds;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function redisLatency(samples: number): Promise<{ commit: number[]; set: number[] }> {
  const store = new RedisRunStore({ url: redisUrl!, keyPrefix: `bench:${run}:` }, { logger });
  const raw = new Redis(redisUrl!);
  const snapshot = { value: 'x'.repeat(1000), context: { step: 0, weights: [0.25, 0.25, 0.5] } };
  const commit: number[] = [];
  const set: number[] = [];
  await store.ready();
  for (let i = 0; i < samples; i++) {
    const outbox = [ack('run-bench', i)];
    let t = performance.now();
    await store.commit({ runId: 'run-bench', snapshot, source: { topic: TOPICS.trainerMetrics, partition: 0, offset: String(i) }, outbox });
    commit.push(performance.now() - t);
    if (i % 50 === 0) await store.acknowledgeOutbox('run-bench', outbox.map((e) => e.eventId));
    t = performance.now();
    await raw.set(`bench:${run}:plain`, JSON.stringify(snapshot));
    set.push(performance.now() - t);
  }
  await raw.quit();
  await store.close();
  return { commit: commit.sort((a, b) => a - b), set: set.sort((a, b) => a - b) };
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));

async function main(): Promise<void> {
  console.log(`kafka ${brokers!.join(',')}  redis ${redisUrl}  messages ${total}  (bus path ${busMessages})`);
  const rows: Array<[string, number]> = [];
  for (const partitions of [1, 6]) {
    const prefix = `bench-${run}-p${partitions}.`;
    const topic = `${prefix}${TOPICS.serviceEvents}`;
    const produced = await fill(topic, partitions, total);
    const bare = await bareConsume(topic, total, 'eachBatch');
    const bareMessage = await bareConsume(topic, total, 'eachMessage');
    const perMessage = await busConsume(prefix, busMessages, 1);
    const batched = await busConsume(prefix, busMessages, 500);
    console.log(`\n${partitions} partition(s)`);
    console.log(`  produce (idempotent, acks=all, batches of 2000)   ${fmt(produced)} msg/s`);
    console.log(`  bare kafkajs eachBatch consume                     ${fmt(bare)} msg/s`);
    console.log(`  bare kafkajs eachMessage consume                   ${fmt(bareMessage)} msg/s  = ${(bareMessage / bare).toFixed(3)} x bare`);
    console.log(`  KafkaBus, commit after every message               ${fmt(perMessage)} msg/s  = ${(perMessage / bare).toFixed(3)} x bare`);
    console.log(`  KafkaBus, commit every 500                          ${fmt(batched)} msg/s  = ${(batched / bare).toFixed(3)} x bare`);
    rows.push([`bare p${partitions}`, bare]);
  }
  if (rows.length === 2) console.log(`\n6 partitions / 1 partition, bare consume: ${(rows[1]![1] / rows[0]![1]).toFixed(2)} x`);

  const samples = 2000;
  const { commit, set } = await redisLatency(samples);
  console.log(`\nRedis (${samples} sequential samples, appendfsync as configured on the server)`);
  console.log(`  RedisRunStore.commit (1 KB snapshot + 1 outbox event)  p50 ${fmt(percentile(commit, 50))} ms  p99 ${fmt(percentile(commit, 99))} ms`);
  console.log(`  bare SET of the same snapshot                           p50 ${fmt(percentile(set, 50))} ms  p99 ${fmt(percentile(set, 99))} ms`);
  console.log(`  commit / SET at p50: ${(percentile(commit, 50) / percentile(set, 50)).toFixed(2)} x`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
