import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../trainer/backend.ts';
import { buildModel } from '../../trainer/models.ts';
import { buildPretrainedModel } from '../../trainer/pretrained.ts';
import { fileModelWriter, loadLayersModelFile } from '../../trainer/layers-io.ts';
import { buildTaskSet } from '../../tasks/registry.ts';
import type { PretrainedModel } from '../../schemas/spec.ts';
import type { Encoding } from '../../tasks/task.ts';
import { additionTask, silent, tempRoot, testBackend } from './fixtures.ts';

before(async () => {
  await selectBackend(testBackend(), silent);
});

const encoding = buildTaskSet({ seed: 1, tasks: [additionTask('add-1', 1)], baseDir: process.cwd() }).encoding;
const spec = (fields: Partial<PretrainedModel>): PretrainedModel => ({ kind: 'pretrained', path: 'model', head: 'auto', bodyLearningRateFactor: 1, ...fields });
const values = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

/** An MLP saved as the Keras converter writes it: two weight groups, the second in two shards. */
async function savedMlp(dir: string, enc: Encoding): Promise<tf.LayersModel> {
  const model = buildModel({ kind: 'mlp', hidden: [12, 8], activation: 'relu' }, enc, 3);
  await model.save(fileModelWriter(dir));
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }> };
  const all = readFileSync(join(dir, 'weights.bin'));
  const weights = json.weightsManifest[0]!.weights;
  const bytesOf = (w: tf.io.WeightsManifestEntry) => w.shape.reduce((a, b) => a * b, 1) * 4;
  const first = weights.slice(0, 2);
  const split = first.reduce((a, w) => a + bytesOf(w), 0);
  const rest = all.subarray(split);
  const half = Math.floor(rest.length / 8) * 4;
  writeFileSync(join(dir, 'group1-shard1of1.bin'), all.subarray(0, split));
  writeFileSync(join(dir, 'group2-shard1of2.bin'), rest.subarray(0, half));
  writeFileSync(join(dir, 'group2-shard2of2.bin'), rest.subarray(half));
  json.weightsManifest = [
    { paths: ['group1-shard1of1.bin'], weights: first },
    { paths: ['group2-shard1of2.bin', 'group2-shard2of2.bin'], weights: weights.slice(2) },
  ];
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  return model;
}

test('a sharded Layers model loads with its weights, and head: auto keeps a matching logit head', async () => {
  const root = tempRoot();
  const original = await savedMlp(join(root, 'model'), encoding);
  const reloaded = await loadLayersModelFile(join(root, 'model'));
  assert.deepEqual(values(reloaded), values(original));
  const model = await buildPretrainedModel(spec({}), root, encoding, 1);
  assert.deepEqual(values(model), values(original), 'kept head: every weight is the saved one');
  const x = tf.randomUniform([3, encoding.timesteps, encoding.features], 0, 1, 'float32', 5);
  assert.deepEqual(Array.from((model.predict(x) as tf.Tensor).dataSync()), Array.from((original.predict(x) as tf.Tensor).dataSync()));
});

test('a different label set gets a fresh seeded head on the kept body (replace), or one on top (add)', async () => {
  const root = tempRoot();
  const digits: Encoding = { timesteps: encoding.timesteps, features: encoding.features, positions: 1, classes: 3 };
  const original = await savedMlp(join(root, 'model'), encoding);
  const saved = values(original);
  const replaced = await buildPretrainedModel(spec({}), root, digits, 1);
  assert.deepEqual(replaced.outputs[0]!.shape, [null, 1, 3]);
  // Body (flatten, dense 12, dense 8) kept; the old output dense is gone, a new 8 -> 3 dense replaces it.
  assert.deepEqual(values(replaced).slice(0, 4), saved.slice(0, 4));
  assert.deepEqual(replaced.getWeights().slice(4).map((w) => w.shape), [[8, 3], [3]]);
  const again = await buildPretrainedModel(spec({ head: 'replace' }), root, digits, 1);
  assert.deepEqual(values(again), values(replaced), 'the fresh head is a function of the run seed');

  const added = await buildPretrainedModel(spec({ head: 'add' }), root, digits, 1);
  assert.deepEqual(values(added).slice(0, 6), saved, 'add keeps every saved layer');
  assert.deepEqual(added.outputs[0]!.shape, [null, 1, 3]);

  await assert.rejects(buildPretrainedModel(spec({ head: 'keep' }), root, digits, 1), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'CUR_MODEL_FILE');
    assert.match(e.message, new RegExp(`model\\.head: keep.*outputs \\[batch, ${encoding.positions}, ${encoding.classes}\\].*need logits \\[batch, 1, 3\\]`));
    return true;
  });
});

test('an input shape the tasks do not encode is refused, naming model.path and both shapes', async () => {
  const root = tempRoot();
  mkdirSync(join(root, 'model'));
  await savedMlp(join(root, 'model'), { ...encoding, features: encoding.features + 1 });
  await assert.rejects(buildPretrainedModel(spec({}), root, encoding, 1), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'CUR_MODEL_FILE');
    assert.match(e.message, new RegExp(`model\\.path: .*model\\.json: the model reads inputs shaped \\[batch, ${encoding.timesteps}, ${encoding.features + 1}\\], the tasks encode \\[batch, ${encoding.timesteps}, ${encoding.features}\\]`));
    return true;
  });
});

test('a tokenizer whose size is not the pretrained embedding input dim is refused, naming both', async () => {
  const root = tempRoot();
  const text: Encoding = { timesteps: 6, features: 1, positions: 1, classes: 2, vocabularySize: 64 };
  const input = tf.input({ shape: [6, 1] });
  const ids = tf.layers.reshape({ targetShape: [6] }).apply(input) as tf.SymbolicTensor;
  const embedded = tf.layers.embedding({ inputDim: 50, outputDim: 4 }).apply(ids) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling1d().apply(embedded) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 2 }).apply(pooled) as tf.SymbolicTensor;
  await tf.model({ inputs: input, outputs: logits }).save(fileModelWriter(join(root, 'model')));
  await assert.rejects(buildPretrainedModel(spec({}), root, text, 1), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'CUR_MODEL_FILE');
    assert.match(e.message, /^model\.path: .*model\.json: the model's embedding takes 50 token ids, the run's tokenizer has 64; give tokenizer\.vocabularyFile/);
    return true;
  });
  const model = await buildPretrainedModel(spec({}), root, { ...text, vocabularySize: 50 }, 1);
  assert.deepEqual(model.outputs[0]!.shape, [null, 1, 2]);
});
