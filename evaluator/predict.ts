// The model's answers (class per output position), for tools that play "production": a demo that
// records what the deployed model predicted next to the corrected label.
import * as tf from '@tensorflow/tfjs';
import type { Encoding } from '../tasks/task.ts';

export function predictClasses(model: tf.LayersModel, encoding: Encoding, inputs: readonly Float32Array[]): number[][] {
  const { timesteps, features, positions, classes } = encoding;
  const x = new Float32Array(inputs.length * timesteps * features);
  inputs.forEach((input, i) => x.set(input, i * timesteps * features));
  const scores = tf.tidy(() => (model.predict(tf.tensor3d(x, [inputs.length, timesteps, features])) as tf.Tensor).dataSync() as Float32Array);
  return inputs.map((_, i) =>
    [...Array(positions).keys()].map((p) => {
      const base = (i * positions + p) * classes;
      let best = 0;
      for (let c = 1; c < classes; c++) if ((scores[base + c] ?? -Infinity) > (scores[base + best] ?? -Infinity)) best = c;
      return best;
    }),
  );
}
