// Production feedback as a task source. The pool of a deployment is a service-side dataset on the
// shared checkpoint storage: <checkpointRoot>/<runId>/feedback/<deploymentId>.jsonl, one line per
// delivered feedback event {seq, partition, offset, feedback | duplicateOf}. seq counts deliveries
// of distinct log offsets from 1 - exactly what the controller core counts (it applies each offset
// once) - so the core can name a cut of the pool (FeedbackSelection.upToCount) without holding a
// single id. A repeated feedbackId is recorded as a duplicate line (counted, never used); a
// redelivered offset is not recorded at all. Commands carry the selection (cut at upToCount,
// newest poolLimit items kept, hold-out by a hash of feedbackId), so trainer and evaluator select
// exactly the same items. Rows are encoded through the run's tasks: a digits vector or an
// addition string becomes the example that task would build, the label a class of its encoding.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Feedback, FeedbackSelection } from '../schemas/events.ts';
import { hashSeed } from './random.ts';
import type { TaskSet } from './registry.ts';
import type { Example } from './task.ts';

export interface PoolItem {
  seq: number;
  feedback: Feedback;
}

/** One line of the pool file. */
interface PoolLine {
  seq: number;
  partition?: number;
  offset?: string;
  feedback?: Feedback;
  duplicateOf?: string;
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
 * Appends delivered feedback: a new feedbackId as an item, a repeated one as a duplicate line, a
 * redelivered log offset not at all. At most `retain` lines stay on disk (oldest dropped, by
 * rewriting the file once it holds twice that many); ids dropped that way are forgotten.
 */
export class FeedbackPool {
  private readonly ids = new Set<string>();
  private readonly lastOffset = new Map<number, bigint>();
  private lastSeq = 0;
  private lines = 0;

  constructor(
    readonly file: string,
    private readonly retain: number,
  ) {
    for (const line of readLines(file)) this.remember(line);
  }

  /** Deliveries recorded so far (the seq of the newest line). */
  get accepted(): number {
    return this.lastSeq;
  }

  /** `position` is the event's place in the log; without one every call is a new delivery. */
  append(feedback: Feedback, position?: { partition: number; offset: string }): 'accepted' | 'duplicate' | 'redelivered' {
    if (position) {
      const last = this.lastOffset.get(position.partition);
      if (last !== undefined && BigInt(position.offset) <= last) return 'redelivered';
    }
    const duplicate = this.ids.has(feedback.feedbackId);
    const line: PoolLine = { seq: this.lastSeq + 1, ...(position ?? {}), ...(duplicate ? { duplicateOf: feedback.feedbackId } : { feedback }) };
    mkdirSync(dirname(this.file), { recursive: true });
    appendFileSync(this.file, `${JSON.stringify(line)}\n`);
    this.remember(line);
    if (this.lines > 2 * this.retain) this.compact();
    return duplicate ? 'duplicate' : 'accepted';
  }

  private remember(line: PoolLine): void {
    this.lastSeq = Math.max(this.lastSeq, line.seq);
    this.lines += 1;
    if (line.feedback) this.ids.add(line.feedback.feedbackId);
    if (line.partition !== undefined && line.offset !== undefined) {
      const offset = BigInt(line.offset);
      const last = this.lastOffset.get(line.partition);
      if (last === undefined || offset > last) this.lastOffset.set(line.partition, offset);
    }
  }

  private compact(): void {
    const kept = readLines(this.file).slice(-this.retain);
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, kept.map((l) => `${JSON.stringify(l)}\n`).join(''));
    renameSync(tmp, this.file);
    this.ids.clear();
    this.lines = 0;
    for (const l of kept) this.remember(l);
  }
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

/** Encodes feedback through the first task of the run that accepts the row. */
export function encodeFeedback(taskSet: TaskSet, items: readonly PoolItem[]): EncodedFeedback {
  const out: EncodedFeedback = { examples: [], skipped: [] };
  for (const { feedback } of items) {
    let reason = 'no task of the run encodes feedback';
    let example: Example | null = null;
    for (const task of taskSet.tasks.values()) {
      if (!task.encodeRow) continue;
      const r = task.encodeRow(feedback.input, feedback.label, feedback.category ?? 'feedback');
      if (typeof r === 'string') reason = `${task.id}: ${r}`;
      else {
        example = r;
        break;
      }
    }
    if (example) out.examples.push(example);
    else out.skipped.push({ feedbackId: feedback.feedbackId, reason });
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

/** How long an executor waits for the feedback intake to catch up with a command's cut. */
export const FEEDBACK_WAIT_MS = 20_000;
