// `curriculum feedback send FILE.jsonl --run RUN_ID`: production feedback onto the feedback topic.
// Every row is validated against the published schema (schemas/json/feedback.event.json's
// payload) before anything is sent, and errors name the line and the field.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { describeFeedbackRow, runFeedbackCheck } from '../tasks/feedback-admission.ts';
import { FileRunStore } from '../store/file-store.ts';
import { restoreSnapshot } from '../controller/core/index.ts';
import { loadSpecFile } from '../schemas/spec-loader.ts';
import { dropIntoInbox, FEEDBACK_INBOX } from '../embedded/feedback-inbox.ts';
import { parseArgs } from 'node:util';
import { FeedbackPayload, type Feedback } from '../schemas/events.ts';
import { makeEvent } from '../schemas/envelope.ts';
import { checkValue, formatFieldError } from '../schemas/validate.ts';
import { CurriculumError } from '../schemas/errors.ts';
import { KafkaBus, kafkaBusConfigFromEnv } from '../transport/kafka/index.ts';
import type { AnyEvent } from '../schemas/events.ts';

const HELP = `usage: curriculum feedback send FILE.jsonl --run RUN_ID [--spec SPEC.yaml]   (distributed: Kafka)
       curriculum feedback send FILE.jsonl --run-dir RUN_DIR                   (a running embedded run)

Sends one feedback event per line to the run's feedback topic (Kafka: CURRICULUM_KAFKA_BROKERS),
or drops the file into RUN_DIR/feedback-inbox/, which a running \`curriculum run\` publishes on its
bus. Each line is a JSON object (schemas/json/feedback.payload.json): {feedbackId, deploymentId,
input, prediction, label, category?, source, severity: low|medium|high|critical, observedAt}.
Every line is also checked against the run: its deployment, and an input and label one of the
run's tasks encodes (--run-dir: the run's own spec; --run: the --spec given, else the controller
refuses such rows on the bus, dead-lettering them with the reason). Nothing is sent unless every
line is valid.`;

/**
 * Parses and validates a feedback JSONL text, and checks each row against the run when a check
 * is given (runFeedbackCheck); throws one error listing every bad line.
 */
export function parseFeedbackLines(text: string, label: string, check?: (row: Feedback) => string | null): Feedback[] {
  const rows: Feedback[] = [];
  const errors: string[] = [];
  const refused: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      errors.push(`${label}:${i + 1}: not JSON: ${(e as Error).message}`);
      return;
    }
    const problems = checkValue(FeedbackPayload, value);
    if (problems.length > 0) {
      errors.push(...problems.map((p) => formatFieldError(p, `${label}:${i + 1}`)));
      return;
    }
    const row = value as Feedback;
    const refusal = check?.(row);
    if (refusal) refused.push(`${label}:${i + 1}: ${describeFeedbackRow(row)}: ${refusal}`);
    else rows.push(row);
  });
  if (errors.length > 0) throw new CurriculumError('CUR_FEEDBACK_INVALID', `${label}: ${errors.length} problem(s)`, [...errors, ...refused]);
  if (refused.length > 0) throw new CurriculumError('CUR_FEEDBACK_REFUSED', `${label}: ${refused.length} row(s) cannot apply to the run`, refused);
  return rows;
}

export function feedbackEvents(rows: readonly Feedback[], runId: string, producer: string, now: Date): AnyEvent[] {
  return rows.map((payload, sequence) =>
    makeEvent('feedback', { eventId: `feedback:${payload.deploymentId}:${payload.feedbackId}`, runId, producer, sequence, producedAt: now.toISOString() }, payload),
  );
}

const PUBLISH_BATCH_BYTES = 256 * 1024;

/** Consecutive groups of events whose JSON stays under `limit` bytes (one oversized event goes alone). */
export function batchesBySize(events: readonly AnyEvent[], limit: number): AnyEvent[][] {
  const batches: AnyEvent[][] = [];
  let current: AnyEvent[] = [];
  let size = 0;
  for (const e of events) {
    const bytes = Buffer.byteLength(JSON.stringify(e));
    if (current.length > 0 && size + bytes > limit) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(e);
    size += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export async function feedbackCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { run: { type: 'string' }, 'run-dir': { type: 'string' }, spec: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [verb, file] = positionals;
  const runDir = values['run-dir'];
  if (values.help || verb !== 'send' || !file || (!values.run && !runDir) || (values.run && runDir)) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  if (runDir && values.spec) {
    console.error('--spec: only with --run (an embedded run is checked against its own spec)');
    return 2;
  }
  if (runDir && !existsSync(join(runDir, 'run.json'))) throw new CurriculumError('CUR_RUN_UNKNOWN', `${runDir} is not an embedded run directory (no run.json)`);
  const check = runDir ? await embeddedRunCheck(runDir) : values.spec ? specFileCheck(values.spec) : undefined;
  const text = readFileSync(file, 'utf8');
  const rows = parseFeedbackLines(text, file, check);
  if (runDir) {
    const name = dropIntoInbox(runDir, rows.map((r) => JSON.stringify(r)).join('\n') + '\n', new Date());
    console.log(`queued ${rows.length} feedback row(s) for ${runDir} (${FEEDBACK_INBOX}/${name})`);
    return 0;
  }
  if (!values.run) return 2;
  const config = kafkaBusConfigFromEnv(env);
  if (!config) throw new CurriculumError('CUR_CONFIG_INVALID', 'set CURRICULUM_KAFKA_BROKERS to send feedback');
  const bus = await KafkaBus.connect(config);
  try {
    // In batches well under the broker's default message.max.bytes (1 MB per record batch): a
    // 784-pixel row is about 5 KB of JSON, and one produce request of a whole file would be refused.
    for (const batch of batchesBySize(feedbackEvents(rows, values.run, 'curriculum-feedback-cli', new Date()), PUBLISH_BATCH_BYTES)) await bus.publish(batch);
  } finally {
    await bus.close();
  }
  console.log(`sent ${rows.length} feedback event(s) for run ${values.run}`);
  return 0;
}

/** The check of an embedded run: the spec and base directory its controller holds. */
async function embeddedRunCheck(runDir: string): Promise<(row: Feedback) => string | null> {
  const dir = resolve(runDir);
  const stored = await new FileRunStore(dirname(dir)).load(basename(dir));
  const core = (stored?.snapshot as { core?: unknown } | undefined)?.core;
  if (!core) throw new CurriculumError('CUR_RUN_UNKNOWN', `${runDir} holds no controller state yet (is the run started?)`);
  const snapshot = restoreSnapshot(core);
  return runFeedbackCheck(snapshot.spec, snapshot.baseDir);
}

function specFileCheck(file: string): (row: Feedback) => string | null {
  const { spec, source } = loadSpecFile(file);
  return runFeedbackCheck(spec, dirname(resolve(source)));
}
