// State store for embedded runs: the memory store's semantics, with every commit also written
// atomically (write + rename) to `<dir>/<runId>/controller-state.json`, so an interrupted run
// can be resumed (a file that does not read back is CUR_STORE_CORRUPT). The embedded bus is a fresh in-process log on every start, so offsets read
// back from disk are dropped: they belong to a log that no longer exists.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CurriculumError } from '../schemas/errors.ts';
import { validateEvent } from '../schemas/decode.ts';
import { MemoryRunStore } from './memory-store.ts';
import { asBatchCommit, type BatchCommitInput, type CommitInput, type CommitOutcome, type OutboxAck, type RunStore, type StoredRun } from './run-store.ts';

const STATE_FILE = 'controller-state.json';

/** A run's state file read back; anything that does not parse as one is CUR_STORE_CORRUPT (as in the Redis store). */
function readStateFile(runId: string, file: string): StoredRun {
  const corrupt = (what: string, cause?: unknown) =>
    new CurriculumError('CUR_STORE_CORRUPT', `run ${runId}: ${file}: ${what}`, [], cause === undefined ? undefined : { cause });
  let saved: unknown;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw corrupt(`not JSON (${(e as Error).message})`, e);
  }
  if (typeof saved !== 'object' || saved === null || Array.isArray(saved)) throw corrupt('not a run record');
  const { snapshot, revision, outbox } = saved as Partial<Record<keyof StoredRun, unknown>>;
  if (snapshot === undefined) throw corrupt('record has no snapshot');
  if (typeof revision !== 'number' || !Number.isInteger(revision) || revision < 1) throw corrupt('record has no revision');
  if (!Array.isArray(outbox)) throw corrupt('record has no outbox');
  const events = outbox.map((entry: unknown, i) => {
    const checked = validateEvent(entry);
    if (!checked.ok) throw corrupt(`outbox entry ${i} is not a valid event: ${checked.reason}`);
    return checked.event;
  });
  return { runId, snapshot, revision, appliedOffsets: {}, outbox: events };
}

export class FileRunStore implements RunStore {
  readonly kind = 'file' as const;
  private readonly memory = new MemoryRunStore();
  private readonly loaded = new Set<string>();

  constructor(private readonly dir: string) {}

  async load(runId: string): Promise<StoredRun | null> {
    await this.hydrate(runId);
    return this.memory.load(runId);
  }

  async loadMany(runIds: readonly string[]): Promise<Array<StoredRun | null>> {
    for (const id of runIds) await this.hydrate(id);
    return this.memory.loadMany(runIds);
  }

  async commit(input: CommitInput): Promise<CommitOutcome> {
    const [outcome] = await this.commitMany([asBatchCommit(input)]);
    return outcome as CommitOutcome;
  }

  /** One file per run: a batch writes each committed run's file once. */
  async commitMany(inputs: readonly BatchCommitInput[]): Promise<CommitOutcome[]> {
    for (const input of inputs) await this.hydrate(input.runId);
    const outcomes = await this.memory.commitMany(inputs);
    const written = new Set(inputs.filter((_, i) => outcomes[i]?.status === 'committed').map((input) => input.runId));
    for (const runId of written) await this.persist(runId);
    return outcomes;
  }

  async acknowledgeOutbox(runId: string, eventIds: readonly string[]): Promise<void> {
    await this.acknowledgeOutboxMany([{ runId, eventIds }]);
  }

  async acknowledgeOutboxMany(acks: readonly OutboxAck[]): Promise<void> {
    await this.memory.acknowledgeOutboxMany(acks);
    for (const runId of new Set(acks.map((a) => a.runId))) await this.persist(runId);
  }

  async runsWithPendingOutbox(): Promise<string[]> {
    for (const id of this.idsOnDisk()) await this.hydrate(id);
    return this.memory.runsWithPendingOutbox();
  }

  async listRunIds(): Promise<string[]> {
    for (const id of this.idsOnDisk()) await this.hydrate(id);
    return this.memory.listRunIds();
  }

  async isEmpty(): Promise<boolean> {
    return (await this.listRunIds()).length === 0;
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}

  private idsOnDisk(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir).filter((d) => existsSync(join(this.dir, d, STATE_FILE)));
  }

  private async hydrate(runId: string): Promise<void> {
    if (this.loaded.has(runId)) return;
    const file = join(this.dir, runId, STATE_FILE);
    // Offsets are dropped (see the file comment); snapshot, revision and outbox come back as saved.
    // A corrupt file throws each time it is read: never "no such run", which would start it afresh.
    if (existsSync(file)) this.memory.restore(readStateFile(runId, file));
    this.loaded.add(runId);
  }

  private async persist(runId: string): Promise<void> {
    const run = await this.memory.load(runId);
    if (!run) return;
    const dir = join(this.dir, runId);
    mkdirSync(dir, { recursive: true });
    const tmp = join(dir, `${STATE_FILE}.tmp`);
    writeFileSync(tmp, JSON.stringify({ ...run, appliedOffsets: {} }));
    renameSync(tmp, join(dir, STATE_FILE));
  }
}
