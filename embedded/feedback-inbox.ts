// Feeding a running embedded run: `curriculum feedback send --run-dir RUN_DIR FILE.jsonl` (or any
// process) drops a JSONL file into RUN_DIR/feedback-inbox/ (written as *.tmp, then renamed to
// *.jsonl, so a half-written file is never read). The embedded runner polls the inbox, publishes
// every line on the feedback topic of its memory bus exactly as the Kafka producer would (the
// bus validates each and dead-letters invalid ones; the controller dead-letters valid rows that
// cannot apply to the run, with the reason), then moves the file to feedback-inbox/done/.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { EventBus } from '../transport/bus.ts';
import { TOPICS } from '../schemas/topics.ts';
import { SCHEMA_VERSION } from '../schemas/events.ts';

export const FEEDBACK_INBOX = 'feedback-inbox';
const POLL_MS = 200;

/** Writes rows into a run's inbox atomically; returns the file name. */
export function dropIntoInbox(runDir: string, text: string, now: Date): string {
  const dir = join(runDir, FEEDBACK_INBOX);
  mkdirSync(dir, { recursive: true });
  const name = `${now.toISOString().replace(/[:.]/g, '')}-${process.pid}-${Math.random().toString(36).slice(2, 8)}.jsonl`;
  writeFileSync(join(dir, `${name}.tmp`), text);
  renameSync(join(dir, `${name}.tmp`), join(dir, name));
  return name;
}

/**
 * The envelope a row travels in; ids derive from the row, so a re-sent row is a duplicate. The
 * producer names the file and line, so a refusal or dead letter points at the row to fix.
 */
export function inboxEnvelope(row: unknown, runId: string, file: string, line: number, sequence: number, now: Date): Buffer {
  const r = typeof row === 'object' && row !== null ? (row as Record<string, unknown>) : {};
  const id = typeof r.feedbackId === 'string' && typeof r.deploymentId === 'string' ? `feedback:${r.deploymentId}:${r.feedbackId}` : `feedback:inbox:${file}:${line}`;
  return Buffer.from(
    JSON.stringify({ eventId: id, runId, type: 'feedback', schemaVersion: SCHEMA_VERSION, producedAt: now.toISOString(), producer: `feedback-inbox ${file}:${line}`, sequence, payload: row }),
  );
}

export interface FeedbackInbox {
  /** Publishes whatever is in the inbox now (tests call it to avoid waiting for the poll). */
  drain(): Promise<number>;
  stop(): Promise<void>;
}

export function watchFeedbackInbox(options: { bus: EventBus; runDir: string; runId: string; logger: Logger; clock: () => Date }): FeedbackInbox {
  const dir = join(options.runDir, FEEDBACK_INBOX);
  const done = join(dir, 'done');
  let sequence = 0;
  let running: Promise<number> = Promise.resolve(0);
  const drainOnce = async (): Promise<number> => {
    if (!existsSync(dir)) return 0;
    let published = 0;
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()) {
      const path = join(dir, name);
      const lines = readFileSync(path, 'utf8').split('\n');
      for (const [i, line] of lines.entries()) {
        if (line.trim() === '') continue;
        let row: unknown;
        try {
          row = JSON.parse(line);
        } catch {
          row = line; // not JSON: published as is, the bus dead-letters it with the reason
          options.logger.warn({ file: name, line: i + 1 }, `feedback inbox ${name}:${i + 1}: not JSON; dead-lettered`);
        }
        const value = typeof row === 'string' && row === line ? Buffer.from(line) : inboxEnvelope(row, options.runId, name, i + 1, sequence, options.clock());
        await options.bus.publishRaw(TOPICS.feedback, options.runId, value);
        sequence += 1;
        published += 1;
      }
      mkdirSync(done, { recursive: true });
      renameSync(path, join(done, name));
      options.logger.info({ file: name, rows: published }, 'feedback inbox file published');
    }
    return published;
  };
  const drain = (): Promise<number> => {
    running = running.then(drainOnce, drainOnce);
    return running;
  };
  const timer = setInterval(() => {
    drain().catch((e: unknown) => options.logger.error({ err: e }, 'feedback inbox failed'));
  }, POLL_MS);
  return {
    drain,
    stop: async () => {
      clearInterval(timer);
      await running.catch(() => 0);
    },
  };
}
