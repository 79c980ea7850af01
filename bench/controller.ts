// bench:controller — controller throughput and decision latency at 1, 100 and 10,000 concurrent
// runs, for three layers measured in one process:
//   1. the pure core (createRun/applyEvent over pre-recorded per-run streams, interleaved);
//   2. the in-memory runtime (ControllerService over MemoryBus + MemoryRunStore), closed loop;
//   3. Kafka + Redis (ControllerService over KafkaBus + RedisRunStore), closed loop, with a bare
//      kafkajs consume of the very topics the controller read, on the same broker, as the ceiling.
// plus heap per idle run (created, waiting for its first lesson) after a forced GC.
//
// Closed loop: simulated executors (test/controller/support/simulated-executors.ts) subscribe to
// the command topic and answer every lesson.start / checkpoint.evaluate with schema-valid
// trainer.metrics, checkpoint.saved and evaluation.results events, exactly what the real trainer
// and evaluator publish, so every event the controller consumes drives the core (a pre-filled
// backlog would not: a run's events span several topics, and an evaluation result that overtakes
// its checkpoint is ignored). "events/s" counts controller input events handled per second.
// "decision latency" is the handler time per event (load, fence, transition, atomic store commit,
// outbox relay); "end to end" adds the queueing from the executor's publish to that commit.
//
//   eval "$(scripts/services.sh env)"; npm run bench:controller [-- --skip-kafka] [--quick]
//   (BENCH_RUNS=100, BENCH_SKIP_CORE=1, BENCH_SKIP_MEMORY=1 and BENCH_SKIP_HEAP=1 narrow a run to one cell while investigating;
//   BENCH_SKIP_HEAP also skips writing the results)
import { randomUUID } from 'node:crypto';
import { writeFileSync, mkdirSync } from 'node:fs';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { applyEvent, createRun, type RunSnapshot } from '../controller/core/index.ts';
import { ControllerService } from '../controller/runtime/controller-service.ts';
import { makeEvent } from '../schemas/envelope.ts';
import type { AnyEvent } from '../schemas/events.ts';
import { parseSpecValue } from '../schemas/spec-loader.ts';
import type { ResolvedSpec } from '../schemas/spec.ts';
import { CONTROLLER_INPUT_TOPICS, TOPICS } from '../schemas/topics.ts';
import type { Delivery, EventBus } from '../transport/bus.ts';
import { MemoryBus } from '../transport/memory-bus.ts';
import { KafkaBus } from '../transport/kafka/index.ts';
import { MemoryRunStore } from '../store/memory-store.ts';
import type { RunStore } from '../store/run-store.ts';
import { RedisRunStore } from '../store/redis/index.ts';
import { SimulatedRun } from '../test/controller/support/simulated-executors.ts';
import { percentile } from './lib/stats.ts';
import { renderPanels, formatNumber, type Panel } from './lib/svg.ts';

const here = dirname(fileURLToPath(import.meta.url));
const logger = pino({ level: 'silent' });
const quick = process.argv.includes('--quick');
const skipKafka = process.argv.includes('--skip-kafka');
const RUNS = process.env.BENCH_RUNS ? process.env.BENCH_RUNS.split(',').map(Number) : [1, 100, 10_000];
const gc = (globalThis as { gc?: () => void }).gc;

/** The bench's run: one stage, two tasks, a gate that never passes; the run ends on its step budget. */
function rawSpec(lessons: number): Record<string, unknown> {
  return {
    apiVersion: 'curriculum/v1',
    name: 'bench-controller',
    seed: 3,
    model: { kind: 'mlp', hidden: [8] },
    training: { batchSize: 32, lessonSteps: 100, metricsEvery: 25, maxSteps: lessons * 100 },
    evaluation: { suites: ['heldout'], samplesPerTask: 200, everyLessons: 1 },
    tasks: [
      { id: 'a', skill: 's', difficulty: 1, generator: { kind: 'permuted-digits', permutation: 0 } },
      { id: 'b', skill: 's', difficulty: 2, generator: { kind: 'permuted-digits', permutation: 1 } },
    ],
    stages: [
      {
        id: 's1',
        tasks: ['a', 'b'],
        teacher: { kind: 'exp3s' },
        learningRate: { kind: 'constant', value: 0.01 },
        advance: { gates: [{ metric: 'accuracy', task: 'each', threshold: 0.999 }], confidence: 0.999, consecutive: 1 },
        maxSteps: lessons * 100,
        budgetAction: 'stop',
      },
    ],
    review: { enabled: false },
    earlyStopping: { enabled: false },
  };
}

/** Held-out accuracy the simulated evaluator reports: rising slowly, task b behind a. */
const script = (task: string, ctx: { index: number }) => Math.min(0.95, 0.3 + 0.01 * ctx.index + (task === 'a' ? 0.1 : 0));

interface LayerResult {
  layer: string;
  runs: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  latencyMs: { p50: number; p99: number };
  endToEndMs?: { p50: number; p99: number };
  completedRuns: number;
  note?: string;
}

const ms = (sorted: number[]) => ({ p50: percentile(sorted, 50), p99: percentile(sorted, 99) });

// ---------------------------------------------------------------- 1. pure core

function coreBench(runs: number, lessons: number): LayerResult {
  const spec = parseSpecValue(rawSpec(lessons), 'bench spec');
  // One recorded stream, re-keyed per run (ids embed the run id, so the string replacement gives
  // each run exactly the stream the core would have produced answers for).
  const template = new SimulatedRun(spec, script, 'tmplrunx');
  template.start();
  template.runUntilQuiet(100_000);
  const text = JSON.stringify(template.inputs);
  const streams: AnyEvent[][] = [];
  for (let r = 0; r < runs; r++) streams.push(JSON.parse(text.replaceAll('tmplrunx', `run-${r}`)) as AnyEvent[]);
  const perRun = template.inputs.length + 1;
  const latencies = new Float64Array(runs * perRun);
  let k = 0;
  const t0 = performance.now();
  const snapshots: RunSnapshot[] = [];
  for (let r = 0; r < runs; r++) {
    const s = performance.now();
    snapshots.push(createRun({ runId: `run-${r}`, spec, baseDir: '/data', producer: 'controller-bench', now: '2026-01-01T00:00:00.000Z' }).snapshot);
    latencies[k++] = performance.now() - s;
  }
  let applied = 0;
  for (let i = 0; i < template.inputs.length; i++) {
    for (let r = 0; r < runs; r++) {
      const e = (streams[r] as AnyEvent[])[i] as AnyEvent;
      const s = performance.now();
      const result = applyEvent(snapshots[r] as RunSnapshot, e);
      latencies[k++] = performance.now() - s;
      snapshots[r] = result.snapshot;
      if (result.outcome === 'applied') applied++;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const sorted = Array.from(latencies.subarray(0, k)).sort((a, b) => a - b);
  return {
    layer: 'pure core',
    runs,
    events: k,
    seconds,
    eventsPerSecond: k / seconds,
    latencyMs: ms(sorted),
    completedRuns: runs,
    note: `${perRun} events per run (incl. run.start), ${((applied / (k - runs)) * 100).toFixed(0)}% of the stream applied`,
  };
}

// ---------------------------------------------------------------- 2./3. runtime, closed loop

/** Wraps a bus so the controller's handler also records publish -> handled latency per event. */
function timedBus(bus: EventBus, sentAt: Map<string, number>, endToEnd: number[]): EventBus {
  return new Proxy(bus, {
    get(target, prop, receiver) {
      if (prop === 'subscribe') {
        const handled = (d: Delivery, now: number) => {
          const t = sentAt.get(d.event.eventId);
          if (t !== undefined) {
            endToEnd.push(now - t);
            sentAt.delete(d.event.eventId);
          }
        };
        return (options: Parameters<EventBus['subscribe']>[0]) => {
          const { handleBatch } = options;
          return target.subscribe({
            ...options,
            handle: async (d) => {
              await options.handle(d);
              handled(d, performance.now());
            },
            ...(handleBatch
              ? {
                  handleBatch: async (deliveries: readonly Delivery[]) => {
                    await handleBatch(deliveries);
                    const now = performance.now();
                    for (const d of deliveries) handled(d, now);
                  },
                }
              : {}),
          });
        };
      }
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

async function runtimeBench(layer: string, runs: number, lessons: number, buses: { controller: EventBus; executor: EventBus }, store: RunStore, deadlineMs: number): Promise<LayerResult & { topicsMessages: number }> {
  const spec: ResolvedSpec = parseSpecValue(rawSpec(lessons), 'bench spec');
  const raw = rawSpec(lessons);
  const sentAt = new Map<string, number>();
  const endToEnd: number[] = [];
  const latency: number[] = [];
  let handled = 0;
  let terminal = 0;
  let last = performance.now();
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const controller = new ControllerService({
    bus: timedBus(buses.controller, sentAt, endToEnd),
    store,
    producer: 'controller-bench',
    logger,
    groupId: `bench-controller-${randomUUID()}`,
    hooks: {
      onOutcome(_runId, _type, _outcome, seconds) {
        latency.push(seconds * 1000);
        handled++;
        last = performance.now();
      },
      onTransition(view) {
        if (view.terminal && ++terminal === runs) done();
      },
    },
  });
  const sims = new Map<string, SimulatedRun>();
  const respond = (event: AnyEvent): AnyEvent[] => {
    if (event.type !== 'lesson.start' && event.type !== 'checkpoint.evaluate') return [];
    let sim = sims.get(event.runId);
    if (!sim) sims.set(event.runId, (sim = new SimulatedRun(spec, script, event.runId)));
    return sim.responsesTo(event);
  };
  const publishResponses = async (out: AnyEvent[]) => {
    const t = performance.now();
    for (const e of out) sentAt.set(e.eventId, t);
    await buses.executor.publish(out);
  };
  // The executors answer a fetched batch of commands with one publish: they are the load
  // generator, and must not be what limits the closed loop (one produce per command did, on Kafka).
  const executor = await buses.executor.subscribe({
    groupId: `bench-executors-${randomUUID()}`,
    topics: [TOPICS.commands],
    handle: ({ event }) => publishResponses(respond(event)),
    handleBatch: (deliveries) => publishResponses(deliveries.flatMap((d) => respond(d.event))),
  });
  await controller.start();
  const starts: AnyEvent[] = [];
  for (let r = 0; r < runs; r++) {
    starts.push(makeEvent('run.start', { eventId: `bench-start-${r}`, runId: `run-${r}`, producer: 'bench', sequence: r, producedAt: new Date().toISOString() }, { spec: raw }) as AnyEvent);
  }
  const t0 = performance.now();
  for (let i = 0; i < starts.length; i += 1000) {
    const batch = starts.slice(i, i + 1000);
    const t = performance.now();
    for (const e of batch) sentAt.set(e.eventId, t);
    await buses.controller.publish(batch);
  }
  let timer: NodeJS.Timeout | undefined;
  const progress = setInterval(() => console.log(`    ${layer} ${runs} runs: ${handled} events handled, ${terminal} runs finished, ${((performance.now() - t0) / 1000).toFixed(0)} s`), 10_000);
  await Promise.race([finished, new Promise<void>((r) => (timer = setTimeout(r, deadlineMs)))]);
  clearTimeout(timer);
  clearInterval(progress);
  const seconds = (last - t0) / 1000;
  await controller.stop();
  await executor.stop();
  const sortedLatency = latency.sort((a, b) => a - b);
  const sortedE2e = endToEnd.sort((a, b) => a - b);
  return {
    layer,
    runs,
    events: handled,
    seconds,
    eventsPerSecond: handled / seconds,
    latencyMs: ms(sortedLatency),
    endToEndMs: ms(sortedE2e),
    completedRuns: terminal,
    topicsMessages: handled,
    ...(terminal < runs ? { note: `time-boxed at ${deadlineMs / 1000} s: ${terminal}/${runs} runs finished` } : {}),
  };
}

async function memoryRuntime(runs: number, lessons: number): Promise<LayerResult> {
  const bus = new MemoryBus({ partitions: 6 });
  const r = await runtimeBench('in-memory runtime', runs, lessons, { controller: bus, executor: bus }, new MemoryRunStore(), quick ? 60_000 : 120_000);
  await bus.close();
  return r;
}

// ---------------------------------------------------------------- Kafka + Redis

const brokers = process.env.CURRICULUM_KAFKA_BROKERS?.split(',');
const redisUrl = process.env.CURRICULUM_REDIS_URL;

async function kafkaRuntime(runs: number, lessons: number, commitEvery: number): Promise<{ result: LayerResult; bare: number }> {
  const prefix = `bench-ctl-${randomUUID().slice(0, 8)}.`;
  const keyPrefix = `bench-ctl:${randomUUID().slice(0, 8)}:`;
  const controllerBus = new KafkaBus({ brokers: brokers!, commitEvery }, { logger, topicPrefix: prefix });
  const executorBus = new KafkaBus({ brokers: brokers!, commitEvery }, { logger, topicPrefix: prefix });
  const store = new RedisRunStore({ url: redisUrl!, keyPrefix }, { logger });
  await store.ready();
  await controllerBus.ensureTopics([...CONTROLLER_INPUT_TOPICS, TOPICS.commands, TOPICS.decisions]);
  const result = await runtimeBench(`kafka+redis (commitEvery ${commitEvery})`, runs, lessons, { controller: controllerBus, executor: executorBus }, store, quick ? 60_000 : 100_000);
  await controllerBus.close();
  await executorBus.close();
  await store.close();
  const bare = await bareConsume(prefix, result.topicsMessages);
  await cleanRedis(keyPrefix);
  return { result, bare };
}

/** The ceiling: a bare kafkajs eachBatch loop over the same topics, counting only. */
async function bareConsume(prefix: string, count: number): Promise<number> {
  const kafka = new Kafka({ clientId: 'bench-bare', brokers: brokers!, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bench-bare-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: CONTROLLER_INPUT_TOPICS.map((t) => `${prefix}${t}`), fromBeginning: true });
  let seen = 0;
  let started = 0;
  let lastAt = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      if (started === 0) started = performance.now();
      seen += batch.messages.length;
      lastAt = performance.now();
      if (seen >= count) done();
    },
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([finished, new Promise<void>((r) => (timer = setTimeout(r, 60_000)))]);
  clearTimeout(timer);
  await consumer.disconnect();
  return seen / Math.max(1e-9, (lastAt - started) / 1000);
}

async function cleanRedis(keyPrefix: string): Promise<void> {
  const redis = new Redis(redisUrl!);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
}

// ---------------------------------------------------------------- heap per idle run

async function heapPerIdleRun(runs: number): Promise<{ coreBytes: number; runtimeHeapBytes: number; runtimeExternalBytes: number; snapshotJsonBytes: number }> {
  if (!gc) throw new Error('run with node --expose-gc (npm run bench:controller does)');
  const spec = parseSpecValue(rawSpec(10), 'bench spec');
  gc();
  let before = process.memoryUsage().heapUsed;
  const snapshots: RunSnapshot[] = [];
  for (let r = 0; r < runs; r++) snapshots.push(createRun({ runId: `idle-${r}`, spec, baseDir: '/data', producer: 'controller-bench', now: '2026-01-01T00:00:00.000Z' }).snapshot);
  gc();
  const coreBytes = (process.memoryUsage().heapUsed - before) / runs;
  const snapshotJsonBytes = JSON.stringify(snapshots[0]).length;
  snapshots.length = 0;

  // The in-memory runtime: runs created through run.start, each waiting for its first lesson
  // (no executor answers). Counts the controller's cache, the store's copy and the bus log.
  const bus = new MemoryBus({ partitions: 6 });
  const store = new MemoryRunStore();
  let created = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const controller = new ControllerService({ bus, store, producer: 'controller-bench', logger, hooks: { onOutcome: (_r, _t, outcome) => void (outcome === 'created' && ++created === runs && done()) } });
  await controller.start();
  gc();
  const m0 = process.memoryUsage();
  before = m0.heapUsed;
  const raw = rawSpec(10);
  for (let i = 0; i < runs; i += 1000) {
    const batch: AnyEvent[] = [];
    for (let r = i; r < Math.min(runs, i + 1000); r++) batch.push(makeEvent('run.start', { eventId: `idle-start-${r}`, runId: `idle-${r}`, producer: 'bench', sequence: r, producedAt: new Date().toISOString() }, { spec: raw }) as AnyEvent);
    await bus.publish(batch);
  }
  await all;
  await new Promise((r) => setTimeout(r, 200));
  gc();
  const m1 = process.memoryUsage();
  await controller.stop();
  await bus.close();
  return { coreBytes, runtimeHeapBytes: (m1.heapUsed - before) / runs, runtimeExternalBytes: (m1.external + m1.arrayBuffers - m0.external - m0.arrayBuffers) / runs, snapshotJsonBytes };
}

// ---------------------------------------------------------------- main

function machine() {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, loadAverage: os.loadavg(), node: process.version };
}

async function main(): Promise<void> {
  const m = machine();
  console.log(`bench:controller  ${m.cpu} x${m.cores}, load ${m.loadAverage.map((x) => x.toFixed(1)).join('/')}, node ${m.node}${quick ? ' (quick)' : ''}`);
  const results: LayerResult[] = [];
  const ceilings: Array<{ runs: number; commitEvery: number; bareEventsPerSecond: number; ratio: number }> = [];
  const print = (r: LayerResult) =>
    console.log(
      `  ${r.layer.padEnd(30)} ${String(r.runs).padStart(6)} runs  ${formatNumber(r.eventsPerSecond).padStart(8)} events/s  p50 ${r.latencyMs.p50.toFixed(3)} ms  p99 ${r.latencyMs.p99.toFixed(3)} ms${r.endToEndMs ? `  end-to-end p50 ${r.endToEndMs.p50.toFixed(1)} p99 ${r.endToEndMs.p99.toFixed(1)} ms` : ''}  (${r.events} events, ${r.seconds.toFixed(1)} s${r.note ? `; ${r.note}` : ''})`,
    );

  // Events per run shrink as runs grow, so each cell handles a comparable number of events.
  const coreTotal = quick ? 60_000 : 200_000;
  console.log('\n1. pure core');
  for (const runs of process.env.BENCH_SKIP_CORE ? [] : RUNS) {
    const lessons = Math.max(1, Math.round(coreTotal / runs / 6));
    const r = coreBench(runs, lessons);
    results.push(r);
    print(r);
  }
  console.log('\n2. in-memory runtime (ControllerService + MemoryBus + MemoryRunStore, closed loop)');
  const memTotal = quick ? 20_000 : 60_000;
  for (const runs of process.env.BENCH_SKIP_MEMORY ? [] : RUNS) {
    const r = await memoryRuntime(runs, Math.max(1, Math.round(memTotal / runs / 6)));
    results.push(r);
    print(r);
  }
  if (!skipKafka) {
    if (!brokers || !redisUrl) {
      console.log('\n3. Kafka + Redis skipped: set CURRICULUM_KAFKA_BROKERS and CURRICULUM_REDIS_URL (eval "$(scripts/services.sh env)")');
    } else {
      console.log(`\n3. Kafka + Redis (${brokers.join(',')}, ${redisUrl}), closed loop; ceiling: bare kafkajs eachBatch over the same topics`);
      const kafkaTotal = quick ? 3_000 : 12_000;
      const cells: Array<[number, number]> = RUNS.map((runs) => [runs, 1]);
      // The default commits every message; one cell with batched commits shows what that costs.
      if (RUNS.includes(10_000)) cells.push([10_000, 100]);
      for (const [runs, commitEvery] of cells) {
        const lessons = Math.max(1, Math.round(kafkaTotal / runs / 6));
        const { result, bare } = await kafkaRuntime(runs, lessons, commitEvery);
        results.push(result);
        print(result);
        ceilings.push({ runs, commitEvery, bareEventsPerSecond: bare, ratio: result.eventsPerSecond / bare });
        console.log(`    bare kafkajs consume of the same ${result.events} messages: ${formatNumber(bare)} msg/s; controller = ${(result.eventsPerSecond / bare).toFixed(3)} x bare`);
      }
    }
  }
  console.log('\n4. heap per idle run (node --expose-gc, forced GC, 10,000 runs)');
  if (process.env.BENCH_SKIP_HEAP) return;
  const heap = await heapPerIdleRun(10_000);
  console.log(`  pure core snapshot: ${(heap.coreBytes / 1024).toFixed(1)} KB heap per run (JSON ${(heap.snapshotJsonBytes / 1024).toFixed(1)} KB)`);
  console.log(`  in-memory runtime:  ${(heap.runtimeHeapBytes / 1024).toFixed(1)} KB heap per run, plus ${(heap.runtimeExternalBytes / 1024).toFixed(1)} KB of bus-log buffers outside the heap`);

  const find = (layer: string, runs: number) => results.find((r) => r.layer.startsWith(layer) && r.runs === runs);
  const mem10k = find('in-memory', 10_000);
  const kafka10k = results.find((r) => r.layer === 'kafka+redis (commitEvery 1)' && r.runs === 10_000);
  const ceiling10k = ceilings.find((c) => c.runs === 10_000 && c.commitEvery === 1);
  const targets = [
    `in-memory runtime >= 50,000 events/s: ${RUNS.map((n) => `${n} runs ${formatNumber(find('in-memory', n)?.eventsPerSecond ?? NaN)}`).join(', ')} -> ${mem10k && RUNS.every((n) => (find('in-memory', n)?.eventsPerSecond ?? 0) >= 50_000) ? 'MET' : 'NOT MET'}`,
    kafka10k && ceiling10k
      ? `kafka+redis at 10,000 runs >= 50% of bare consume (${formatNumber(ceiling10k.bareEventsPerSecond)} msg/s): ${formatNumber(kafka10k.eventsPerSecond)} = ${(ceiling10k.ratio * 100).toFixed(1)}% -> ${ceiling10k.ratio >= 0.5 ? 'MET' : 'NOT MET'}; p99 ${kafka10k.latencyMs.p99.toFixed(1)} ms < 50 ms -> ${kafka10k.latencyMs.p99 < 50 ? 'MET' : 'NOT MET'}`
      : 'kafka+redis: not measured',
    `heap per idle run < 20 KB: ${(heap.runtimeHeapBytes / 1024).toFixed(1)} KB -> ${heap.runtimeHeapBytes < 20 * 1024 ? 'MET' : 'NOT MET'}`,
  ];
  console.log(`\n${targets.join('\n')}`);

  const generatedAt = new Date().toISOString();
  mkdirSync(join(here, 'results'), { recursive: true });
  const suffix = quick ? '-quick' : '';
  writeFileSync(join(here, 'results', `controller${suffix}.json`), `${JSON.stringify({ generatedAt, command: `npm run bench:controller${quick ? ' -- --quick' : ''}`, machine: m, results, ceilings, heap, targets }, null, 2)}\n`);
  const panels: Panel[] = [
    {
      title: 'Throughput',
      unit: 'controller input events/s, log scale',
      log: true,
      bars: [
        ...results.map((r) => ({ label: `${r.layer} @ ${r.runs}`, value: r.eventsPerSecond, colour: r.layer.startsWith('pure') ? '#4c78a8' : r.layer.startsWith('in-memory') ? '#72b7b2' : '#f58518' })),
        ...ceilings.map((c) => ({ label: `bare kafkajs @ ${c.runs} (ceiling)`, value: c.bareEventsPerSecond, colour: '#999' })),
      ],
      reference: { value: 50_000, label: '50k target (in-memory)' },
    },
    {
      title: 'Decision latency p99',
      unit: 'ms per event, log scale',
      log: true,
      bars: results.map((r) => ({ label: `${r.layer} @ ${r.runs}`, value: r.latencyMs.p99, note: `p50 ${r.latencyMs.p50.toFixed(3)} / p99 ${r.latencyMs.p99.toFixed(3)}`, colour: r.layer.startsWith('kafka') ? '#f58518' : '#4c78a8' })),
      reference: { value: 50, label: '50 ms target' },
    },
  ];
  writeFileSync(join(here, 'results', `controller${suffix}.svg`), renderPanels(`bench:controller${quick ? ' (quick)' : ''}`, `${m.cpu}, ${m.cores} cores shared, load ${m.loadAverage.map((x) => x.toFixed(1)).join('/')}; ${generatedAt}`, panels));
  console.log(`\nwrote bench/results/controller${suffix}.json and controller${suffix}.svg`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
