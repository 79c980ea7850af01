// The producer side: `curriculum feedback send` validates every row against the published schema
// before sending anything; for an embedded run it queues the file in the run's inbox, which the
// runner publishes on its bus (what the controller then refuses or pools:
// feedback-that-cannot-apply-is-refused-at-every-entry.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchesBySize, feedbackCommand, feedbackEvents, parseFeedbackLines } from '../../cli/feedback.ts';
import { CurriculumError } from '../../schemas/errors.ts';
import { checkValue } from '../../schemas/validate.ts';
import { FeedbackPayload, type Feedback } from '../../schemas/events.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { FEEDBACK_INBOX } from '../../embedded/feedback-inbox.ts';
import { startFeedbackRun } from './support/feedback-run.ts';

const good: Feedback = { feedbackId: 'f1', deploymentId: 'prod', input: '1+2', prediction: '4', label: '3', category: 'no-carry', source: 'user', severity: 'low', observedAt: '2026-01-01T00:00:00.000Z' };

test('the published row schema accepts a valid row and the producer names the line and field of every bad one', () => {
  const schema = JSON.parse(readFileSync(join(import.meta.dirname, '../../schemas/json/feedback.payload.json'), 'utf8')) as { required: string[]; 'x-topic': string };
  assert.deepEqual([...schema.required].sort(), ['deploymentId', 'feedbackId', 'input', 'label', 'observedAt', 'prediction', 'severity', 'source']);
  assert.equal(schema['x-topic'], TOPICS.feedback);
  assert.deepEqual(checkValue(FeedbackPayload, good), []);
  const text = [JSON.stringify(good), '{"feedbackId": ', JSON.stringify({ ...good, severity: 'urgent' }), JSON.stringify({ ...good, label: undefined })].join('\n');
  assert.throws(
    () => parseFeedbackLines(text, 'fb.jsonl'),
    (e: unknown) => e instanceof CurriculumError && e.code === 'CUR_FEEDBACK_INVALID' && /fb\.jsonl:2: not JSON/.test(e.details.join('\n')) && /fb\.jsonl:3.*severity/.test(e.details.join('\n')) && /fb\.jsonl:4.*label/.test(e.details.join('\n')),
  );
});

test('send --run-dir queues nothing unless every row is valid, and refuses a directory that is no run', async (t) => {
  const run = await startFeedbackRun();
  t.after(() => run.stop());
  const dir = run.runDir;
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, `${JSON.stringify(good)}\n${JSON.stringify({ ...good, input: 5 })}\n`);
  await assert.rejects(feedbackCommand(['send', bad, '--run-dir', dir]), (e: unknown) => e instanceof CurriculumError && e.code === 'CUR_FEEDBACK_INVALID');
  assert.equal(existsSync(join(dir, FEEDBACK_INBOX)), false);
  const ok = join(dir, 'ok.jsonl');
  writeFileSync(ok, `${JSON.stringify(good)}\n`);
  await assert.rejects(feedbackCommand(['send', ok, '--run-dir', tmpdir()]), (e: unknown) => e instanceof CurriculumError && e.code === 'CUR_RUN_UNKNOWN');
  assert.equal(await feedbackCommand(['send', ok, '--run-dir', dir]), 0);
  assert.equal(readdirSync(join(dir, FEEDBACK_INBOX)).filter((f) => f.endsWith('.jsonl')).length, 1);
});

test('large files are sent in batches under the broker message size', () => {
  const rows = [...Array(300).keys()].map((i) => ({ ...good, feedbackId: `n${i}`, input: Array.from({ length: 784 }, (_, p) => ((p * 7919 + i) % 1000) / 1000) }));
  const events = feedbackEvents(rows, 'run-1', 'test', new Date('2026-01-01T00:00:00Z'));
  const batches = batchesBySize(events, 256 * 1024);
  assert.ok(batches.length > 1);
  assert.deepEqual(batches.flat(), events);
  for (const b of batches) assert.ok(Buffer.byteLength(JSON.stringify(b)) < 300 * 1024);
});
