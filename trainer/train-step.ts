// One optimizer step: forward, per-example loss and exact-match, gradients, global-norm
// clipping, update. Everything but the returned numbers is freed before it returns.
import * as tf from '@tensorflow/tfjs';
import type { Encoding } from '../tasks/task.ts';
import { exactMatch, perExampleLoss } from './models.ts';
import { globalNorm } from './optimizer.ts';

export interface StepResult {
  loss: number;
  gradientNorm: number;
  /** Per example. */
  losses: Float32Array;
  correct: Float32Array;
}

export function trainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  encoding: Encoding,
  batch: { x: Float32Array; y: Int32Array },
  batchSize: number,
  clipNorm: number,
): StepResult {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const x = tf.tensor3d(batch.x, [batchSize, encoding.timesteps, encoding.features]);
  const y = tf.tensor2d(batch.y, [batchSize, encoding.positions], 'int32');
  let losses: tf.Tensor1D | undefined;
  let correct: tf.Tensor1D | undefined;
  try {
    const [loss, norm] = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const logits = model.apply(x, { training: true }) as tf.Tensor;
        const perExample = perExampleLoss(logits, y, encoding.classes);
        losses = tf.keep(perExample);
        correct = tf.keep(exactMatch(logits, y));
        return tf.mean(perExample) as tf.Scalar;
      }, vars);
      const names = Object.keys(grads);
      const norm = globalNorm(names.map((n) => grads[n] as tf.Tensor));
      let applied = grads;
      if (clipNorm > 0) {
        const scale = tf.minimum(1, tf.div(clipNorm, tf.add(norm, 1e-12)));
        applied = Object.fromEntries(names.map((n) => [n, tf.mul(grads[n] as tf.Tensor, scale)]));
      }
      optimizer.applyGradients(applied);
      return [value, norm];
    });
    const result = {
      loss: (loss.dataSync() as Float32Array)[0] ?? NaN,
      gradientNorm: (norm.dataSync() as Float32Array)[0] ?? NaN,
      losses: (losses as tf.Tensor1D).dataSync() as Float32Array,
      correct: (correct as tf.Tensor1D).dataSync() as Float32Array,
    };
    loss.dispose();
    norm.dispose();
    return result;
  } finally {
    x.dispose();
    y.dispose();
    losses?.dispose();
    correct?.dispose();
  }
}
