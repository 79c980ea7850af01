// One optimizer step: forward, per-example loss and exact-match, gradients, global-norm
// clipping, update. Only the mean loss is read back (every training loop reads it, and the
// trainer stops at the step it turns NaN); the per-example figures and the gradient norm stay
// on the backend for the trainer to read back once per metrics window (trainer/step-metrics.ts),
// so a step costs one sync, as a bare loop's does.
import * as tf from '@tensorflow/tfjs';
import type { Encoding } from '../tasks/task.ts';
import { exactMatch, perExampleLoss } from './models.ts';
import { globalNorm } from './optimizer.ts';

export interface StepOptions {
  /** Clip the global gradient norm to this (0 disables clipping). */
  clipNorm: number;
  /** Compute the global gradient norm even when clipping is off (it costs a reduction per weight). */
  measureNorm: boolean;
}

export interface StepResult {
  loss: number;
  /** Per-example loss and exact match (1 or 0), [batch] each; the caller disposes them. */
  losses: tf.Tensor1D;
  correct: tf.Tensor1D;
  /** Global gradient norm before clipping, when clipping or `measureNorm` asked for it; the caller disposes it. */
  gradientNorm: tf.Scalar | undefined;
}

export function trainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  encoding: Encoding,
  batch: { x: Float32Array; y: Int32Array },
  batchSize: number,
  options: StepOptions,
): StepResult {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const x = tf.tensor3d(batch.x, [batchSize, encoding.timesteps, encoding.features]);
  const y = tf.tensor2d(batch.y, [batchSize, encoding.positions], 'int32');
  let losses: tf.Tensor1D | undefined;
  let correct: tf.Tensor1D | undefined;
  let norm: tf.Scalar | undefined;
  try {
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const logits = model.apply(x, { training: true }) as tf.Tensor;
        const perExample = perExampleLoss(logits, y, encoding.classes);
        losses = tf.keep(perExample);
        correct = tf.keep(exactMatch(logits, y));
        return tf.mean(perExample) as tf.Scalar;
      }, vars);
      const names = Object.keys(grads);
      let applied = grads;
      if (options.clipNorm > 0 || options.measureNorm) {
        norm = tf.keep(globalNorm(names.map((n) => grads[n] as tf.Tensor)));
        if (options.clipNorm > 0) {
          const scale = tf.minimum(1, tf.div(options.clipNorm, tf.add(norm, 1e-12)));
          applied = Object.fromEntries(names.map((n) => [n, tf.mul(grads[n] as tf.Tensor, scale)]));
        }
      }
      optimizer.applyGradients(applied);
      return value;
    });
    const value = (loss.dataSync() as Float32Array)[0] ?? NaN;
    loss.dispose();
    const result = { loss: value, losses: losses as tf.Tensor1D, correct: correct as tf.Tensor1D, gradientNorm: norm };
    // Handed over: the finally below must not dispose them.
    losses = undefined;
    correct = undefined;
    norm = undefined;
    return result;
  } finally {
    x.dispose();
    y.dispose();
    losses?.dispose();
    correct?.dispose();
    norm?.dispose();
  }
}
