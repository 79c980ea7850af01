// The feedback pool: a service-side dataset that records every delivery once (by log offset),
// uses every feedbackId and every content (input, label, category) once over its whole history, keeps a bounded number of lines, survives a restart, and selects
// the same training and hold-out items for every executor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Feedback } from '../../schemas/events.ts';
import { FeedbackPool, encodeFeedback, isFeedbackHoldout, readPool, readPoolState, selectFeedback } from '../../tasks/feedback-pool.ts';
import { buildTaskSet } from '../../tasks/registry.ts';

const row = (id: string, extra: Partial<Feedback> = {}): Feedback => ({
  feedbackId: id,
  deploymentId: 'prod',
  input: '12+34',
  prediction: '45',
  label: '46',
  source: 'user',
  severity: 'high',
  observedAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});
const file = () => join(mkdtempSync(join(tmpdir(), 'curriculum-pool-')), 'feedback', 'prod.jsonl');

const verdict = (v: { seq: number; repeatOf?: { feedbackId: string; by: string }; redelivered: boolean }) => [v.seq, v.repeatOf ? `${v.repeatOf.by}:${v.repeatOf.feedbackId}` : 'new', v.redelivered ? 'redelivered' : 'delivered'];

test('a repeated feedbackId is recorded as a duplicate and used once; a redelivered offset returns its recorded verdict', () => {
  const f = file();
  const pool = new FeedbackPool(f, 100);
  assert.deepEqual(verdict(pool.append(row('a'), { partition: 0, offset: '10' })), [1, 'new', 'delivered']);
  assert.deepEqual(verdict(pool.append(row('a'), { partition: 0, offset: '11' })), [2, 'id:a', 'delivered']);
  assert.deepEqual(verdict(pool.append(row('a'), { partition: 0, offset: '11' })), [2, 'id:a', 'redelivered']);
  assert.deepEqual(verdict(pool.append(row('b', { input: '1+1' }), { partition: 0, offset: '10' })), [1, 'new', 'redelivered']);
  assert.deepEqual(verdict(pool.append(row('b', { input: '1+1' }), { partition: 0, offset: '12' })), [3, 'new', 'delivered']);
  assert.equal(pool.accepted, 3);
  assert.deepEqual(readPool(f).map((i) => [i.seq, i.feedback.feedbackId]), [[1, 'a'], [3, 'b']]);
  // A restarted pool knows the ids, contents and offsets already recorded.
  const reopened = new FeedbackPool(f, 100);
  assert.equal(reopened.accepted, 3);
  assert.deepEqual(verdict(reopened.append(row('b', { input: '1+1' }), { partition: 0, offset: '12' })), [3, 'new', 'redelivered']);
  assert.deepEqual(verdict(reopened.append(row('b'), { partition: 0, offset: '13' })), [4, 'id:b', 'delivered']);
  assert.equal(readPoolState(f).newest, 4);
});

test('the same content under a new feedbackId is a repeat of the first, and repeats are recognised however old, across compaction and restarts', () => {
  const f = file();
  const pool = new FeedbackPool(f, 3);
  assert.deepEqual(verdict(pool.append(row('first'))), [1, 'new', 'delivered']);
  assert.deepEqual(verdict(pool.append(row('copy'))), [2, 'content:first', 'delivered']);
  assert.deepEqual(verdict(pool.append(row('other-category', { category: 'carry' }))), [3, 'new', 'delivered']);
  for (let i = 0; i < 20; i++) pool.append(row(`r${i}`, { input: `${i}+${i}` }));
  assert.ok(!readPool(f).some((i) => i.feedback.feedbackId === 'first'), 'the original was compacted away');
  assert.deepEqual(verdict(pool.append(row('first', { input: '9+9' }))), [24, 'id:first', 'delivered']);
  const reopened = new FeedbackPool(f, 3);
  assert.deepEqual(verdict(reopened.append(row('late-copy'))), [25, 'content:first', 'delivered']);
  assert.deepEqual(verdict(reopened.append(row('r0', { input: 'new' }))), [26, 'id:r0', 'delivered']);
});

test('the pool keeps a bounded number of lines, dropping the oldest', () => {
  const f = file();
  const pool = new FeedbackPool(f, 3);
  for (let i = 0; i < 10; i++) pool.append(row(`r${i}`, { input: `${i}+1` }));
  const lines = readFileSync(f, 'utf8').trim().split('\n').length;
  assert.ok(lines <= 6, `${lines} lines`);
  const items = readPool(f);
  assert.equal(items.at(-1)?.feedback.feedbackId, 'r9');
  assert.ok(!items.some((i) => i.feedback.feedbackId === 'r0'));
  assert.equal(pool.accepted, 10, 'positions keep counting across compaction');
});

test('a selection cuts at upToCount, keeps the newest poolLimit and splits the hold-out by id, the same way every time', () => {
  const items = [...Array(400).keys()].map((i) => ({ seq: i + 1, feedback: row(`id-${i}`) }));
  const selection = { deploymentId: 'prod', upToCount: 300, poolLimit: 250, holdoutFraction: 0.25 };
  const a = selectFeedback(items, selection);
  const b = selectFeedback([...items].reverse(), selection);
  assert.deepEqual(a, b);
  const all = [...a.train, ...a.holdout].map((i) => i.seq).sort((x, y) => x - y);
  assert.deepEqual([all.length, all[0], all.at(-1)], [250, 51, 300]);
  assert.ok(a.holdout.length > 40 && a.holdout.length < 85, `${a.holdout.length} of 250 held out`);
  for (const i of a.holdout) assert.ok(isFeedbackHoldout(i.feedback.feedbackId, 0.25));
  assert.deepEqual(selectFeedback(items, { ...selection, deploymentId: 'other' }), { train: [], holdout: [] });
});

test('rows encode through the run tasks, and rows no task accepts are skipped with the reason', () => {
  const additionSet = buildTaskSet({ seed: 1, baseDir: '.', tasks: [{ id: 'add', skill: 's', difficulty: 1, generator: { kind: 'addition', digits: 2, minDigits: 1 } }] });
  const sum = encodeFeedback(additionSet, [{ seq: 1, feedback: row('ok') }, { seq: 2, feedback: row('bad-label', { label: 'forty-six' }) }, { seq: 3, feedback: row('vector', { input: [1, 2, 3] }) }]);
  assert.equal(sum.examples.length, 1);
  assert.deepEqual(Array.from(sum.examples[0]?.target ?? []).slice(0, 2), [6, 4], 'the label (46), least significant digit first');
  assert.deepEqual(sum.skipped.map((s) => s.feedbackId), ['bad-label', 'vector']);
  assert.match(sum.skipped[0]?.reason ?? '', /not a number/);
  const digitsSet = buildTaskSet({ seed: 1, baseDir: '.', tasks: [{ id: 'd', skill: 's', difficulty: 1, generator: { kind: 'permuted-digits', permutation: 0, trainExamples: 100 } }] });
  const digits = encodeFeedback(digitsSet, [
    { seq: 1, feedback: row('pixels', { input: Array(784).fill(0.5), label: '7' }) },
    { seq: 2, feedback: row('short', { input: Array(10).fill(0), label: '7' }) },
    { seq: 3, feedback: row('class', { input: Array(784).fill(0), label: '12' }) },
  ]);
  assert.deepEqual([digits.examples.length, digits.examples[0]?.target[0], digits.examples[0]?.category], [1, 7, 'feedback']);
  assert.deepEqual(digits.skipped.map((s) => s.reason), ['d: expects 784 pixels, got 10', 'd: label "12" is not a digit 0-9']);
});
