import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../trainer/backend.ts';
import { additionTask, digitsTask, harness, lessonCommand, runConfig, silent, testBackend } from './fixtures.ts';

before(async () => {
  await selectBackend(testBackend(), silent);
});

for (const [name, run] of [
  ['seq2seq gru on addition', runConfig({ model: { kind: 'seq2seq', cell: 'gru', units: 16 }, batchSize: 8, tasks: [additionTask('add-1', 1), additionTask('add-2', 2)] })],
  ['mlp on permuted digits (sgd, clipping)', runConfig({ model: { kind: 'mlp', hidden: [16], activation: 'relu' }, optimizer: { kind: 'sgd', gradientClipNorm: 0.5 }, batchSize: 8, tasks: [digitsTask('d0', 0, 100)] })],
  // Without clipping only the publishing step measures the gradient norm: a different set of tensors per step.
  ['mlp on permuted digits (adam, no clipping)', runConfig({ model: { kind: 'mlp', hidden: [16], activation: 'relu' }, optimizer: { kind: 'adam', gradientClipNorm: 0 }, batchSize: 8, tasks: [digitsTask('d0', 0, 100), digitsTask('d1', 1, 100)] })],
] as const) {
  test(`tf.memory().numTensors stays flat over 200 steps (${name})`, async () => {
    const counts: number[] = [];
    const h = harness(undefined, (e) => {
      if (e.type === 'trainer.metrics') counts.push(tf.memory().numTensors);
    });
    const weights = Object.fromEntries(run.tasks.map((t) => [t.id, 1 / run.tasks.length]));
    // A first lesson warms up lazily created optimizer slots; the second one is measured.
    await h.trainer.handle(lessonCommand('flat', run, { lessonId: 'warm', steps: 5, metricsEvery: 5, taskWeights: weights }));
    const measuredFrom = counts.length;
    await h.trainer.handle(
      lessonCommand('flat', run, { lessonId: 'long', startStep: 5, steps: 200, metricsEvery: 10, checkpointEvery: 50, fromCheckpointId: 'warm.step-5', taskWeights: weights, learningRate: { kind: 'cosine', max: 0.01, min: 0.001, periodSteps: 30, periodMultiplier: 1, warmupSteps: 5 } }),
    );
    const measured = counts.slice(measuredFrom);
    assert.equal(measured.length, 20);
    assert.deepEqual(measured, measured.map(() => counts[measuredFrom - 1]), `counts over the lesson: ${measured.join(',')}`);
    assert.equal(h.of('service.error').length, 0);
    h.trainer.dispose();
  });
}
