import { test } from 'node:test';
import assert from 'node:assert/strict';
import { continualLearningMetrics } from '../../report/continual-learning.ts';

const close = (actual: number | null, expected: number, message?: string) => {
  assert.ok(actual !== null, `${message ?? 'value'} is null`);
  assert.ok(Math.abs(actual - expected) < 1e-9, `${message ?? 'value'}: ${actual} != ${expected}`);
};

test('ACC, BWT, FWT and forgetting follow their definitions on a ladder of stages', () => {
  // Stage i introduces task i and keeps training the earlier ones (as the addition ladder does).
  const m = continualLearningMetrics({
    tasks: ['a', 'b', 'c'],
    stages: ['s1', 's2', 's3'],
    stageTasks: { s1: ['a'], s2: ['a', 'b'], s3: ['a', 'b', 'c'] },
    matrix: [
      [0.9, 0.1, 0.0],
      [0.95, 0.8, 0.2],
      [0.85, 0.7, 0.75],
    ],
    baseline: { b: 0.05, c: 0.0 },
  });
  close(m.averageAccuracy, (0.85 + 0.7 + 0.75) / 3, 'ACC');
  // a: learned in s1 (0.9) -> 0.85; b: learned in s2 (0.8) -> 0.7
  close(m.backwardTransfer, ((0.85 - 0.9) + (0.7 - 0.8)) / 2, 'BWT');
  // b before s2: 0.1 - 0.05; c before s3: 0.2 - 0
  close(m.forwardTransfer, ((0.1 - 0.05) + 0.2) / 2, 'FWT');
  // a: best of s1..s2 is 0.95 -> 0.85; b: best of s2 is 0.8 -> 0.7
  close(m.forgetting, ((0.95 - 0.85) + (0.8 - 0.7)) / 2, 'forgetting');
  assert.deepEqual(m.stages, ['s1', 's2', 's3']);
});

test('a single stage has no transfer to measure, and unevaluated cells are skipped', () => {
  const one = continualLearningMetrics({ tasks: ['a'], stages: ['s1'], stageTasks: { s1: ['a'] }, matrix: [[0.7]] });
  close(one.averageAccuracy, 0.7);
  assert.equal(one.backwardTransfer, null);
  assert.equal(one.forwardTransfer, null);
  assert.equal(one.forgetting, null);

  const gaps = continualLearningMetrics({
    tasks: ['a', 'b', 'never-trained'],
    stages: ['s1', 's2'],
    stageTasks: { s1: ['a'], s2: ['b'] },
    matrix: [[0.9, null, 0.1], [0.6, null, 0.2]],
    baseline: { a: 0.1 },
  });
  close(gaps.averageAccuracy, 0.6, 'ACC over evaluated tasks that some stage trains');
  assert.equal(gaps.forwardTransfer, null, 'b was not evaluated before its stage');
  close(gaps.backwardTransfer, -0.3, 'BWT of a');
  close(gaps.forgetting, 0.3, 'forgetting of a');

  const padded = continualLearningMetrics({ tasks: ['a', 'b'], stages: ['s1', 's2'], stageTasks: { s1: ['a'], s2: ['b'] }, matrix: [[0.9], [0.6, 0.5]] });
  assert.deepEqual(padded.matrix, [[0.9, null], [0.6, 0.5]], 'rows are padded to the task count');
  assert.equal(padded.forwardTransfer, null, 'no baseline, no forward transfer');
});
