import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SparseParityTask } from '../../tasks/sparse-parity.ts';
import { buildTaskSet } from '../../tasks/registry.ts';
import { Random } from '../../tasks/random.ts';
import type { Example } from '../../tasks/task.ts';
import type { TaskSpec } from '../../schemas/spec.ts';

const parityOf = (e: Example, k: number) => {
  let p = 0;
  for (let i = 0; i < k; i++) if ((e.input[i] ?? 0) > 0) p ^= 1;
  return p;
};

test('every label is the parity of the first k bits; bits are +-1 up to n and 0 beyond', () => {
  const task = new SparseParityTask('p', { bits: 10, relevant: 3, width: 50 });
  const rng = Random.fromSeed(7);
  let ones = 0;
  for (let i = 0; i < 2000; i++) {
    const e = task.trainingExample(rng);
    assert.equal(e.input.length, 50);
    for (let j = 0; j < 10; j++) assert.ok(e.input[j] === 1 || e.input[j] === -1);
    for (let j = 10; j < 50; j++) assert.equal(e.input[j], 0);
    assert.equal(e.target[0], parityOf(e, 3));
    assert.equal(e.category, `parity-${e.target[0]}`);
    ones += e.target[0] ?? 0;
  }
  // Parity of random bits is balanced.
  assert.ok(Math.abs(ones / 2000 - 0.5) < 0.05, `share of label 1: ${ones / 2000}`);
});

test('a ladder that grows n keeps the same relevant bits and one input width', () => {
  const tasks: TaskSpec[] = [10, 30, 50].map((bits, i) => ({ id: `parity-${bits}`, skill: 'parity', difficulty: i, generator: { kind: 'sparse-parity', bits, relevant: 3 } }));
  const set = buildTaskSet({ seed: 1, tasks, baseDir: '.' });
  assert.deepEqual(set.encoding, { timesteps: 1, features: 50, positions: 1, classes: 2 });
  for (const t of set.tasks.values()) {
    for (const e of t.evaluationSet('heldout', 200, 3)) assert.equal(e.target[0], parityOf(e, 3));
  }
});

test('label noise flips training labels at its rate and never touches held-out labels', () => {
  const task = new SparseParityTask('p', { bits: 20, relevant: 3, width: 20 }, { inputNoise: 0, labelNoise: 0.3, balanceClasses: false });
  const rng = Random.fromSeed(11);
  let flipped = 0;
  const n = 4000;
  for (let i = 0; i < n; i++) {
    const e = task.trainingExample(rng);
    if (e.target[0] !== parityOf(e, 3)) flipped++;
  }
  assert.ok(Math.abs(flipped / n - 0.3) < 0.03, `flip rate ${flipped / n}`);
  for (const e of task.evaluationSet('heldout', 500, 5)) assert.equal(e.target[0], parityOf(e, 3));
});

test('writeTrainingExample writes exactly what trainingExample returns from the same stream', () => {
  const task = new SparseParityTask('p', { bits: 45, relevant: 4, width: 50 }, { inputNoise: 0.1, labelNoise: 0.2, balanceClasses: false });
  const a = Random.fromSeed(5);
  const b = Random.fromSeed(5);
  const x = new Float32Array(3 * 50).fill(9);
  const y = new Int32Array(3);
  for (let i = 0; i < 3; i++) {
    const e = task.trainingExample(a);
    task.writeTrainingExample(b, x, i * 50, y, i);
    assert.deepEqual([...x.subarray(i * 50, (i + 1) * 50)], [...e.input]);
    assert.equal(y[i], e.target[0]);
  }
});

test('evaluation sets are fixed per seed; the hold-out domain makes the silent bits live', () => {
  const task = new SparseParityTask('p', { bits: 10, relevant: 3, width: 30 });
  const one = task.evaluationSet('heldout', 50, 9);
  const two = task.evaluationSet('heldout', 50, 9);
  assert.deepEqual(one.map((e) => [...e.input]), two.map((e) => [...e.input]));
  const wide = task.evaluationSet('holdout-domain', 50, 9);
  assert.ok(wide.every((e) => e.input.every((v) => v === 1 || v === -1)));
  assert.ok(wide.every((e) => e.target[0] === parityOf(e, 3)));
});

test('a feedback row is encoded from its bits, and a wrong-length row is refused with the reason', () => {
  const task = new SparseParityTask('p', { bits: 4, relevant: 2, width: 6 });
  const e = task.encodeRow([1, 0, 1, 1], '1', 'prod');
  assert.ok(typeof e !== 'string');
  assert.deepEqual([...e.input], [1, -1, 1, 1, 0, 0]);
  assert.match(String(task.encodeRow([1, 0], '1', 'prod')), /expects 4 bits, got 2/);
  assert.match(String(task.encodeRow([1, 0, 1, 2], '1', 'prod')), /0\/1 or -1\/\+1/);
  assert.match(String(task.encodeRow([1, 0, 1, 1], 'x', 'prod')), /not 0 or 1/);
});
