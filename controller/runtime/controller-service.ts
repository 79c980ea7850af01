// The controller's effectful shell around the pure core. Per delivered event:
//   validate (done by the transport) -> load the run -> fence on offset -> pure transition ->
//   one atomic store write (snapshot + applied offset + outbox) -> relay the outbox.
// The bus commits the offset after this handler returns, so a crash at any point either
// replays the event (fenced or re-applied from the previous snapshot) or finds its effects
// in the outbox, which is relayed again at start-up. Commands carry deterministic ids, so a
// relayed duplicate is applied once by its executor.
import type { Logger } from 'pino';
import { applyEvent, createRun, describeRun, restoreSnapshot, type CoreResult, type RunSnapshot, type RunView } from '../core/index.ts';
import type { EventBus, Delivery, Subscription, DeadLetter } from '../../transport/bus.ts';
import type { RunStore, SourcePosition } from '../../store/run-store.ts';
import { offsetIsAbove, offsetKey } from '../../store/run-store.ts';
import { CONTROLLER_INPUT_TOPICS } from '../../schemas/topics.ts';
import type { AnyEvent, Decision, EnvelopeOf, OperatorAction } from '../../schemas/events.ts';
import { makeEvent } from '../../schemas/envelope.ts';
import { parseSpecValue } from '../../schemas/spec-loader.ts';
import { CurriculumError, isCurriculumError } from '../../schemas/errors.ts';

/** What the store holds per run: the core snapshot plus the commands still awaiting a result. */
export interface StoredController {
  core: RunSnapshot;
  /** Commands of the latest transition that emitted any: re-sent on resume (executors dedupe by id). */
  inflight: AnyEvent[];
}

export type EventOutcome = 'applied' | 'duplicate' | 'stale' | 'ignored' | 'invalid' | 'created' | 'rejected';

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
}

interface CachedRun {
  stored: StoredController;
  appliedOffsets: Record<string, string>;
}

/** Decisions kept per run for the API; the full log is the decisions topic (and decisions.jsonl). */
const RECENT_DECISIONS = 100;

export class ControllerService {
  private readonly runs = new Map<string, CachedRun>();
  private readonly recent = new Map<string, Decision[]>();
  private subscription: Subscription | undefined;
  private sequence = 0;
  private readonly clock: () => Date;
  private readonly log: Logger;

  constructor(private readonly options: ControllerServiceOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.log = options.logger.child({ component: 'controller' });
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
      groupId: this.options.groupId ?? 'curriculum-controller',
      topics: CONTROLLER_INPUT_TOPICS,
      handle: (d) => this.handle(d),
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
    if (!(await this.loadRun(runId))) throw new CurriculumError('CUR_RUN_UNKNOWN', `no run ${runId}`);
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
    const now = this.clock().toISOString();
    for (const [runId, run] of this.runs) {
      if (describeRun(run.stored.core).terminal) continue;
      await this.transition(runId, run, { type: 'tick', runId, now }, null);
    }
  }

  async handle(delivery: Delivery): Promise<void> {
    const started = performance.now();
    const { event } = delivery;
    const source: SourcePosition = { topic: delivery.topic, partition: delivery.partition, offset: delivery.offset };
    let outcome: EventOutcome;
    try {
      outcome = event.type === 'run.start' ? await this.create(event, source) : await this.apply(event, source);
    } catch (e) {
      if (!isCurriculumError(e) || e.code === 'CUR_STORE_FENCED') throw e;
      // A snapshot that cannot be restored is an error for that run, never a fresh start:
      // the event is not applied, the failure is logged loudly and counted.
      this.log.error({ err: e, runId: event.runId, type: event.type }, e.describe());
      outcome = 'rejected';
    }
    this.options.hooks?.onOutcome?.(event.runId, event.type, outcome, (performance.now() - started) / 1000, event);
  }

  private async create(event: EnvelopeOf<'run.start'>, source: SourcePosition): Promise<EventOutcome> {
    if (await this.loadRun(event.runId)) return 'duplicate';
    let spec;
    try {
      spec = parseSpecValue(event.payload.spec, event.payload.specSource ?? `run ${event.runId}`);
    } catch (e) {
      if (!isCurriculumError(e)) throw e;
      this.log.error({ runId: event.runId, details: e.details }, 'run.start carried an invalid spec; run not created');
      return 'rejected';
    }
    const specFile = event.payload.specSource;
    const baseDir = specFile?.startsWith('/') ? dirOf(specFile) : (this.options.defaultBaseDir ?? process.cwd());
    const result = createRun({ runId: event.runId, spec, baseDir, producer: this.options.producer, now: event.producedAt });
    const fresh: CachedRun = { stored: { core: result.snapshot, inflight: [] }, appliedOffsets: {} };
    return (await this.commitAndRelay(event.runId, fresh, result, source, event)) ? 'created' : 'stale';
  }

  private async apply(event: AnyEvent, source: SourcePosition): Promise<EventOutcome> {
    const run = await this.loadRun(event.runId);
    if (!run) return 'ignored';
    if (!offsetIsAbove(source.offset, run.appliedOffsets[offsetKey(source.topic, source.partition)])) return 'stale';
    return this.transition(event.runId, run, event, source);
  }

  private async transition(runId: string, run: CachedRun, event: AnyEvent | { type: 'tick'; runId: string; now: string }, source: SourcePosition | null): Promise<EventOutcome> {
    const result = applyEvent(run.stored.core, event);
    if (result.outcome !== 'applied' && result.commands.length === 0 && result.decisions.length === 0) {
      // Nothing changed but the applied offset: record it so a replay is fenced cheaply.
      if (source) await this.commitAndRelay(runId, run, result, source, null);
      return result.outcome;
    }
    const committed = await this.commitAndRelay(runId, run, result, source, event.type === 'tick' ? null : event);
    return committed ? result.outcome : 'stale';
  }

  private async commitAndRelay(runId: string, run: CachedRun, result: CoreResult, source: SourcePosition | null, cause: AnyEvent | null): Promise<boolean> {
    const outbox: AnyEvent[] = [...result.commands, ...result.decisions];
    const stored: StoredController = {
      core: result.snapshot,
      inflight: result.commands.length > 0 ? result.commands : run.stored.inflight,
    };
    const t0 = performance.now();
    const outcome = await this.options.store.commit({ runId, snapshot: stored, source, outbox });
    this.options.hooks?.onCommitLatency?.((performance.now() - t0) / 1000);
    if (outcome.status === 'stale') {
      // Another controller got there first (or this is a replay): our cache is behind.
      this.runs.delete(runId);
      return false;
    }
    const appliedOffsets = { ...run.appliedOffsets };
    if (source) appliedOffsets[offsetKey(source.topic, source.partition)] = source.offset;
    const next: CachedRun = { stored, appliedOffsets };
    this.runs.set(runId, next);
    if (outbox.length > 0) {
      await this.options.bus.publish(outbox);
      await this.options.store.acknowledgeOutbox(runId, outbox.map((e) => e.eventId));
    }
    if (result.decisions.length > 0) {
      const list = this.recent.get(runId) ?? [];
      list.push(...result.decisions.map((d) => d.payload));
      this.recent.set(runId, list.slice(-RECENT_DECISIONS));
    }
    if (result.decisions.length > 0 || result.commands.length > 0) {
      this.options.hooks?.onTransition?.(describeRun(result.snapshot), result, cause);
    }
    return true;
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
    const raw = stored.snapshot as Partial<StoredController> | null;
    if (!raw || typeof raw !== 'object' || !('core' in raw)) {
      throw new CurriculumError('CUR_SNAPSHOT_RESTORE', `run ${runId}: stored state has no controller snapshot`);
    }
    const run: CachedRun = {
      stored: { core: restoreSnapshot(raw.core), inflight: raw.inflight ?? [] },
      appliedOffsets: { ...stored.appliedOffsets },
    };
    this.runs.set(runId, run);
    return run;
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
