// Models built from the spec. Both output logits of shape [batch, positions, classes]; the
// loss applies a log-softmax, predictions a softmax. Initial weights come from seeded
// initializers so a fresh model is a function of the run seed.
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../schemas/spec.ts';
import type { Encoding } from '../tasks/task.ts';
import { hashSeed } from '../tasks/random.ts';
import { CurriculumError } from '../schemas/errors.ts';
import { buildTextClassifier } from './models-text.ts';

/** Models built from scratch; a pretrained model is loaded by trainer/pretrained.ts. */
export function buildModel(spec: ModelSpec, encoding: Encoding, seed: number): tf.LayersModel {
  if (spec.kind === 'pretrained') throw new CurriculumError('CUR_CONFIG_INVALID', 'a pretrained model is loaded from its files, not built from the spec');
  if (spec.kind === 'text-classifier') return buildTextClassifier(spec, encoding, seed);
  const { timesteps, features, positions, classes } = encoding;
  let layer = 0;
  const init = () => tf.initializers.glorotUniform({ seed: hashSeed(seed, 'kernel', layer++) });
  const input = tf.input({ shape: [timesteps, features] });
  let output: tf.SymbolicTensor;
  if (spec.kind === 'mlp') {
    let h = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
    for (const units of spec.hidden ?? [100, 100]) {
      h = tf.layers.dense({ units, activation: spec.activation ?? 'relu', kernelInitializer: init() }).apply(h) as tf.SymbolicTensor;
    }
    const logits = tf.layers.dense({ units: positions * classes, kernelInitializer: init() }).apply(h) as tf.SymbolicTensor;
    output = tf.layers.reshape({ targetShape: [positions, classes] }).apply(logits) as tf.SymbolicTensor;
  } else {
    const units = spec.units ?? 128;
    const rnn = (returnSequences: boolean) => {
      const options = {
        units,
        returnSequences,
        kernelInitializer: init(),
        recurrentInitializer: quietOrthogonal(hashSeed(seed, 'recurrent', layer++)),
      };
      return (spec.cell ?? 'gru') === 'lstm' ? tf.layers.lstm(options) : tf.layers.gru(options);
    };
    let h: tf.SymbolicTensor;
    if (positions === timesteps) {
      // Aligned sequences (addition): one output per input step.
      h = rnn(true).apply(input) as tf.SymbolicTensor;
    } else {
      // Encoder-decoder: the encoder's final state, repeated, drives a decoder.
      const encoded = rnn(false).apply(input) as tf.SymbolicTensor;
      const repeated = tf.layers.repeatVector({ n: positions }).apply(encoded) as tf.SymbolicTensor;
      h = rnn(true).apply(repeated) as tf.SymbolicTensor;
    }
    output = tf.layers
      .timeDistributed({ layer: tf.layers.dense({ units: classes, kernelInitializer: init() }) })
      .apply(h) as tf.SymbolicTensor;
  }
  return tf.model({ inputs: input, outputs: output });
}

/**
 * TF.js's orthogonal initializer console.warns "Slowness may result" for any matrix over 2000
 * elements, which every GRU of ours is (units x 3·units): it is a one-off QR at build time,
 * and the line leaked into terminals, the live view and CI logs. Its threshold is an instance field.
 */
function quietOrthogonal(seed: number): ReturnType<typeof tf.initializers.orthogonal> {
  const initializer = tf.initializers.orthogonal({ seed, gain: 1 });
  (initializer as unknown as { ELEMENTS_WARN_SLOW: number }).ELEMENTS_WARN_SLOW = Number.POSITIVE_INFINITY;
  return initializer;
}

/** Per-example mean cross-entropy over positions, from logits [B, P, C] and labels [B, P]. */
export function perExampleLoss(logits: tf.Tensor, labels: tf.Tensor, classes: number): tf.Tensor1D {
  return tf.tidy(() => {
    const logProbs = tf.logSoftmax(logits);
    const picked = tf.sum(tf.mul(logProbs, tf.oneHot(labels as tf.Tensor2D, classes)), -1);
    return tf.neg(tf.mean(picked, -1)) as tf.Tensor1D;
  });
}

/** 1 where every position's arg-max equals its label (an exact-match answer), else 0. */
export function exactMatch(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => tf.cast(tf.all(tf.equal(tf.argMax(logits, -1), labels), -1), 'float32') as tf.Tensor1D);
}
