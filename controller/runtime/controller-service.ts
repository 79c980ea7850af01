// The controller's effectful shell around the pure core. Per delivered event:
//   validate (done by the transport) -> load the run -> fence on offset -> pure transition ->
//   one atomic store write (snapshot + applied offset + outbox) -> relay the outbox.
// The bus commits the offset after this handler returns, so a crash at any point either
// replays the event (fenced or re-applied from the previous snapshot) or finds its effects
// in the outbox, which is relayed again at start-up. Commands carry deterministic ids, so a
// relayed duplicate is applied once by its executor.
import type { Logger } from 'pino';
import { applyEvent, createRun, describeRun, restoreSnapshot, stateName, validOperatorActions, type CoreResult, type RunSnapshot, type RunView } from '../core/index.ts';
import type { EventBus, Delivery, Subscription, DeadLetter } from '../../transport/bus.ts';
import type { CommitOutcome, RunStore, SourcePosition } from '../../store/run-store.ts';
import { offsetIsAbove, offsetKey } from '../../store/run-store.ts';
import { CONTROLLER_INPUT_TOPICS, deadLetterTopic } from '../../schemas/topics.ts';
import { encodeEvent } from '../../schemas/decode.ts';
import { deadLetterRecord } from '../../transport/dead-letter.ts';
import { FeedbackGate } from './feedback-gate.ts';
import type { AnyEvent, Decision, EnvelopeOf, OperatorAction } from '../../schemas/events.ts';
import { makeEvent } from '../../schemas/envelope.ts';
import { ActionInvalidError, CurriculumError, isCurriculumError } from '../../schemas/errors.ts';
import { SpecCache } from './spec-cache.ts';

/** What the store holds per run: the core snapshot plus the commands still awaiting a result. */
export interface StoredController {
  core: RunSnapshot;
  /** Commands of the latest transition that emitted any: re-sent on resume (executors dedupe by id). */
  inflight: AnyEvent[];
}

/** `refused`: feedback that cannot apply to its run, dead-lettered with the reason (onDeadLetter says so). */
export type EventOutcome = 'applied' | 'duplicate' | 'stale' | 'ignored' | 'invalid' | 'created' | 'rejected' | 'refused';

/** Observers for the embedded runner, metrics and tests. All optional, all synchronous. */
export interface ControllerHooks {
  onOutcome?(runId: string, eventType: string, outcome: EventOutcome, latencySeconds: number, event?: AnyEvent): void;
  onTransition?(view: RunView, result: CoreResult, cause: AnyEvent | null): void;
  onDeadLetter?(letter: DeadLetter): void;
  onCommitLatency?(seconds: number): void;
}

export interface ControllerServiceOptions {
  bus: EventBus;
  store: RunStore;
  producer: string;
  logger: Logger;
  /** Wall clock, injected: used for envelopes the controller originates (run.start, ticks). */
  clock?: () => Date;
  groupId?: string;
  hooks?: ControllerHooks;
  /** Resolves true when the consumer group already committed offsets (distributed mode start-up check). */
  committedOffsetsExist?: () => Promise<boolean>;
  /** Spec-relative paths in run.start events resolve against this directory. */
  defaultBaseDir?: string;
  /** Deliveries per batch (default 64); batches that queue meanwhile coalesce up to twice this. */
  maxBatch?: number;
  /**
   * Where the runs' feedback pools live (the checkpoint storage the trainer and evaluator read).
   * Without it feedback events go to the core as they are (counted per delivery, nothing pooled).
   */
  checkpointRoot?: string;
}

interface CachedRun {
  stored: StoredController;
  appliedOffsets: Record<string, string>;
}

/** One run's share of a batch: its state as the events are folded in, and what to commit and relay. */
interface RunWork {
  runId: string;
  core: RunSnapshot | undefined;
  inflight: AnyEvent[];
  appliedOffsets: Record<string, string>;
  /** The last applied position per topic-partition: the commit's fence. */
  sources: Map<string, SourcePosition>;
  outbox: AnyEvent[];
  transitions: Array<{ result: CoreResult; cause: AnyEvent | null }>;
  outcomes: Array<{ event: AnyEvent; outcome: EventOutcome }>;
  /** The snapshot changed (an applied event, or one with output): commit it even without a position. */
  dirty: boolean;
  /** Refused feedback: dead-lettered once the batch is committed (a re-fold does not send twice). */
  deadLetters: Array<{ letter: DeadLetter; key: string; value: Buffer }>;
}

function newWork(runId: string, base: CachedRun | undefined): RunWork {
  return {
    runId,
    core: base?.stored.core,
    inflight: base?.stored.inflight ?? [],
    appliedOffsets: base ? { ...base.appliedOffsets } : {},
    sources: new Map(),
    outbox: [],
    transitions: [],
    outcomes: [],
    dirty: false,
    deadLetters: [],
  };
}

interface Waiter {
  resolve(): void;
  reject(e: unknown): void;
}

type Job = { kind: 'batch'; deliveries: Delivery[]; waiters: Waiter[] } | { kind: 'tick'; waiters: Waiter[] };

/**
 * Deliveries per batch from the bus by default (coalesced batches grow to twice as many). A run's
 * commit costs the store a snapshot write whatever the batch size, so bigger batches save little
 * once the round trips are shared, and hold every event in them for longer (decision latency):
 * at 10,000 runs on Kafka+Redis, 16 gave p99 35 ms at 0.7x the throughput of 64 (BENCHMARKS.md).
 */
const DEFAULT_MAX_BATCH = 64;

const CONTROLLER_GROUP_ID = 'curriculum-controller';

/** How often a batch re-folds runs whose commit the fence refused before it gives up (and is redelivered). */
const MAX_FENCE_RETRIES = 5;

/** Decisions kept per run for the API; the full log is the decisions topic (and decisions.jsonl). */
const RECENT_DECISIONS = 100;

export class ControllerService {
  private readonly runs = new Map<string, CachedRun>();
  /** Runs whose stored snapshot failed to restore in the current batch: their events are rejected. */
  private readonly unrestorable = new Map<string, CurriculumError>();
  private readonly specs = new SpecCache();
  private readonly feedback: FeedbackGate | undefined;
  private readonly maxBatch: number;
  private readonly queue: Job[] = [];
  private draining = false;
  private readonly recent = new Map<string, Decision[]>();
  private subscription: Subscription | undefined;
  private sequence = 0;
  private readonly clock: () => Date;
  private readonly log: Logger;

  constructor(private readonly options: ControllerServiceOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.log = options.logger.child({ component: 'controller' });
    this.maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    this.feedback = options.checkpointRoot === undefined ? undefined : new FeedbackGate(options.checkpointRoot, options.bus.kind === 'kafka');
  }

  /** Refuses to start over committed offsets with an empty store, relays pending outboxes, subscribes. */
  async start(): Promise<void> {
    const { store, committedOffsetsExist } = this.options;
    if (committedOffsetsExist && (await store.isEmpty()) && (await committedOffsetsExist())) {
      throw new CurriculumError(
        'CUR_STORE_EMPTY_WITH_OFFSETS',
        'the state store holds no runs but the consumer group has committed offsets; starting would silently begin every run afresh',
        ['restore the store (Redis AOF/RDB) or reset the group offsets deliberately (kafka-consumer-groups --reset-offsets)'],
      );
    }
    for (const runId of await store.runsWithPendingOutbox()) await this.relayPending(runId);
    this.subscription = await this.options.bus.subscribe({
      groupId: this.options.groupId ?? CONTROLLER_GROUP_ID,
      topics: CONTROLLER_INPUT_TOPICS,
      handle: (d) => this.handle(d),
      handleBatch: (deliveries) => this.handleBatch(deliveries),
      maxBatch: this.maxBatch,
      onDeadLetter: (letter) => {
        this.log.warn({ letter }, 'dead-lettered an invalid event');
        this.options.hooks?.onDeadLetter?.(letter);
      },
      // After a rebalance another controller may have advanced a run: drop the cache.
      onAssignment: () => this.runs.clear(),
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  pause(): void {
    this.subscription?.pause();
  }

  resume(): void {
    this.subscription?.resume();
  }

  /** Re-sends the commands a run is waiting on (embedded resume after an interruption). */
  async resendInflight(runId: string): Promise<number> {
    const run = await this.loadRun(runId);
    if (!run) throw new CurriculumError('CUR_RUN_UNKNOWN', `no run ${runId} in the store`);
    await this.options.bus.publish(run.stored.inflight);
    return run.stored.inflight.length;
  }

  /** Starts a run by publishing run.start to the control topic, so it goes through the same log as everything else. */
  async startRun(spec: unknown, runId: string, specSource?: string): Promise<void> {
    await this.options.bus.publish([this.originate('run.start', runId, { spec, ...(specSource ? { specSource } : {}) })]);
  }

  async act(runId: string, action: OperatorAction, extra: { checkpointId?: string; note?: string; requestedBy?: string } = {}): Promise<void> {
    const run = await this.loadRun(runId);
    if (!run) throw new CurriculumError('CUR_RUN_UNKNOWN', `no run ${runId}`);
    // Refused here so the operator hears it; the core would only ignore it. (A state change
    // already in the log can still make an accepted action moot: the core then ignores it.)
    const machine = run.stored.core.machine;
    const valid = validOperatorActions(machine);
    if (!valid.includes(action)) throw new ActionInvalidError(runId, action, stateName(machine.value), valid);
    await this.options.bus.publish([this.originate('operator.command', runId, { action, ...extra })]);
  }

  async view(runId: string): Promise<RunView | undefined> {
    const run = await this.loadRun(runId);
    return run ? describeRun(run.stored.core) : undefined;
  }

  /** The latest decisions of a run seen by this controller, oldest first. */
  recentDecisions(runId: string): readonly Decision[] {
    return this.recent.get(runId) ?? [];
  }

  async listViews(): Promise<RunView[]> {
    const ids = await this.options.store.listRunIds();
    const views = await Promise.all(ids.map((id) => this.view(id)));
    return views.filter((v): v is RunView => v !== undefined);
  }

  /** Liveness ticks: deadlines live in the snapshot as absolute times; this only delivers "now". */
  async tick(): Promise<void> {
    // Through the same queue as the batches: a tick never folds a run that a batch is folding.
    await new Promise<void>((resolve, reject) => {
      this.queue.push({ kind: 'tick', waiters: [{ resolve, reject }] });
      void this.drain();
    });
  }

  private async processTick(): Promise<void> {
    const now = this.clock().toISOString();
    const works: RunWork[] = [];
    for (const [runId, run] of this.runs) {
      if (describeRun(run.stored.core).terminal) continue;
      const w = newWork(runId, run);
      this.absorb(w, applyEvent(run.stored.core, { type: 'tick', runId, now }), null, null);
      works.push(w);
    }
    // Ticks carry no log position, so the fence never refuses them.
    await this.commitWorks(works);
    await this.relay(works);
  }

  /** One delivery: a batch of one (the same fencing, commit and relay path). */
  async handle(delivery: Delivery): Promise<void> {
    await this.handleBatch([delivery]);
  }

  /**
   * A batch of deliveries. Batches are processed one at a time (the run cache is not shared
   * between concurrent folds, and commits never overlap); batches that arrive while one is in
   * hand (Kafka hands over several partitions at once) are coalesced into the next one: one
   * store round trip and one publish for all of them. Resolves once its events are committed
   * and relayed; the bus commits their offsets after that.
   */
  handleBatch(deliveries: readonly Delivery[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const last = this.queue[this.queue.length - 1];
      if (last?.kind === 'batch' && last.deliveries.length + deliveries.length <= 2 * this.maxBatch) {
        last.deliveries.push(...deliveries);
        last.waiters.push({ resolve, reject });
      } else {
        this.queue.push({ kind: 'batch', deliveries: [...deliveries], waiters: [{ resolve, reject }] });
      }
      void this.drain();
    });
  }

  /** Runs queued jobs one after the other; a failed job fails its waiters only. */
  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let job = this.queue.shift(); job; job = this.queue.shift()) {
        try {
          if (job.kind === 'batch') await this.processBatch(job.deliveries);
          else await this.processTick();
          for (const w of job.waiters) w.resolve();
        } catch (e) {
          for (const w of job.waiters) w.reject(e);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /**
   * The runs a batch touches are loaded in one round trip, each run's events are applied in
   * delivery order, every changed run is committed (snapshot + applied offsets + outbox) in one
   * round trip, and all outboxes are relayed in one publish. A crash anywhere replays the batch
   * against the store, whose per-position fence makes what was committed a no-op.
   */
  private async processBatch(deliveries: readonly Delivery[]): Promise<void> {
    const started = performance.now();
    const byRun = new Map<string, Delivery[]>();
    for (const d of deliveries) {
      const list = byRun.get(d.event.runId);
      if (list) list.push(d);
      else byRun.set(d.event.runId, [d]);
    }
    const done: RunWork[] = [];
    let pending = [...byRun.keys()];
    // A commit refused by the store's fence means it holds a newer state than our cache (another
    // controller, or a commit whose answer was lost): reload and re-fold those runs from it.
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === MAX_FENCE_RETRIES) {
        throw new CurriculumError('CUR_STORE_FENCED', `runs ${pending.slice(0, 5).join(', ')}: the store kept refusing their commits as stale`);
      }
      await this.loadRuns(pending);
      const works = pending.map((runId) => this.fold(runId, byRun.get(runId) as Delivery[]));
      pending = (await this.commitWorks(works)).map((w) => w.runId);
      done.push(...works.filter((w) => !pending.includes(w.runId)));
    }
    await this.relay(done);
    const seconds = (performance.now() - started) / 1000;
    const hooks = this.options.hooks;
    if (hooks?.onOutcome) {
      for (const w of done) for (const o of w.outcomes) hooks.onOutcome(o.event.runId, o.event.type, o.outcome, seconds, o.event);
    }
  }

  /** Puts the runs missing from the cache into it (one store round trip); a snapshot that cannot be restored is remembered per run. */
  private async loadRuns(runIds: readonly string[]): Promise<void> {
    const missing = runIds.filter((id) => !this.runs.has(id));
    if (missing.length === 0) return;
    const stored = await this.options.store.loadMany(missing);
    missing.forEach((runId, i) => {
      const record = stored[i];
      if (!record) return;
      try {
        this.runs.set(runId, this.restore(runId, record.snapshot, record.appliedOffsets));
      } catch (e) {
        if (!isCurriculumError(e)) throw e;
        this.unrestorable.set(runId, e);
      }
    });
  }

  /** Applies one run's events of a batch, in order, to its cached state; nothing is written yet. */
  private fold(runId: string, deliveries: readonly Delivery[]): RunWork {
    const base = this.runs.get(runId);
    const w = newWork(runId, base);
    const broken = this.unrestorable.get(runId);
    this.unrestorable.delete(runId);
    for (const d of deliveries) {
      const { event } = d;
      let outcome: EventOutcome;
      try {
        if (broken) throw broken;
        outcome = event.type === 'run.start' ? this.foldCreate(w, event, d) : this.foldApply(w, event, d);
      } catch (e) {
        if (!isCurriculumError(e) || e.code === 'CUR_STORE_FENCED') throw e;
        // A snapshot that cannot be restored is an error for that run, never a fresh start:
        // the event is not applied, the failure is logged loudly and counted.
        this.log.error({ err: e, runId, type: event.type }, e.describe());
        outcome = 'rejected';
      }
      w.outcomes.push({ event, outcome });
    }
    return w;
  }

  private foldCreate(w: RunWork, event: EnvelopeOf<'run.start'>, d: Delivery): EventOutcome {
    if (w.core) return 'duplicate';
    const spec = this.specs.parse(event.payload.spec, event.payload.specSource, event.runId, this.log);
    if (!spec) return 'rejected';
    const specFile = event.payload.specSource;
    const baseDir = specFile?.startsWith('/') ? dirOf(specFile) : (this.options.defaultBaseDir ?? process.cwd());
    const result = createRun({ runId: event.runId, spec, baseDir, producer: this.options.producer, now: event.producedAt });
    this.absorb(w, result, d, event);
    return 'created';
  }

  private foldApply(w: RunWork, event: AnyEvent, d: Delivery): EventOutcome {
    if (!w.core) return 'ignored';
    if (!offsetIsAbove(d.offset, w.appliedOffsets[offsetKey(d.topic, d.partition)])) return 'stale';
    const gate = event.type === 'feedback' && this.feedback ? this.feedback.admit(w.core, event, d) : ({ kind: 'core' } as const);
    if (gate.kind === 'refused') {
      const letter: DeadLetter = { topic: d.topic, partition: d.partition, offset: d.offset, code: 'CUR_FEEDBACK_REFUSED', reason: gate.reason };
      w.deadLetters.push({ letter, key: event.runId, value: encodeEvent(event) });
      this.absorb(w, { snapshot: w.core, commands: [], decisions: [], outcome: 'ignored' }, d, event);
      return 'refused';
    }
    const result = applyEvent(w.core, gate.kind === 'pooled' ? gate.event : event);
    // An event that changed nothing still advances the applied offset, so a replay is fenced cheaply.
    this.absorb(w, result, d, event);
    return result.outcome;
  }

  private absorb(w: RunWork, result: CoreResult, d: Delivery | null, cause: AnyEvent | null): void {
    w.core = result.snapshot;
    if (d) {
      const key = offsetKey(d.topic, d.partition);
      w.appliedOffsets[key] = d.offset;
      w.sources.set(key, { topic: d.topic, partition: d.partition, offset: d.offset });
    }
    if (result.outcome === 'applied') w.dirty = true;
    if (result.commands.length > 0) w.inflight = result.commands;
    if (result.commands.length > 0 || result.decisions.length > 0) {
      for (const c of result.commands) w.outbox.push(c);
      for (const e of result.decisions) w.outbox.push(e);
      w.transitions.push({ result, cause });
      w.dirty = true;
    }
  }

  /** Commits every run that changed in one store round trip; returns the runs the fence refused (dropped from the cache). */
  private async commitWorks(works: readonly RunWork[]): Promise<RunWork[]> {
    const changed = works.filter((w) => w.core && (w.sources.size > 0 || w.dirty));
    if (changed.length === 0) return [];
    const t0 = performance.now();
    let outcomes: CommitOutcome[];
    try {
      outcomes = await this.options.store.commitMany(
        changed.map((w) => ({ runId: w.runId, snapshot: { core: w.core as RunSnapshot, inflight: w.inflight } satisfies StoredController, sources: [...w.sources.values()], outbox: w.outbox })),
      );
    } catch (e) {
      // Some of the runs may be committed: the cache can no longer tell, the store can.
      for (const w of changed) this.runs.delete(w.runId);
      throw e;
    }
    this.options.hooks?.onCommitLatency?.((performance.now() - t0) / 1000);
    const refused: RunWork[] = [];
    changed.forEach((w, i) => {
      if (outcomes[i]?.status === 'committed') {
        this.runs.set(w.runId, { stored: { core: w.core as RunSnapshot, inflight: w.inflight }, appliedOffsets: w.appliedOffsets });
      } else {
        this.runs.delete(w.runId);
        refused.push(w);
      }
    });
    return refused;
  }

  /** Publishes the committed outboxes in one send, acknowledges them in one store round trip, then tells the observers. */
  private async relay(works: readonly RunWork[]): Promise<void> {
    for (const w of works) {
      for (const { letter, key, value } of w.deadLetters) {
        // Bounded like every dead letter (transport/dead-letter.ts): a refused row may be large.
        const record = deadLetterRecord({ ...letter, key, value, headers: {}, groupId: this.options.groupId ?? CONTROLLER_GROUP_ID });
        await this.options.bus.publishRaw(deadLetterTopic(letter.topic), record.key, record.value, record.headers);
        this.log.warn({ letter }, 'refused feedback dead-lettered');
        this.options.hooks?.onDeadLetter?.(letter);
      }
    }
    const withOutbox = works.filter((w) => w.outbox.length > 0);
    if (withOutbox.length > 0) {
      await this.options.bus.publish(withOutbox.length === 1 ? (withOutbox[0] as RunWork).outbox : withOutbox.flatMap((w) => w.outbox));
      await this.options.store.acknowledgeOutboxMany(withOutbox.map((w) => ({ runId: w.runId, eventIds: w.outbox.map((e) => e.eventId) })));
    }
    const onTransition = this.options.hooks?.onTransition;
    for (const w of withOutbox) {
      const decisions = w.transitions.flatMap((t) => t.result.decisions.map((d) => d.payload));
      if (decisions.length > 0) {
        const list = this.recent.get(w.runId) ?? [];
        list.push(...decisions);
        this.recent.set(w.runId, list.length > RECENT_DECISIONS ? list.slice(-RECENT_DECISIONS) : list);
      }
      if (onTransition) for (const t of w.transitions) onTransition(describeRun(t.result.snapshot), t.result, t.cause);
    }
  }

  private async relayPending(runId: string): Promise<void> {
    const stored = await this.options.store.load(runId);
    if (!stored || stored.outbox.length === 0) return;
    this.log.info({ runId, events: stored.outbox.length }, 'relaying the outbox left by a previous controller');
    await this.options.bus.publish(stored.outbox);
    await this.options.store.acknowledgeOutbox(runId, stored.outbox.map((e) => e.eventId));
  }

  private async loadRun(runId: string): Promise<CachedRun | undefined> {
    const cached = this.runs.get(runId);
    if (cached) return cached;
    const stored = await this.options.store.load(runId);
    if (!stored) return undefined;
    const run = this.restore(runId, stored.snapshot, stored.appliedOffsets);
    this.runs.set(runId, run);
    return run;
  }

  private restore(runId: string, snapshot: unknown, appliedOffsets: Readonly<Record<string, string>>): CachedRun {
    const raw = snapshot as Partial<StoredController> | null;
    if (!raw || typeof raw !== 'object' || !('core' in raw)) {
      throw new CurriculumError('CUR_SNAPSHOT_RESTORE', `run ${runId}: stored state has no controller snapshot`);
    }
    return { stored: { core: restoreSnapshot(raw.core), inflight: raw.inflight ?? [] }, appliedOffsets: { ...appliedOffsets } };
  }

  private originate<T extends 'run.start' | 'operator.command'>(type: T, runId: string, payload: EnvelopeOf<T>['payload']): AnyEvent {
    const sequence = this.sequence++;
    const producedAt = this.clock().toISOString();
    return makeEvent(type, { eventId: `${this.options.producer}:${type}:${Date.parse(producedAt)}:${sequence}`, runId, producer: this.options.producer, sequence, producedAt }, payload) as AnyEvent;
  }
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}
