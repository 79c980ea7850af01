// In-process state store for the embedded default and unit tests. Same fencing rules as Redis.
// Snapshots are kept by reference, not copied: the controller core never mutates a snapshot it
// was given (it returns new ones), and copying the whole snapshot per event was a quarter of
// the in-memory runtime's CPU time (bench:controller profile).
import { offsetIsAbove, offsetKey, type CommitInput, type CommitOutcome, type RunStore, type StoredRun } from './run-store.ts';

export class MemoryRunStore implements RunStore {
  readonly kind = 'memory' as const;
  private readonly runs = new Map<string, StoredRun>();

  async load(runId: string): Promise<StoredRun | null> {
    const run = this.runs.get(runId);
    return run ? { ...run } : null;
  }

  async commit(input: CommitInput): Promise<CommitOutcome> {
    const current = this.runs.get(input.runId);
    const appliedOffsets = { ...(current?.appliedOffsets ?? {}) };
    if (input.source) {
      const key = offsetKey(input.source.topic, input.source.partition);
      const applied = appliedOffsets[key];
      if (!offsetIsAbove(input.source.offset, applied)) return { status: 'stale', appliedOffset: applied ?? '-1' };
      appliedOffsets[key] = input.source.offset;
    }
    const revision = (current?.revision ?? 0) + 1;
    this.runs.set(input.runId, {
      runId: input.runId,
      snapshot: input.snapshot,
      revision,
      appliedOffsets,
      outbox: [...(current?.outbox ?? []), ...input.outbox],
    });
    return { status: 'committed', revision };
  }

  async acknowledgeOutbox(runId: string, eventIds: readonly string[]): Promise<void> {
    const run = this.runs.get(runId);
    if (!run) return;
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
