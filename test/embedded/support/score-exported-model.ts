// Run as its own process: loads an exported model with nothing but tf.loadLayersModel and the
// files of the model directory, scores it on the run's held-out sets, and prints
// {"taskId": accuracy, ...}. Usage: score-exported-model.ts MODEL_DIR RUN_DIR
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildTaskSet, evaluationSeed } from '../../../tasks/registry.ts';
import type { ResolvedSpec } from '../../../schemas/spec.ts';

const [modelDir, runDir] = process.argv.slice(2) as [string, string];
await tf.setBackend('wasm');

// The README's few lines: model.json + weights.bin -> tf.loadLayersModel.
const json = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8'));
const weights = readFileSync(join(modelDir, 'weights.bin'));
const model = await tf.loadLayersModel(
  tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) }),
);
const { encoding } = JSON.parse(readFileSync(join(modelDir, 'input.json'), 'utf8')) as { encoding: { timesteps: number; features: number; positions: number } };

const spec = JSON.parse(readFileSync(join(runDir, 'spec.resolved.json'), 'utf8')) as ResolvedSpec;
const { specSource } = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as { specSource: string };
const taskSet = buildTaskSet({ seed: spec.seed, tasks: spec.tasks, baseDir: dirname(specSource) });
const accuracy: Record<string, number> = {};
for (const [id, task] of taskSet.tasks) {
  const examples = task.evaluationSet('heldout', spec.evaluation.samplesPerTask, evaluationSeed(spec.seed, id, 'heldout'));
  const x = tf.tensor3d(
    Float32Array.from(examples.flatMap((e) => Array.from(e.input))),
    [examples.length, encoding.timesteps, encoding.features],
  );
  const answers = (tf.argMax(model.predict(x) as tf.Tensor, -1).arraySync() as number[][]);
  const correct = examples.filter((e, i) => answers[i]!.every((c, p) => c === e.target[p])).length;
  accuracy[id] = correct / examples.length;
}
console.log(JSON.stringify(accuracy));
