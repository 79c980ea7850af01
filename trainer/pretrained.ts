// A pretrained TF.js Layers model made into the run's model: loaded from disk (trainer/layers-io.ts),
// its input checked against the tasks' encoding, and its head kept, replaced or extended so
// it outputs logits [batch, positions, classes] as every model of the trainer does. A fresh
// head's weights come from seeded initializers, so the run stays a function of its seed.
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { PretrainedModel } from '../schemas/spec.ts';
import { CurriculumError } from '../schemas/errors.ts';
import { hashSeed } from '../tasks/random.ts';
import type { Encoding } from '../tasks/task.ts';
import { showShape } from '../schemas/model-files.ts';
import { loadLayersModelFile, modelJsonPath } from './layers-io.ts';

type Layer = tf.LayersModel['layers'][number];
type HeadMode = Exclude<PretrainedModel['head'], 'auto'>;

const sameShape = (a: readonly (number | null)[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** The file a pretrained spec names, resolved against the spec's directory. */
export function pretrainedModelFile(spec: PretrainedModel, baseDir: string): string {
  return modelJsonPath(resolve(baseDir, spec.path));
}

/** What the trainer feeds a model: [timesteps, features] per example. */
export function inputShapeProblem(inputShape: readonly (number | null)[], encoding: Encoding): string | null {
  const expected = [encoding.timesteps, encoding.features];
  if (sameShape(inputShape.slice(1), expected)) return null;
  return `the model reads inputs shaped ${showShape(inputShape)}, the tasks encode ${showShape([null, ...expected])}`;
}

/** Output shapes (batch dimension dropped) a kept head may have: [P, C], or flat P*C (C when P is 1). */
function outputMatches(shape: readonly (number | null)[], encoding: Encoding): boolean {
  const { positions, classes } = encoding;
  const out = shape.slice(1);
  return sameShape(out, [positions, classes]) || sameShape(out, [positions * classes]);
}

function lastWeightedLayer(model: tf.LayersModel): Layer {
  const layer = [...model.layers].reverse().find((l) => l.weights.length > 0);
  if (!layer) throw new CurriculumError('CUR_MODEL_FILE', `model ${model.name} has no layer with weights`);
  return layer;
}

/** Linear (logit) output: the last weighted layer has no activation, and only reshapes follow it. */
function outputsLogits(model: tf.LayersModel, last: Layer): boolean {
  const after = model.layers.slice(model.layers.indexOf(last) + 1);
  const activation = (last.getConfig() as { activation?: unknown }).activation;
  return (activation === undefined || activation === 'linear') && after.every((l) => l.getClassName() === 'Reshape' || l.getClassName() === 'Flatten');
}

function chooseHead(spec: PretrainedModel, model: tf.LayersModel, encoding: Encoding): HeadMode {
  if (spec.head !== 'auto') return spec.head;
  const output = model.outputs[0]?.shape ?? [];
  return outputMatches(output, encoding) && outputsLogits(model, lastWeightedLayer(model)) ? 'keep' : 'replace';
}

function freshHead(h: tf.SymbolicTensor, encoding: Encoding, seed: number, taken: ReadonlySet<string>): tf.SymbolicTensor {
  const { positions, classes } = encoding;
  let n = 0;
  const name = (what: string) => {
    while (taken.has(`head_${what}_${n}`)) n++;
    return `head_${what}_${n}`;
  };
  const kernelInitializer = tf.initializers.glorotUniform({ seed: hashSeed(seed, 'pretrained-head') });
  if (h.shape.length === 3 && h.shape[1] === positions) {
    const dense = tf.layers.dense({ units: classes, kernelInitializer, name: name('dense') });
    return tf.layers.timeDistributed({ layer: dense, name: name('time_distributed') }).apply(h) as tf.SymbolicTensor;
  }
  const flat = h.shape.length > 2 ? (tf.layers.flatten({ name: name('flatten') }).apply(h) as tf.SymbolicTensor) : h;
  const logits = tf.layers.dense({ units: positions * classes, kernelInitializer, name: name('dense') }).apply(flat) as tf.SymbolicTensor;
  return tf.layers.reshape({ targetShape: [positions, classes], name: name('reshape') }).apply(logits) as tf.SymbolicTensor;
}

/** Loads the pretrained model and fits its head to the tasks. Errors name spec field `model.path` or `model.head`. */
export async function buildPretrainedModel(spec: PretrainedModel, baseDir: string, encoding: Encoding, seed: number): Promise<tf.LayersModel> {
  const file = pretrainedModelFile(spec, baseDir);
  const loaded = await loadLayersModelFile(file);
  try {
    const input = loaded.inputs[0];
    if (loaded.inputs.length !== 1 || loaded.outputs.length !== 1 || !input) {
      throw new CurriculumError('CUR_MODEL_FILE', `model.path: ${file}: a model with one input and one output is needed, it has ${loaded.inputs.length} and ${loaded.outputs.length}`);
    }
    const inputProblem = inputShapeProblem(input.shape, encoding);
    if (inputProblem) throw new CurriculumError('CUR_MODEL_FILE', `model.path: ${file}: ${inputProblem}`);
    const embedding = loaded.layers.find((l) => l.getClassName() === 'Embedding');
    const inputDim = embedding ? (embedding.getConfig() as { inputDim?: unknown }).inputDim : undefined;
    if (encoding.vocabularySize !== undefined && typeof inputDim === 'number' && inputDim !== encoding.vocabularySize) {
      throw new CurriculumError(
        'CUR_MODEL_FILE',
        `model.path: ${file}: the model's embedding takes ${inputDim} token ids, the run's tokenizer has ${encoding.vocabularySize}; give tokenizer.vocabularyFile the tokenizer.json exported with the model`,
      );
    }
    const mode = chooseHead(spec, loaded, encoding);
    const output = loaded.outputs[0] as tf.SymbolicTensor;
    const taken = new Set(loaded.layers.map((l) => l.name));
    let top: tf.SymbolicTensor;
    if (mode === 'keep') {
      if (!outputMatches(output.shape, encoding)) {
        throw new CurriculumError(
          'CUR_MODEL_FILE',
          `model.head: keep, but ${file} outputs ${showShape(output.shape)} and the tasks need logits ${showShape([null, encoding.positions, encoding.classes])}; use head: replace`,
        );
      }
      top = output.shape.length === 3 ? output : (tf.layers.reshape({ targetShape: [encoding.positions, encoding.classes], name: 'head_reshape_keep' }).apply(output) as tf.SymbolicTensor);
    } else if (mode === 'replace') {
      const below = lastWeightedLayer(loaded).input;
      if (Array.isArray(below)) throw new CurriculumError('CUR_MODEL_FILE', `model.head: the last layer of ${file} has several inputs; use head: add`);
      top = freshHead(below, encoding, seed, taken);
    } else {
      top = freshHead(output, encoding, seed, taken);
    }
    if (top === output) return loaded;
    const model = tf.model({ inputs: input, outputs: top, name: `${loaded.name}_finetuned` });
    // The replaced head's weights are in no layer of the new model: free them.
    const kept = new Set(model.layers);
    for (const layer of loaded.layers) if (!kept.has(layer)) for (const w of layer.weights) w.dispose();
    return model;
  } catch (e) {
    loaded.dispose();
    throw e;
  }
}
