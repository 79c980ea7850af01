// Feedback is checked against the run it is sent to, at every entry: `curriculum feedback send`
// (--run-dir: the run's own spec; --run: the --spec given) refuses the file naming file, line and
// row; a row that reaches the bus anyway (the embedded inbox, any producer) is refused by the
// controller, dead-lettered with the reason and where it came from (the inbox: file and line), and never pooled nor counted. The three ways a
// valid row cannot apply: another deployment, an input no task encodes, a label outside the classes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { feedbackCommand } from '../../cli/feedback.ts';
import { CurriculumError } from '../../schemas/errors.ts';
import { TOPICS, deadLetterTopic } from '../../schemas/topics.ts';
import { DLQ_HEADERS } from '../../transport/bus.ts';
import type { MemoryBus } from '../../transport/memory-bus.ts';
import { FEEDBACK_INBOX, watchFeedbackInbox } from '../../embedded/feedback-inbox.ts';
import { feedbackPoolFile, readPoolState } from '../../tasks/feedback-pool.ts';
import { SPEC_YAML, good, sample, startFeedbackRun, unfit, until } from './support/feedback-run.ts';

const jsonl = (rows: readonly unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

test('send --run-dir refuses rows that cannot apply to the run, naming file, line and row, and queues nothing', async (t) => {
  const run = await startFeedbackRun();
  t.after(() => run.stop());
  const file = join(mkdtempSync(join(tmpdir(), 'fb-')), 'rows.jsonl');
  writeFileSync(file, jsonl([good, ...unfit.map((u) => u.row)]));
  await assert.rejects(feedbackCommand(['send', file, '--run-dir', run.runDir]), (e: unknown) => {
    assert.ok(e instanceof CurriculumError && e.code === 'CUR_FEEDBACK_REFUSED', String(e));
    assert.equal(e.details.length, unfit.length);
    unfit.forEach((u, i) => assert.match(e.details[i] ?? '', new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:${i + 2}: ${u.names.source}`)));
    return true;
  });
  assert.equal(existsSync(join(run.runDir, FEEDBACK_INBOX)), false, 'nothing queued');
  writeFileSync(file, jsonl([good]));
  assert.equal(await feedbackCommand(['send', file, '--run-dir', run.runDir]), 0);
});

test('send --run with --spec refuses the same rows before connecting to any broker', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fb-spec-'));
  writeFileSync(join(dir, 'spec.yaml'), SPEC_YAML);
  const file = join(dir, 'rows.jsonl');
  writeFileSync(file, jsonl([unfit[0]?.row]));
  await assert.rejects(feedbackCommand(['send', file, '--run', 'any', '--spec', join(dir, 'spec.yaml')], {}), (e: unknown) => e instanceof CurriculumError && e.code === 'CUR_FEEDBACK_REFUSED' && /rows\.jsonl:1: feedback "other-dep": deploymentId/.test(e.details.join('\n')));
});

test('rows that reach the bus anyway (the embedded inbox) are dead-lettered by the controller with the reason, never pooled nor counted', async (t) => {
  const run = await startFeedbackRun();
  t.after(() => run.stop());
  mkdirSync(join(run.runDir, FEEDBACK_INBOX));
  // Dropped by hand (not through the checking CLI): one good row, the unfit ones, a schema violation, a non-JSON line.
  writeFileSync(join(run.runDir, FEEDBACK_INBOX, 'hand.jsonl'), [JSON.stringify(good), ...unfit.map((u) => JSON.stringify(u.row)), JSON.stringify({ ...good, feedbackId: 'f2', severity: 'urgent' }), 'not json'].join('\n'));
  const inbox = watchFeedbackInbox({ bus: run.bus, runDir: run.runDir, runId: run.runId, logger: pino({ level: 'silent' }), clock: () => new Date('2026-01-01T00:00:00Z') });
  assert.equal(await inbox.drain(), 3 + unfit.length);
  await inbox.stop();
  const bus = run.bus as MemoryBus;
  const dead = () => bus.messages(deadLetterTopic(TOPICS.feedback));
  await until(() => dead().length === 2 + unfit.length, 'every bad row dead-lettered');
  const refused = dead().filter((m) => m.headers[DLQ_HEADERS.errorCode] === 'CUR_FEEDBACK_REFUSED');
  assert.equal(refused.length, unfit.length);
  unfit.forEach((u, i) => assert.match(refused[i]?.headers[DLQ_HEADERS.reason] ?? '', u.names));
  // Each refusal names the file and line it came from.
  unfit.forEach((_u, i) => assert.match(refused[i]?.headers[DLQ_HEADERS.reason] ?? '', new RegExp(`\\(from feedback-inbox hand\\.jsonl:${i + 2}\\)$`)));
  // The dead letter is the original event, so an operator can fix and replay it.
  assert.equal((JSON.parse(refused[0]?.value.toString() ?? '{}') as { payload: { feedbackId: string } }).payload.feedbackId, 'other-dep');
  assert.deepEqual(dead().filter((m) => m.headers[DLQ_HEADERS.errorCode] !== 'CUR_FEEDBACK_REFUSED').map((m) => m.headers[DLQ_HEADERS.errorCode]).sort(), ['CUR_EVENT_INVALID', 'CUR_EVENT_NOT_JSON']);
  // Never pooled, never counted: the pool and the core hold the one good row.
  await until(async () => (await run.controller.view(run.runId))?.continual?.feedbackTotal === 1, 'the good row counted');
  const pool = readPoolState(feedbackPoolFile(run.checkpointRoot, run.runId, 'prod'));
  assert.deepEqual([pool.items.map((i) => i.feedback.feedbackId), pool.newest], [['f1'], 1]);
  assert.equal(existsSync(feedbackPoolFile(run.checkpointRoot, run.runId, 'staging')), false, 'no pool for the other deployment');
  // The metrics say the same: one accepted, every bad row invalid and dead-lettered.
  assert.equal(await sample(run.registry, 'curriculum_feedback_total', { severity: 'low', outcome: 'accepted' }), 1);
  assert.equal(await sample(run.registry, 'curriculum_dlq_messages_total', { code: 'CUR_FEEDBACK_REFUSED' }), unfit.length);
  assert.equal((await sample(run.registry, 'curriculum_feedback_total', { severity: 'unknown', outcome: 'invalid' })), 2 + unfit.length);
  assert.deepEqual(readdirSync(join(run.runDir, FEEDBACK_INBOX, 'done')), ['hand.jsonl']);
});
