// In-process state store for the embedded default and unit tests. Same fencing rules as Redis.
// Snapshots are kept by reference, not copied: the controller core never mutates a snapshot it
// was given (it returns new ones), and copying the whole snapshot per event was a quarter of
// the in-memory runtime's CPU time (bench:controller profile).
import type { AnyEvent } from '../schemas/events.ts';
import { asBatchCommit, offsetIsAbove, offsetKey, type BatchCommitInput, type CommitInput, type CommitOutcome, type OutboxAck, type RunStore, type StoredRun } from './run-store.ts';

/** The outbox after appending `events`: an event id already pending is not appended again (Redis: HSETNX). */
function appendNew(outbox: readonly AnyEvent[], events: readonly AnyEvent[]): readonly AnyEvent[] {
  if (events.length === 0) return outbox;
  const pending = new Set(outbox.map((e) => e.eventId));
  const added: AnyEvent[] = [];
  for (const e of events) {
    if (pending.has(e.eventId)) continue;
    pending.add(e.eventId);
    added.push(e);
  }
  return added.length === 0 ? outbox : [...outbox, ...added];
}

export class MemoryRunStore implements RunStore {
  readonly kind = 'memory' as const;
  private readonly runs = new Map<string, StoredRun>();

  async load(runId: string): Promise<StoredRun | null> {
    return this.get(runId);
  }

  async loadMany(runIds: readonly string[]): Promise<Array<StoredRun | null>> {
    return runIds.map((id) => this.get(id));
  }

  async commit(input: CommitInput): Promise<CommitOutcome> {
    return this.commitOne(asBatchCommit(input));
  }

  async commitMany(inputs: readonly BatchCommitInput[]): Promise<CommitOutcome[]> {
    return inputs.map((input) => this.commitOne(input));
  }

  async acknowledgeOutbox(runId: string, eventIds: readonly string[]): Promise<void> {
    this.ack(runId, eventIds);
  }

  async acknowledgeOutboxMany(acks: readonly OutboxAck[]): Promise<void> {
    for (const a of acks) this.ack(a.runId, a.eventIds);
  }

  private get(runId: string): StoredRun | null {
    const run = this.runs.get(runId);
    return run ? { ...run } : null;
  }

  private commitOne(input: BatchCommitInput): CommitOutcome {
    const current = this.runs.get(input.runId);
    const appliedOffsets = { ...(current?.appliedOffsets ?? {}) };
    // Every check before the first write, as in the Redis script: a refused commit changes nothing.
    for (const source of input.sources) {
      const applied = appliedOffsets[offsetKey(source.topic, source.partition)];
      if (!offsetIsAbove(source.offset, applied)) return { status: 'stale', appliedOffset: applied ?? '-1' };
    }
    for (const source of input.sources) appliedOffsets[offsetKey(source.topic, source.partition)] = source.offset;
    const revision = (current?.revision ?? 0) + 1;
    this.runs.set(input.runId, {
      runId: input.runId,
      snapshot: input.snapshot,
      revision,
      appliedOffsets,
      outbox: appendNew(current?.outbox ?? [], input.outbox),
    });
    return { status: 'committed', revision };
  }

  /** Puts a run read back from durable storage (the file store) in place as it was saved. */
  restore(run: StoredRun): void {
    this.runs.set(run.runId, { ...run, appliedOffsets: { ...run.appliedOffsets }, outbox: [...run.outbox] });
  }

  private ack(runId: string, eventIds: readonly string[]): void {
    const run = this.runs.get(runId);
    if (!run || run.outbox.length === 0) return;
    const done = new Set(eventIds);
    this.runs.set(runId, { ...run, outbox: run.outbox.filter((e) => !done.has(e.eventId)) });
  }

  async runsWithPendingOutbox(): Promise<string[]> {
    return [...this.runs.values()].filter((r) => r.outbox.length > 0).map((r) => r.runId);
  }

  async listRunIds(): Promise<string[]> {
    return [...this.runs.keys()];
  }

  async isEmpty(): Promise<boolean> {
    return this.runs.size === 0;
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}
}
