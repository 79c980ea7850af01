// The state store: one interface, two backends (memory for the embedded default, Redis for
// distributed mode). A run's snapshot, the log offsets applied to it and the outbox of events
// it still has to publish always change together, in one atomic write.
import type { AnyEvent } from '../schemas/events.ts';

/** Position of the event that produced a state change: the fencing token. */
export interface SourcePosition {
  topic: string;
  partition: number;
  offset: string;
}

export interface StoredRun {
  runId: string;
  /** The controller's persisted snapshot (JSON-serialisable). */
  snapshot: unknown;
  /** Incremented by every commit. */
  revision: number;
  /** `topic:partition` -> last applied offset. */
  appliedOffsets: Readonly<Record<string, string>>;
  /** Events produced by committed transitions and not yet acknowledged as published. */
  outbox: readonly AnyEvent[];
}

export interface CommitInput {
  runId: string;
  snapshot: unknown;
  /** The event that caused this change; null for changes with no log position (run creation via API, ticks). */
  source: SourcePosition | null;
  outbox: readonly AnyEvent[];
}

/** A commit of several events of one run at once (a batch): fenced on every position it applied. */
export interface BatchCommitInput {
  runId: string;
  snapshot: unknown;
  /** The last applied position per topic-partition among the events folded into this snapshot; may be empty. */
  sources: readonly SourcePosition[];
  outbox: readonly AnyEvent[];
}

export interface OutboxAck {
  runId: string;
  eventIds: readonly string[];
}

export type CommitOutcome =
  | { status: 'committed'; revision: number }
  /** The source offset is not above the applied offset: a stale or duplicate delivery, nothing written. */
  | { status: 'stale'; appliedOffset: string };

export interface RunStore {
  readonly kind: 'memory' | 'file' | 'redis';
  load(runId: string): Promise<StoredRun | null>;
  /** Atomically: fence on source offset, write snapshot, record the offset, append to the outbox. */
  commit(input: CommitInput): Promise<CommitOutcome>;
  /**
   * Several runs' commits in one round trip. Each one is atomic and fenced on its own (stale
   * if any of its positions is not above the applied one; nothing of it written then); the
   * outcomes are in input order.
   */
  commitMany(inputs: readonly BatchCommitInput[]): Promise<CommitOutcome[]>;
  /** Several runs in one round trip, in input order (null: no such run). */
  loadMany(runIds: readonly string[]): Promise<Array<StoredRun | null>>;
  /** Removes published events from a run's outbox. */
  acknowledgeOutbox(runId: string, eventIds: readonly string[]): Promise<void>;
  /** acknowledgeOutbox for several runs in one round trip. */
  acknowledgeOutboxMany(acks: readonly OutboxAck[]): Promise<void>;
  /** Runs whose outbox is not empty (relayed at start-up after a crash). */
  runsWithPendingOutbox(): Promise<string[]>;
  listRunIds(): Promise<string[]>;
  /** True when no run was ever stored: used to refuse starting afresh over committed offsets. */
  isEmpty(): Promise<boolean>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export function offsetKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/** Kafka offsets are 64-bit decimal strings; compare them without losing precision. */
export function offsetIsAbove(candidate: string, applied: string | undefined): boolean {
  if (applied === undefined) return true;
  return BigInt(candidate) > BigInt(applied);
}

/** The single-event commit as a one-run batch commit. */
export function asBatchCommit(input: CommitInput): BatchCommitInput {
  return { runId: input.runId, snapshot: input.snapshot, sources: input.source ? [input.source] : [], outbox: input.outbox };
}
