// Per-task figures are read back once per window (and every FLUSH_STEPS steps of a long one)
// instead of every step: the sums must equal a step-by-step float64 sum, nothing may leak, and
// a non-finite gradient norm must still name its step.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { isCurriculumError } from '../../schemas/errors.ts';
import { selectBackend } from '../../trainer/backend.ts';
import { FLUSH_STEPS, WindowMetrics } from '../../trainer/step-metrics.ts';
import { Random } from '../../tasks/random.ts';
import { silent, testBackend } from './fixtures.ts';

before(async () => {
  await selectBackend(testBackend(), silent);
});

test('window figures equal a step-by-step sum over a window longer than FLUSH_STEPS, with no tensor left behind', () => {
  const rng = Random.fromSeed(5);
  const tensorsBefore = tf.memory().numTensors;
  const window = new WindowMetrics('lesson');
  const expected = new Map<string, { loss: number; correct: number; samples: number }>();
  let normSum = 0;
  let normCount = 0;
  const steps = FLUSH_STEPS * 2 + 5;
  for (let step = 1; step <= steps; step++) {
    const taskOf = Array.from({ length: 6 }, () => (rng.next() < 0.3 ? 'a' : 'b'));
    const losses = Float32Array.from(taskOf, () => rng.next() * 3);
    const correct = Float32Array.from(taskOf, () => (rng.next() < 0.5 ? 1 : 0));
    const measured = step % 3 === 0;
    const norm = Math.fround(rng.next() * 2);
    taskOf.forEach((task, k) => {
      const e = expected.get(task) ?? { loss: 0, correct: 0, samples: 0 };
      e.loss += losses[k] ?? 0;
      e.correct += correct[k] ?? 0;
      e.samples += 1;
      expected.set(task, e);
    });
    if (measured) {
      normSum += norm;
      normCount += 1;
    }
    window.add(step, taskOf, { losses: tf.tensor1d(losses), correct: tf.tensor1d(correct), gradientNorm: measured ? tf.scalar(norm) : undefined });
    assert.ok(tf.memory().numTensors - tensorsBefore <= 3 * FLUSH_STEPS, 'pending tensors stay bounded');
  }
  const figures = window.take();
  assert.equal(tf.memory().numTensors, tensorsBefore);
  assert.deepEqual(
    figures.tasks,
    Object.fromEntries([...expected].map(([task, e]) => [task, { loss: e.loss / e.samples, accuracy: e.correct / e.samples, samples: e.samples }])),
  );
  assert.equal(figures.gradientNorm, normSum / normCount);
  assert.deepEqual(window.take(), { tasks: {}, gradientNorm: 0 }, 'the next window starts empty');
});

test('a non-finite gradient norm fails the window at its step; dispose frees what is pending', () => {
  const tensorsBefore = tf.memory().numTensors;
  const window = new WindowMetrics('lesson-x');
  const step = (s: number, norm: number | undefined) =>
    window.add(s, ['a'], { losses: tf.tensor1d([1]), correct: tf.tensor1d([0]), gradientNorm: norm === undefined ? undefined : tf.scalar(norm) });
  step(1, 1);
  step(2, undefined);
  step(3, Number.NaN);
  step(4, 2);
  assert.throws(
    () => window.take(),
    (e: unknown) => isCurriculumError(e) && e.code === 'CUR_TRAINING_NAN' && /at step 3/.test(e.message) && /lesson-x/.test(e.message),
  );
  assert.equal(tf.memory().numTensors, tensorsBefore);
  step(5, 1);
  window.dispose();
  assert.equal(tf.memory().numTensors, tensorsBefore);
});
