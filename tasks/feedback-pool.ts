// Production feedback as a task source. The pool of a deployment is a service-side dataset on the
// shared checkpoint storage: <checkpointRoot>/<runId>/feedback/<deploymentId>.jsonl, one line per
// admitted feedback event {seq, partition, offset, feedback | duplicateOf, by}. The controller's
// runtime is its only writer (controller/runtime/feedback-gate.ts): it appends each admitted event
// and hands the pool's verdict (seq, and what a repeat repeats) to the core, which takes seq as
// its cut of the pool (FeedbackSelection.upToCount) without holding a single id. A repeat - a
// feedbackId or a content seen anywhere in the pool's history - is recorded as a duplicate line
// (counted once, never used); a redelivered offset is not recorded again. Commands carry the selection (cut at upToCount,
// newest poolLimit items kept, hold-out by a hash of feedbackId), so trainer and evaluator select
// exactly the same items. Rows are encoded through the run's tasks: a digits vector or an
// addition string becomes the example that task would build, the label a class of its encoding.
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Feedback, FeedbackSelection, PoolVerdict } from '../schemas/events.ts';
import { hashSeed } from './random.ts';
import type { TaskSet } from './registry.ts';
import type { Example } from './task.ts';

export interface PoolItem {
  seq: number;
  feedback: Feedback;
}

/** Lines kept on disk per deployment; a spec's continual.poolLimit then picks the newest of them. */
export const DEFAULT_POOL_RETENTION = 20000;

/** One line of the pool file. */
interface PoolLine {
  seq: number;
  partition?: number;
  offset?: string;
  feedback?: Feedback;
  duplicateOf?: string;
  /** What made the line a duplicate (absent on lines written before content dedupe: 'id'). */
  by?: RepeatKind;
}

type RepeatKind = NonNullable<PoolVerdict['repeatOf']>['by'];

/** Same input, label and category: the same example, whatever its feedbackId. */
export function feedbackContentKey(feedback: Feedback): string {
  return createHash('sha256').update(JSON.stringify([feedback.input, feedback.label, feedback.category ?? null])).digest('base64url').slice(0, 22);
}

/** Where a deployment's pool of a run lives: next to the run's checkpoints (same run-id mangling). */
export function feedbackPoolFile(checkpointRoot: string, runId: string, deploymentId: string): string {
  return join(checkpointRoot, runId.replace(/[^A-Za-z0-9._-]/g, '_'), 'feedback', `${encodeURIComponent(deploymentId)}.jsonl`);
}

function readLines(file: string): PoolLine[] {
  if (!existsSync(file)) return [];
  const lines: PoolLine[] = [];
  for (const text of readFileSync(file, 'utf8').split('\n')) {
    if (text.trim() === '') continue;
    try {
      const line = JSON.parse(text) as PoolLine;
      if (typeof line.seq === 'number') lines.push(line);
    } catch {
      // torn write (a writer killed mid-append): its event is redelivered and appended again
    }
  }
  return lines;
}

/** The usable items of a pool (duplicates left out) and the newest seq it has recorded. */
export function readPoolState(file: string): { items: PoolItem[]; newest: number } {
  const items: PoolItem[] = [];
  let newest = 0;
  for (const line of readLines(file)) {
    newest = Math.max(newest, line.seq);
    if (line.feedback && typeof line.feedback.feedbackId === 'string') items.push({ seq: line.seq, feedback: line.feedback });
  }
  return { items, newest };
}

export function readPool(file: string): PoolItem[] {
  return readPoolState(file).items;
}

/**
 * Appends delivered feedback: a new item as an item, a repeat (a feedbackId or a content key seen
 * anywhere in the pool's history) as a duplicate line, a redelivered log offset not at all (its
 * recorded verdict is returned again). At most `retain` lines stay on disk (oldest dropped, by
 * rewriting the file once it holds twice that many); the history of ids and content keys lives
 * in `<file>.seen`, which is never compacted, so a repeat is recognised however old its original.
 */
export class FeedbackPool {
  private readonly ids = new Set<string>();
  private readonly contents = new Map<string, string>();
  private readonly byOffset = new Map<string, PoolVerdict>();
  private readonly lastOffset = new Map<number, bigint>();
  private lastSeq = 0;
  private lines = 0;

  constructor(
    readonly file: string,
    private readonly retain: number,
  ) {
    for (const entry of readSeen(seenFile(file))) this.see(entry.i, entry.c);
    // Lines too: a writer killed between the pool line and its history entry loses neither.
    for (const line of readLines(file)) this.remember(line);
  }

  /** Deliveries recorded so far (the seq of the newest line). */
  get accepted(): number {
    return this.lastSeq;
  }

  /** `position` is the event's place in the log; without one every call is a new delivery. */
  append(feedback: Feedback, position?: { partition: number; offset: string }): PoolVerdict & { redelivered: boolean } {
    if (position) {
      const last = this.lastOffset.get(position.partition);
      if (last !== undefined && BigInt(position.offset) <= last) {
        const known = this.byOffset.get(`${position.partition}:${position.offset}`);
        // An offset below the newest that the pool never recorded (compacted away, or a message
        // this pool never saw): its seq is unknown, so it names none the core has not counted.
        return { ...(known ?? { seq: this.lastSeq }), redelivered: true };
      }
    }
    const key = feedbackContentKey(feedback);
    const repeatOf = this.ids.has(feedback.feedbackId) ? { feedbackId: feedback.feedbackId, by: 'id' as const } : this.contents.has(key) ? { feedbackId: this.contents.get(key) as string, by: 'content' as const } : undefined;
    const line: PoolLine = { seq: this.lastSeq + 1, ...(position ?? {}), ...(repeatOf ? { duplicateOf: repeatOf.feedbackId, by: repeatOf.by } : { feedback }) };
    mkdirSync(dirname(this.file), { recursive: true });
    appendFileSync(this.file, `${JSON.stringify(line)}\n`);
    if (!repeatOf) appendFileSync(seenFile(this.file), `${JSON.stringify({ i: feedback.feedbackId, c: key })}\n`);
    this.remember(line);
    if (this.lines > 2 * this.retain) this.compact();
    return { seq: line.seq, ...(repeatOf ? { repeatOf } : {}), redelivered: false };
  }

  private see(id: string, key: string): void {
    this.ids.add(id);
    if (!this.contents.has(key)) this.contents.set(key, id);
  }

  private remember(line: PoolLine): void {
    this.lastSeq = Math.max(this.lastSeq, line.seq);
    this.lines += 1;
    if (line.feedback) this.see(line.feedback.feedbackId, feedbackContentKey(line.feedback));
    if (line.partition !== undefined && line.offset !== undefined) {
      const offset = BigInt(line.offset);
      const last = this.lastOffset.get(line.partition);
      if (last === undefined || offset > last) this.lastOffset.set(line.partition, offset);
      this.byOffset.set(`${line.partition}:${line.offset}`, { seq: line.seq, ...(line.duplicateOf !== undefined ? { repeatOf: { feedbackId: line.duplicateOf, by: line.by ?? 'id' } } : {}) });
    }
  }

  private compact(): void {
    const kept = readLines(this.file).slice(-this.retain);
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, kept.map((l) => `${JSON.stringify(l)}\n`).join(''));
    renameSync(tmp, this.file);
    this.lines = 0;
    this.byOffset.clear();
    for (const l of kept) this.remember(l);
  }
}

function seenFile(poolFile: string): string {
  return `${poolFile}.seen`;
}

function readSeen(file: string): Array<{ i: string; c: string }> {
  if (!existsSync(file)) return [];
  const out: Array<{ i: string; c: string }> = [];
  for (const text of readFileSync(file, 'utf8').split('\n')) {
    if (text.trim() === '') continue;
    try {
      const entry = JSON.parse(text) as { i?: unknown; c?: unknown };
      if (typeof entry.i === 'string' && typeof entry.c === 'string') out.push({ i: entry.i, c: entry.c });
    } catch {
      // torn write: the pool line it follows restores the entry
    }
  }
  return out;
}

/** Deterministic hold-out membership: the same id is always on the same side. */
export function isFeedbackHoldout(feedbackId: string, fraction: number): boolean {
  return hashSeed('feedback-holdout', feedbackId) / 2 ** 32 < fraction;
}

export interface FeedbackSplit {
  train: PoolItem[];
  holdout: PoolItem[];
}

/** The items a command selects: seq <= upToCount, the newest poolLimit, split by hold-out hash. */
export function selectFeedback(items: readonly PoolItem[], selection: FeedbackSelection): FeedbackSplit {
  const cut = items.filter((i) => i.seq <= selection.upToCount && i.feedback.deploymentId === selection.deploymentId).sort((a, b) => a.seq - b.seq).slice(-selection.poolLimit);
  const split: FeedbackSplit = { train: [], holdout: [] };
  for (const item of cut) (isFeedbackHoldout(item.feedback.feedbackId, selection.holdoutFraction) ? split.holdout : split.train).push(item);
  return split;
}

export interface EncodedFeedback {
  examples: Example[];
  /** Items no task of the run could encode (wrong vector width, a label outside the classes, ...). */
  skipped: Array<{ feedbackId: string; reason: string }>;
}

/** A row as the first task of the run that accepts it encodes it, or why none does. */
export function encodeThroughTasks(taskSet: TaskSet, feedback: Pick<Feedback, 'input' | 'label' | 'category'>): Example | string {
  let reason = 'no task of the run encodes feedback';
  for (const task of taskSet.tasks.values()) {
    if (!task.encodeRow) continue;
    const r = task.encodeRow(feedback.input, feedback.label, feedback.category ?? 'feedback');
    if (typeof r !== 'string') return r;
    reason = `${task.id}: ${r}`;
  }
  return reason;
}

/** Encodes pooled feedback (admitted when it arrived; a spec changed since may still refuse some). */
export function encodeFeedback(taskSet: TaskSet, items: readonly PoolItem[]): EncodedFeedback {
  const out: EncodedFeedback = { examples: [], skipped: [] };
  for (const { feedback } of items) {
    const r = encodeThroughTasks(taskSet, feedback);
    if (typeof r === 'string') out.skipped.push({ feedbackId: feedback.feedbackId, reason: r });
    else out.examples.push(r);
  }
  return out;
}

/** Waits (polling) until the pool holds the selection's cut, or the time is up; returns what it holds. */
export async function readPoolUpTo(file: string, upToCount: number, waitMs: number): Promise<{ items: PoolItem[]; complete: boolean }> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const { items, newest } = readPoolState(file);
    if (newest >= upToCount) return { items, complete: true };
    if (Date.now() >= deadline) return { items, complete: false };
    await new Promise<void>((r) => setTimeout(r, 100));
  }
}

/** How long an executor waits for the pool to hold a command's cut (the controller writes it before it decides). */
export const FEEDBACK_WAIT_MS = 20_000;
