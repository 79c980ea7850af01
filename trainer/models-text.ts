// The text-classification model kind: token ids -> embedding -> encoder (a GRU over the
// tokens, or the mean of their embeddings and a dense layer) -> dense head, as logits
// [batch, 1, classes] like every model of the trainer. Only stock Layers are used, so the
// saved model loads with tf.loadLayersModel anywhere. The embedding's gradient needs a
// kernel the wasm backend lacks; trainer/wasm-segment-sum.ts registers it.
import * as tf from '@tensorflow/tfjs';
import { CurriculumError } from '../schemas/errors.ts';
import type { TextClassifierModel } from '../schemas/text.ts';
import type { Encoding } from '../tasks/task.ts';
import { hashSeed } from '../tasks/random.ts';

export function buildTextClassifier(spec: TextClassifierModel, encoding: Encoding, seed: number): tf.LayersModel {
  const { timesteps, features, positions, classes, vocabularySize } = encoding;
  if (vocabularySize === undefined || features !== 1 || positions !== 1) {
    throw new CurriculumError(
      'CUR_CONFIG_INVALID',
      `a text-classifier reads token ids (one feature per timestep, one label): the tasks encode ${timesteps}x${features}->${positions}x${classes}${vocabularySize === undefined ? ' without a tokenizer' : ''}`,
    );
  }
  const seeded = (name: string) => hashSeed(seed, 'text-classifier', name);
  const input = tf.input({ shape: [timesteps, features] });
  const ids = tf.layers.reshape({ targetShape: [timesteps] }).apply(input) as tf.SymbolicTensor;
  const embedded = tf.layers
    .embedding({
      inputDim: vocabularySize,
      outputDim: spec.embeddingDim,
      embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: seeded('embedding') }),
      name: 'token_embedding',
    })
    .apply(ids) as tf.SymbolicTensor;
  let encoded: tf.SymbolicTensor;
  if (spec.encoder === 'gru') {
    encoded = tf.layers
      .gru({
        units: spec.units,
        kernelInitializer: tf.initializers.glorotUniform({ seed: seeded('gru-kernel') }),
        recurrentInitializer: tf.initializers.orthogonal({ seed: seeded('gru-recurrent'), gain: 1 }),
      })
      .apply(embedded) as tf.SymbolicTensor;
  } else {
    const pooled = tf.layers.globalAveragePooling1d().apply(embedded) as tf.SymbolicTensor;
    encoded = tf.layers
      .dense({ units: spec.units, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: seeded('pool-dense') }) })
      .apply(pooled) as tf.SymbolicTensor;
  }
  const logits = tf.layers
    .dense({ units: classes, kernelInitializer: tf.initializers.glorotUniform({ seed: seeded('head') }), name: 'classifier_head' })
    .apply(encoded) as tf.SymbolicTensor;
  const output = tf.layers.reshape({ targetShape: [positions, classes] }).apply(logits) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}
