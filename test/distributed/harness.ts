// Shared machinery of the distributed fault tests: real Kafka, real Redis, real services.
// Every test gets its own topic prefix (which also prefixes consumer group names) and Redis key
// prefix, so it never sees another test's (or another engineer's) traffic on the shared servers.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { join } from 'node:path';
import { after } from 'node:test';
import { pino, type Logger } from 'pino';
import { parse } from 'yaml';
import { makeEvent } from '../../schemas/envelope.ts';
import type { AnyEvent, Decision, EnvelopeOf } from '../../schemas/events.ts';
import { ALL_TOPICS, TOPICS } from '../../schemas/topics.ts';
import { KafkaBus, type KafkaBusConfig } from '../../transport/kafka/index.ts';
import type { Subscription } from '../../transport/bus.ts';
import { loadServiceConfig } from '../../config/service-config.ts';
import { startController } from '../../cli/services.ts';
import { startTrainerService } from '../../trainer/service.ts';
import { startEvaluatorService } from '../../evaluator/service.ts';
import { runEmbedded } from '../../embedded/run-embedded.ts';
import { readDecisions } from '../../embedded/run-recorder.ts';
import { env } from '../support/service-gate.ts';
import { openSocketsTo } from '../transport/kafka-fixtures.ts';

export const REPO_ROOT = join(import.meta.dirname, '../..');
/** The tiny end-to-end spec with 20-step lessons: ~47 decisions in a few seconds. */
export const SPEC_FILE = join(REPO_ROOT, 'test/distributed/fixtures/short-lessons.yaml');
export const testLogger: Logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
/**
 * The backend the embedded and distributed tests pin: no native build needed, and their decision
 * logs are compared byte for byte on it (wasm only; the trainer and evaluator tests also run on
 * tensorflow, see scripts/run-tests.mjs).
 */
export const BACKEND = 'wasm';

// ---- clean-up: whatever a test opened is closed when the file ends, even when the test failed
// before reaching its own `finally` (an open Kafka or Redis connection keeps the file's process,
// and with it the whole test run, alive forever).

const open = new Set<{ close(): Promise<unknown> }>();

/** Registers something to close at the end of the file (if the test did not close it). */
export function track<T extends { close(): Promise<unknown> }>(resource: T): T {
  open.add(resource);
  return resource;
}

after(async () => {
  for (const resource of [...open].reverse()) {
    await bounded('closing a leftover resource', resource.close()).catch((e: unknown) => console.error(e));
  }
  open.clear();
  // Without the services the tests were skipped (or failed under CI=true): nothing to check.
  if (!process.env.CURRICULUM_KAFKA_BROKERS || !process.env.CURRICULUM_REDIS_URL) return;
  // A connection to the shared servers still open now is a leak (of this harness or of the
  // transport's close()): it would keep this file's process, and the test run, alive for ever.
  // Fail the file loudly, then cut the connections so the run goes on.
  await sleep(500);
  const ports = new Set([...env('CURRICULUM_KAFKA_BROKERS').split(','), env('CURRICULUM_REDIS_URL').replace(/^rediss?:\/\/(.*@)?/, '').replace(/\/.*$/, '')].map((a) => Number(a.split(':').pop())));
  const leaked = openSocketsTo(ports);
  if (leaked.length > 0) {
    const where = leaked.map((socket) => `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`).join(', ');
    for (const socket of leaked) socket.destroy();
    // KafkaBus.close() ends the sockets kafkajs loses track of in a broker restart
    // (transport/kafka/socket-registry.ts): anything left now is a new leak.
    throw new Error(`${leaked.length} connection(s) to Kafka/Redis still open after every resource was closed: ${where}`);
  }
});

export interface Isolation {
  /** Kafka topic (and consumer group) prefix. */
  topicPrefix: string;
  /** Redis key prefix. */
  redisPrefix: string;
  checkpointRoot: string;
}

export function isolation(label: string): Isolation {
  const id = randomUUID().slice(0, 8);
  return {
    topicPrefix: `t-dist-${label}-${id}.`,
    redisPrefix: `test:dist:${label}:${id}:`,
    checkpointRoot: mkdtempSync(join(tmpdir(), `curriculum-dist-${label}-`)),
  };
}

/** The environment a controller (child or in-process) reads: the shared servers, this test's prefixes. */
export function serviceEnv(iso: Isolation, extra: Record<string, string> = {}): Record<string, string> {
  return {
    CURRICULUM_KAFKA_BROKERS: env('CURRICULUM_KAFKA_BROKERS'),
    CURRICULUM_REDIS_URL: env('CURRICULUM_REDIS_URL'),
    CURRICULUM_KAFKA_TOPIC_PREFIX: iso.topicPrefix,
    CURRICULUM_REDIS_KEY_PREFIX: iso.redisPrefix,
    CURRICULUM_KAFKA_PARTITIONS: '2',
    // The broker's floor (group.min.session.timeout.ms): a SIGKILLed member's partitions are
    // handed on after this long instead of the 30 s default.
    CURRICULUM_KAFKA_SESSION_TIMEOUT_MS: '6000',
    CURRICULUM_KAFKA_HEARTBEAT_INTERVAL_MS: '500',
    CURRICULUM_CHECKPOINT_ROOT: iso.checkpointRoot,
    CURRICULUM_BACKEND: BACKEND,
    CURRICULUM_API_TOKEN: 'distributed-test-token-0123456789',
    CURRICULUM_LOG_LEVEL: 'info',
    CURRICULUM_TICK_SECONDS: '1',
    ...extra,
  };
}

/** A bus for the test's own traffic (run.start, raw messages, watchers), on the test's prefix. */
export function testBus(iso: Isolation, config: Partial<KafkaBusConfig> = {}): KafkaBus {
  return track(new KafkaBus(
    { brokers: env('CURRICULUM_KAFKA_BROKERS').split(','), clientId: 'curriculum-dist-test', partitions: 2, heartbeatIntervalMs: 500, sessionTimeoutMs: 6000, ...config },
    { logger: testLogger, topicPrefix: iso.topicPrefix },
  ));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Awaits a clean-up step, failing loudly (instead of hanging the test file) when it does not end. */
export async function bounded(what: string, step: Promise<unknown> | undefined, ms = 30_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([step, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

export async function waitFor(what: string | (() => string), predicate: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(50);
  }
}

// ---- the spec and its reference run -------------------------------------------------------

export function faultSpec(specFile = SPEC_FILE): unknown {
  return parse(readFileSync(specFile, 'utf8')) as unknown;
}

/** run.start as the control plane publishes it (same topic, same shape). */
export function runStartEvent(runId: string, spec: unknown = faultSpec(), specSource = SPEC_FILE): AnyEvent {
  return makeEvent(
    'run.start',
    { eventId: `test:run.start:${runId}`, runId, producer: 'distributed-test', sequence: 0, producedAt: new Date().toISOString() },
    { spec, specSource },
  ) as AnyEvent;
}

/** A decision with the run id taken out, so runs of one spec under different ids compare. */
export function normalized(runId: string, decisions: readonly Decision[]): unknown[] {
  return decisions.map((d) => JSON.parse(JSON.stringify(d).replaceAll(runId, '<run>')) as unknown);
}

export interface Reference {
  /** The decision log, run id normalized. */
  decisions: unknown[];
  /** `service:commandId` of every command executed, run id normalized, sorted. */
  executed: string[];
}

const references = new Map<string, Promise<Reference>>();

/**
 * The spec's uninterrupted embedded run (the same service code on the memory bus). Cached on disk
 * for the files of one test-runner invocation (keyed by the runner's pid and the spec's text).
 */
export function referenceRun(specFile = SPEC_FILE): Promise<Reference> {
  let reference = references.get(specFile);
  reference ??= (async () => {
    const specText = readFileSync(specFile, 'utf8');
    const cache = join(tmpdir(), `curriculum-dist-reference-${process.ppid}-${createHash('sha256').update(specText).digest('hex').slice(0, 16)}.json`);
    if (existsSync(cache)) return JSON.parse(readFileSync(cache, 'utf8')) as Reference;
    const runsDir = mkdtempSync(join(tmpdir(), 'curriculum-dist-reference-'));
    const executed: string[] = [];
    const result = await runEmbedded({
      specFile,
      runsDir,
      runId: 'reference',
      logger: testLogger,
      backend: BACKEND,
      skipReport: true,
      onEvent: (e) => {
        if (e.type === 'command.ack' && e.payload.outcome === 'executed') executed.push(`${e.payload.service}:${e.payload.commandId}`.replaceAll('reference', '<run>'));
      },
    });
    if (result.view.state !== 'completed') throw new Error(`reference run ended in ${result.view.state}`);
    const ref = { decisions: normalized('reference', readDecisions(result.runDir).map((d) => d.payload)), executed: [...new Set(executed)].sort() };
    writeFileSync(cache, JSON.stringify(ref));
    return ref;
  })();
  references.set(specFile, reference);
  return reference;
}

// ---- watching the topics --------------------------------------------------------------------

/**
 * Reads the decisions and service-events topics from the beginning with its own consumer group,
 * as an auditor would: decisions per run (deduplicated by decisionId, in sequence order) and
 * every command.ack.
 */
export class TopicWatcher {
  private subscription: Subscription | undefined;
  readonly decisionsByRun = new Map<string, Map<string, Decision>>();
  /** Every decision message read, duplicates included. */
  decisionMessages = 0;
  /**
   * Acks by log position: the watcher's own group may read a message again after a broker
   * restart (its offset commit lost), which is not a second execution; a second 'executed' ack
   * at another position is.
   */
  readonly acks = new Map<string, EnvelopeOf<'command.ack'>>();
  /** checkpoint.saved events seen per run (a controller input: the controller handles each as it arrives). */
  readonly checkpoints = new Map<string, number>();

  /** `checkpoints`: also read the checkpoints topic (a controller input; off by default, since a reader of a topic dead-letters its poison too). */
  constructor(
    private readonly bus: KafkaBus,
    private readonly options: { checkpoints?: boolean } = {},
  ) {}

  async start(): Promise<void> {
    this.subscription = await this.bus.subscribe({
      groupId: `watcher-${randomUUID()}`,
      topics: [TOPICS.decisions, TOPICS.serviceEvents, ...(this.options.checkpoints ? [TOPICS.checkpoints] : [])],
      handle: async ({ event, topic, partition, offset }) => {
        if (event.type === 'decision') {
          this.decisionMessages++;
          const byId = this.decisionsByRun.get(event.runId) ?? new Map<string, Decision>();
          if (!byId.has(event.payload.decisionId)) byId.set(event.payload.decisionId, event.payload);
          this.decisionsByRun.set(event.runId, byId);
        } else if (event.type === 'command.ack') {
          this.acks.set(`${topic}:${partition}:${offset}`, event);
        } else if (event.type === 'checkpoint.saved') {
          this.checkpoints.set(event.runId, (this.checkpoints.get(event.runId) ?? 0) + 1);
        }
      },
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
  }

  decisions(runId: string): Decision[] {
    return [...(this.decisionsByRun.get(runId)?.values() ?? [])].sort((a, b) => a.sequence - b.sequence);
  }

  count(runId: string): number {
    return this.decisionsByRun.get(runId)?.size ?? 0;
  }

  terminal(runId: string): boolean {
    return this.decisions(runId).some((d) => d.kind === 'complete' || d.kind === 'fail' || d.kind === 'stop');
  }

  async waitForTerminal(runId: string, timeoutMs = 180_000): Promise<void> {
    await waitFor(() => `run ${runId} to finish (${this.count(runId)} decisions so far)`, () => this.terminal(runId), timeoutMs);
  }

  /** `service:commandId` (run id normalized) -> how many 'executed' acks the service sent for it. */
  executedPerCommand(runId: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const a of this.acks.values()) {
      if (a.runId !== runId || a.payload.outcome !== 'executed') continue;
      const key = `${a.payload.service}:${a.payload.commandId}`.replaceAll(runId, '<run>');
      out.set(key, (out.get(key) ?? 0) + 1);
    }
    return out;
  }
}

// ---- the services ---------------------------------------------------------------------------

/** Trainer and evaluator in this process, on their own bus (the same code as `curriculum trainer|evaluator`). */
export async function startExecutors(iso: Isolation): Promise<{ stop(): Promise<void> }> {
  const bus = testBus(iso);
  await bus.connect();
  const common = { bus, checkpointRoot: iso.checkpointRoot, logger: testLogger, backend: BACKEND } as const;
  const trainer = await startTrainerService({ ...common, producer: 'trainer-0', groupId: `${iso.topicPrefix}curriculum-trainer` });
  const evaluator = await startEvaluatorService({ ...common, producer: 'evaluator-0', groupId: `${iso.topicPrefix}curriculum-evaluator` });
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await Promise.allSettled([trainer.stop(), evaluator.stop()]);
      await bus.close();
    })());
  track({ close: stop });
  return { stop };
}

/** `curriculum controller` in this process (the same start-up as the CLI's, minus signals). */
export async function startInProcessController(iso: Isolation, extra: Record<string, string> = {}) {
  const port = await freePort();
  const config = loadServiceConfig(serviceEnv(iso, { CURRICULUM_PORT: String(port), ...extra }), { needsRedis: true });
  const started = await startController(config, testLogger);
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= started.stop());
  track({ close: stop });
  return { ...started, stop, port };
}

/** `node bin/curriculum.mjs controller` as a child process, its output kept for assertions. */
export class ControllerProcess {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private startedAt = Date.now();

  constructor(
    iso: Isolation,
    readonly port: number,
    extra: Record<string, string> = {},
  ) {
    this.child = spawn(process.execPath, [join(REPO_ROOT, 'bin/curriculum.mjs'), 'controller'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...serviceEnv(iso, { CURRICULUM_PORT: String(port), ...extra }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      this.output += chunk.toString();
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    track({ close: () => this.sigkill() });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves once the controller logged that it started (subscribed and listening). */
  async ready(timeoutMs = 60_000): Promise<number> {
    await waitFor(
      () => `the controller to start; output so far:\n${this.output.slice(-2000)}`,
      () => {
        if (!this.running) throw new Error(`controller exited before it started:\n${this.output.slice(-4000)}`);
        return this.output.includes('"controller started"');
      },
      timeoutMs,
    );
    return Date.now() - this.startedAt;
  }

  async sigkill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  async terminate(): Promise<void> {
    if (this.running) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Prometheus text: the sum of a metric's samples (all label sets). */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** A seeded PRNG (mulberry32): the kill points of a failing run can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- a scenario: topics, a watcher and the executors, torn down in reverse ------------------

export interface Scenario {
  iso: Isolation;
  bus: KafkaBus;
  watcher: TopicWatcher;
  /** Starts the in-process trainer and evaluator (once). */
  startExecutors(): Promise<void>;
  close(): Promise<void>;
}

export async function scenario(label: string, options: { partitions?: number; watchCheckpoints?: boolean } = {}): Promise<Scenario> {
  const iso = isolation(label);
  const bus = testBus(iso, { partitions: options.partitions ?? 2 });
  await bus.ensureTopics(ALL_TOPICS, { withDeadLetters: true });
  const watcher = new TopicWatcher(bus, { checkpoints: options.watchCheckpoints ?? false });
  track({ close: () => watcher.stop() });
  await watcher.start();
  let executors: { stop(): Promise<void> } | undefined;
  return {
    iso,
    bus,
    watcher,
    async startExecutors() {
      executors ??= await startExecutors(iso);
    },
    async close() {
      await bounded('stopping the trainer and evaluator', executors?.stop());
      await bounded('stopping the topic watcher', watcher.stop());
      await bounded('closing the test bus', bus.close());
    },
  };
}

/**
 * The run's decisions as read from the decisions topic equal the reference, and each command was
 * executed exactly once. Call once the run is terminal: it first waits for the last acks (their
 * topic is read independently of the decisions) and a little longer for a duplicate to show.
 */
export async function assertMatchesReference(watcher: TopicWatcher, runId: string, ref: Reference): Promise<void> {
  await waitFor(
    () => `${ref.executed.length} executed commands of ${runId} (have ${watcher.executedPerCommand(runId).size})`,
    () => watcher.executedPerCommand(runId).size >= ref.executed.length,
    30_000,
  ).catch(() => undefined); // the assertion below reports what is missing
  await sleep(1000);
  assert.deepEqual(normalized(runId, watcher.decisions(runId)), ref.decisions, `${runId}: the decision log differs from the uninterrupted run's`);
  const executed = watcher.executedPerCommand(runId);
  const twice = [...executed].filter(([, n]) => n !== 1);
  assert.deepEqual(twice, [], `${runId}: commands executed more than once`);
  assert.deepEqual([...executed.keys()].sort(), ref.executed, `${runId}: the executed commands differ from the uninterrupted run's`);
}

// ---- restarting the shared servers ------------------------------------------------------------

const execFileAsync = promisify(execFile);

/**
 * After a restart scenario (whatever its outcome): the shared server is running again and
 * answers, so the tests of other files (and other engineers) find it as they left it.
 * `probe` resolves once the server answers a real request.
 */
export async function ensureServerUp(ctl: string, probe: () => Promise<unknown>, timeoutMs = 180_000): Promise<void> {
  const running = await execFileAsync(ctl, ['status'], { timeout: 30_000 }).then(
    () => true,
    () => false,
  );
  if (!running) await execFileAsync(ctl, ['start'], { timeout: timeoutMs });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await probe();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`${ctl}: the server does not answer after the restart scenario`, { cause: e });
      await sleep(500);
    }
  }
}

/** Kafka answers a metadata request. */
export async function kafkaAnswers(): Promise<void> {
  const kafka = new Kafka({ clientId: 'curriculum-dist-probe', brokers: env('CURRICULUM_KAFKA_BROKERS').split(','), logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } finally {
    await admin.disconnect();
  }
}
