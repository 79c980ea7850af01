import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { validateCommand } from '../../cli/validate.ts';
import { loadSpecFile } from '../../schemas/spec-loader.ts';
import { modelFileErrors } from '../../schemas/model-files.ts';
import { selectBackend } from '../../trainer/backend.ts';
import { buildModel } from '../../trainer/models.ts';
import { fileModelWriter } from '../../trainer/layers-io.ts';
import { buildTaskSet } from '../../tasks/registry.ts';
import pino from 'pino';

before(async () => {
  await selectBackend('cpu', pino({ level: 'silent' }));
});

const task = { id: 'add-1', skill: 'addition', difficulty: 1, generator: { kind: 'addition' as const, digits: 1, minDigits: 1 } };
const encoding = buildTaskSet({ seed: 1, tasks: [task], baseDir: process.cwd() }).encoding;

function specText(modelPath: string): string {
  return `apiVersion: curriculum/v1
name: fine-tune
model: { kind: pretrained, path: ${modelPath}, unfreeze: { s1: 0 } }
tasks:
  - { id: add-1, skill: addition, difficulty: 1, generator: { kind: addition, digits: 1 } }
stages:
  - id: s1
    tasks: [add-1]
    teacher: { kind: uniform }
    learningRate: { kind: constant, value: 0.01 }
    advance: { gates: [{ metric: accuracy, task: add-1, threshold: 0.9 }] }
    maxSteps: 100
`;
}

/** A directory with spec.yaml naming `base/` and an MLP saved there for the given input features. */
async function workspace(features = encoding.features): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'curriculum-validate-'));
  const model = buildModel({ kind: 'mlp', hidden: [4], activation: 'relu' }, { ...encoding, features }, 1);
  await model.save(fileModelWriter(join(dir, 'base')));
  model.dispose();
  writeFileSync(join(dir, 'spec.yaml'), specText('base'));
  return dir;
}

async function validate(file: string): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(' '));
  try {
    return { code: await validateCommand([file]), out: lines.join('\n') };
  } finally {
    console.log = log;
  }
}

test('a matching pretrained model validates', async () => {
  const dir = await workspace();
  const { code, out } = await validate(join(dir, 'spec.yaml'));
  assert.equal(code, 0, out);
});

test('a model file that does not exist: model.path and the file', async () => {
  const dir = await workspace();
  writeFileSync(join(dir, 'spec.yaml'), specText('nowhere/model.json'));
  const { code, out } = await validate(join(dir, 'spec.yaml'));
  assert.equal(code, 1);
  assert.match(out, new RegExp(`spec\\.yaml: model\\.path: ${join(dir, 'nowhere/model.json')}: no such model file`));
});

test('weights that do not match model.json: a missing shard, or shards of the wrong size', async () => {
  const dir = await workspace();
  const expected = readFileSync(join(dir, 'base/weights.bin')).length;
  truncateSync(join(dir, 'base/weights.bin'), expected - 8);
  let { code, out } = await validate(join(dir, 'spec.yaml'));
  assert.equal(code, 1);
  assert.match(out, new RegExp(`model\\.path: .*base/model\\.json: the weight shards hold ${expected - 8} bytes, the manifest's weights need ${expected}`));
  rmSync(join(dir, 'base/weights.bin'));
  ({ code, out } = await validate(join(dir, 'spec.yaml')));
  assert.equal(code, 1);
  assert.match(out, /model\.path: .*base\/weights\.bin: weight shard named in model\.json does not exist/);
});

test('an input shape the tasks do not encode: the field and both shapes', async () => {
  const dir = await workspace(encoding.features + 2);
  const { code, out } = await validate(join(dir, 'spec.yaml'));
  assert.equal(code, 1);
  const want = `model.path: ${join(dir, 'base/model.json')}: the model's input shape does not match the tasks (found [batch, ${encoding.timesteps}, ${encoding.features + 2}], expected [batch, ${encoding.timesteps}, ${encoding.features}])`;
  assert.ok(out.includes(want), out);
});

test('a tokenizer whose vocabulary is not the pretrained embedding size', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'curriculum-validate-'));
  const input = tf.input({ shape: [encoding.timesteps, encoding.features] });
  const embedded = tf.layers.embedding({ inputDim: 50, outputDim: 4 }).apply(input) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2 }).apply(embedded) as tf.SymbolicTensor });
  await model.save(fileModelWriter(join(dir, 'base')));
  writeFileSync(join(dir, 'spec.yaml'), specText('base'));
  const { spec, baseDir } = loadSpecFile(join(dir, 'spec.yaml'));
  const errors = modelFileErrors(spec, baseDir, () => ({ timesteps: encoding.timesteps, features: encoding.features, vocabularySize: 64 }));
  assert.deepEqual(errors, [
    { path: 'model.path', message: `${join(dir, 'base/model.json')}: the model's embedding takes 50 token ids, the tasks' tokenizer has 64`, found: '50', expected: '64' },
  ]);
  assert.deepEqual(modelFileErrors(spec, baseDir, () => ({ timesteps: encoding.timesteps, features: encoding.features, vocabularySize: 50 })), []);
});

test('an unknown stage in model.unfreeze is a spec error', async () => {
  const dir = await workspace();
  writeFileSync(join(dir, 'spec.yaml'), specText('base').replace('{ s1: 0 }', '{ s9: 0 }'));
  const { code, out } = await validate(join(dir, 'spec.yaml'));
  assert.equal(code, 1);
  assert.match(out, /model\.unfreeze\.s9: unfreeze names a stage the spec does not have \(found "s9", expected one of s1\)/);
});
