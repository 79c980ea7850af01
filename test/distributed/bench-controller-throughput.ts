// Controller throughput over Kafka + Redis, measured in one run on the local broker and Redis:
//   - a burst of trainer.metrics events (each applied: fenced Lua commit of the run's snapshot
//     and applied offset) for many runs, queued while the controller is down and consumed when
//     it starts: events/s and the per-event handling latency (what curriculum_decision_latency_
//     seconds observes), for commitEvery 1 (the default) and a batched commitEvery;
//   - the bare kafkajs consume rate of the same messages on the same broker (the ceiling).
// Not a test (suites assert behaviour, not speed).
//
// Usage: eval "$(scripts/services.sh env)"; npx tsx test/distributed/bench-controller-throughput.ts [runs=20] [eventsPerRun=200]
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { makeEvent } from '../../schemas/envelope.ts';
import type { AnyEvent, EnvelopeOf } from '../../schemas/events.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { ControllerService } from '../../controller/runtime/controller-service.ts';
import { RedisRunStore } from '../../store/redis/index.ts';
import { isolation, runStartEvent, testBus, testLogger, waitFor, type Isolation } from './harness.ts';

const runs = Number(process.argv[2] ?? 20);
const perRun = Number(process.argv[3] ?? 200);
const brokers = process.env.CURRICULUM_KAFKA_BROKERS?.split(',');
const redisUrl = process.env.CURRICULUM_REDIS_URL;
if (!brokers || !redisUrl) {
  console.error('CURRICULUM_KAFKA_BROKERS and CURRICULUM_REDIS_URL must be set: eval "$(scripts/services.sh env)"');
  process.exit(2);
}

function controllerFor(iso: Isolation, commitEvery: number, onOutcome: (outcome: string, seconds: number) => void) {
  const bus = testBus(iso, { commitEvery });
  const store = new RedisRunStore({ url: redisUrl!, keyPrefix: iso.redisPrefix }, { logger: testLogger });
  const controller = new ControllerService({
    bus,
    store,
    producer: 'controller-bench',
    logger: testLogger,
    groupId: `${iso.topicPrefix}curriculum-controller`,
    hooks: { onOutcome: (_run, _type, outcome, seconds) => onOutcome(outcome, seconds) },
  });
  return {
    controller,
    async close() {
      await controller.stop();
      await bus.close();
      await store.close();
    },
  };
}

function metrics(lesson: EnvelopeOf<'lesson.start'>, i: number): AnyEvent {
  const p = lesson.payload;
  return makeEvent(
    'trainer.metrics',
    { eventId: `${p.commandId}:m:${i}`, runId: lesson.runId, producer: 'bench', sequence: i, producedAt: new Date().toISOString() },
    {
      lessonId: p.lessonId,
      commandId: p.commandId,
      branch: p.branch,
      step: p.startStep + i + 1,
      tasks: Object.fromEntries(Object.keys(p.taskWeights).map((task) => [task, { loss: 1 / (i + 1), accuracy: 0.5, samples: 32 }])),
      learningRate: 0.01,
      gradientNorm: 1,
      samplesPerSecond: 1000,
      backend: 'bench',
    },
  ) as AnyEvent;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** Creates the runs, queues the burst while the controller is down, then times its consumption. */
async function measure(commitEvery: number): Promise<{ rate: number; p50: number; p99: number; applied: number; topic: string; total: number }> {
  const iso = isolation(`bench-c${commitEvery}`);
  const bus = testBus(iso);
  await bus.ensureTopics(Object.values(TOPICS));
  const lessons = new Map<string, EnvelopeOf<'lesson.start'>>();
  const watch = await bus.subscribe({
    groupId: `bench-watch-${randomUUID()}`,
    topics: [TOPICS.commands],
    handle: async ({ event }) => {
      if (event.type === 'lesson.start') lessons.set(event.runId, event);
    },
  });
  // 1. The runs, each with its first lesson in flight.
  const setup = controllerFor(iso, commitEvery, () => undefined);
  await setup.controller.start();
  const ids = Array.from({ length: runs }, (_, i) => `bench-run-${i}`);
  await bus.publish(ids.map((id) => runStartEvent(id)));
  await waitFor(`${runs} lessons`, () => lessons.size >= runs, 120_000);
  await setup.close();
  await watch.stop();
  // 2. The burst, queued while no controller runs.
  const total = runs * perRun;
  for (let i = 0; i < perRun; i += 25) {
    const batch: AnyEvent[] = [];
    for (const lesson of lessons.values()) for (let j = i; j < Math.min(perRun, i + 25); j++) batch.push(metrics(lesson, j));
    await bus.publish(batch);
  }
  // 3. A controller starts on the backlog.
  const latencies: number[] = [];
  let applied = 0;
  let first = 0;
  let last = 0;
  const measured = controllerFor(iso, commitEvery, (outcome, seconds) => {
    const now = performance.now();
    if (first === 0) first = now;
    last = now;
    latencies.push(seconds * 1000);
    if (outcome === 'applied') applied++;
  });
  await measured.controller.start();
  await waitFor(`${total} events handled (${latencies.length})`, () => latencies.length >= total, 600_000);
  await measured.close();
  await bus.close();
  latencies.sort((a, b) => a - b);
  return { rate: total / ((last - first) / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99), applied, topic: `${iso.topicPrefix}${TOPICS.trainerMetrics}`, total };
}

async function bareConsume(topic: string, count: number): Promise<number> {
  const kafka = new Kafka({ clientId: 'bench-bare', brokers: brokers!, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bench-bare-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let started = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await consumer.run({
    eachMessage: async () => {
      if (started === 0) started = performance.now();
      if (++seen === count) done();
    },
  });
  await finished;
  const seconds = (performance.now() - started) / 1000;
  await consumer.disconnect();
  return count / seconds;
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));

async function main(): Promise<void> {
  console.log(`kafka ${brokers!.join(',')}  redis ${redisUrl}  ${runs} runs x ${perRun} trainer.metrics events`);
  const rows: Array<[string, Awaited<ReturnType<typeof measure>>, number]> = [];
  for (const commitEvery of [1, 100]) {
    const r = await measure(commitEvery);
    const bare = await bareConsume(r.topic, r.total);
    rows.push([`commitEvery ${commitEvery}`, r, bare]);
    console.log(
      `controller, commitEvery ${String(commitEvery).padEnd(3)}  ${fmt(r.rate)} events/s (${r.applied}/${r.total} applied)  handling p50 ${fmt(r.p50)} ms  p99 ${fmt(r.p99)} ms` +
        `   bare kafkajs eachMessage on the same topic ${fmt(bare)} msg/s  -> controller = ${(r.rate / bare).toFixed(3)} x bare`,
    );
  }
  const [a, b] = rows;
  if (a && b) console.log(`commitEvery 100 / commitEvery 1: ${(b[1].rate / a[1].rate).toFixed(2)} x events/s`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
