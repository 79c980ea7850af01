// `curriculum feedback send FILE.jsonl --run RUN_ID`: production feedback onto the feedback topic.
// Every row is validated against the published schema (schemas/json/feedback.event.json's
// payload) before anything is sent, and errors name the line and the field.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FeedbackPayload, type Feedback } from '../schemas/events.ts';
import { makeEvent } from '../schemas/envelope.ts';
import { checkValue, formatFieldError } from '../schemas/validate.ts';
import { CurriculumError } from '../schemas/errors.ts';
import { KafkaBus, kafkaBusConfigFromEnv } from '../transport/kafka/index.ts';
import type { AnyEvent } from '../schemas/events.ts';

const HELP = `usage: curriculum feedback send FILE.jsonl --run RUN_ID

Sends one feedback event per line to the run's feedback topic (Kafka: CURRICULUM_KAFKA_BROKERS).
Each line is a JSON object: {feedbackId, deploymentId, input, prediction, label, category?, source,
severity: low|medium|high|critical, observedAt}. Nothing is sent unless every line is valid.`;

/** Parses and validates a feedback JSONL text; throws one error listing every bad line. */
export function parseFeedbackLines(text: string, label: string): Feedback[] {
  const rows: Feedback[] = [];
  const errors: string[] = [];
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
    if (problems.length > 0) errors.push(...problems.map((p) => formatFieldError(p, `${label}:${i + 1}`)));
    else rows.push(value as Feedback);
  });
  if (errors.length > 0) throw new CurriculumError('CUR_FEEDBACK_INVALID', `${label}: ${errors.length} problem(s)`, errors);
  return rows;
}

export function feedbackEvents(rows: readonly Feedback[], runId: string, producer: string, now: Date): AnyEvent[] {
  return rows.map((payload, sequence) =>
    makeEvent('feedback', { eventId: `feedback:${payload.deploymentId}:${payload.feedbackId}`, runId, producer, sequence, producedAt: now.toISOString() }, payload),
  );
}

export async function feedbackCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { run: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  const [verb, file] = positionals;
  if (values.help || verb !== 'send' || !file || !values.run) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const rows = parseFeedbackLines(readFileSync(file, 'utf8'), file);
  const config = kafkaBusConfigFromEnv(process.env);
  if (!config) throw new CurriculumError('CUR_CONFIG_INVALID', 'set CURRICULUM_KAFKA_BROKERS to send feedback');
  const bus = await KafkaBus.connect(config);
  try {
    await bus.publish(feedbackEvents(rows, values.run, 'curriculum-feedback-cli', new Date()));
  } finally {
    await bus.close();
  }
  console.log(`sent ${rows.length} feedback event(s) for run ${values.run}`);
  return 0;
}
