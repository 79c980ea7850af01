// Optimizers from the spec, with a learning rate that the lesson loop sets every step.
import * as tf from '@tensorflow/tfjs';

export type OptimizerKind = 'adam' | 'sgd' | 'rmsprop';

export function buildOptimizer(kind: OptimizerKind, learningRate: number): tf.Optimizer {
  switch (kind) {
    case 'adam':
      return tf.train.adam(learningRate);
    case 'sgd':
      return tf.train.sgd(learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate);
  }
}

/**
 * tfjs optimizers read `learningRate` at every applyGradients; SGD caches it in a tensor and
 * exposes setLearningRate for that. The others keep it in a plain (protected) field.
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  // Not instanceof: tfjs optimizers override Symbol.hasInstance to accept any optimizer.
  const withSetter = optimizer as unknown as { setLearningRate?: unknown; learningRate: number };
  if (typeof withSetter.setLearningRate === 'function') (optimizer as tf.SGDOptimizer).setLearningRate(learningRate);
  else withSetter.learningRate = learningRate;
}

/** Global L2 norm of gradients (before clipping). */
export function globalNorm(grads: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))) as tf.Scalar);
}
