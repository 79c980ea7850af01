// The feedback pool: a service-side dataset that records every delivery once (by log offset),
// uses every feedbackId once, keeps a bounded number of lines, survives a restart, and selects
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

test('a repeated feedbackId is recorded as a duplicate and used once; a redelivered offset is not recorded', () => {
  const f = file();
  const pool = new FeedbackPool(f, 100);
  assert.equal(pool.append(row('a'), { partition: 0, offset: '10' }), 'accepted');
  assert.equal(pool.append(row('a'), { partition: 0, offset: '11' }), 'duplicate');
  assert.equal(pool.append(row('a'), { partition: 0, offset: '11' }), 'redelivered');
  assert.equal(pool.append(row('b'), { partition: 0, offset: '9' }), 'redelivered');
  assert.equal(pool.append(row('b'), { partition: 0, offset: '12' }), 'accepted');
  assert.equal(pool.accepted, 3);
  assert.deepEqual(readPool(f).map((i) => [i.seq, i.feedback.feedbackId]), [[1, 'a'], [3, 'b']]);
  // A restarted intake knows the ids and offsets already recorded.
  const reopened = new FeedbackPool(f, 100);
  assert.equal(reopened.accepted, 3);
  assert.equal(reopened.append(row('b'), { partition: 0, offset: '12' }), 'redelivered');
  assert.equal(reopened.append(row('b'), { partition: 0, offset: '13' }), 'duplicate');
  assert.equal(readPoolState(f).newest, 4);
});

test('the pool keeps a bounded number of lines, dropping the oldest', () => {
  const f = file();
  const pool = new FeedbackPool(f, 3);
  for (let i = 0; i < 10; i++) pool.append(row(`r${i}`));
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
