// Checkpoints on disk: <root>/<runId>/<checkpointId>/ holding model.json (topology, weight
// manifest and our metadata), weights.bin (raw float32, so a reload is bit-identical),
// optimizer.json (optimizer slots) and sampler.json (the batch sampler's random state).
// A checkpoint is written into a temporary directory and renamed into place, so a directory
// that exists is complete: the trainer's duplicate check relies on that.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { CurriculumError } from '../schemas/errors.ts';
import type { RandomState } from '../tasks/random.ts';
import { fileModelReader, fileModelWriter } from './layers-io.ts';

type NamedTensor = Awaited<ReturnType<tf.Optimizer['getWeights']>>[number];

export const CheckpointMeta = Type.Object({
  checkpointId: Type.String(),
  parentCheckpointId: Type.Union([Type.String(), Type.Null()]),
  runId: Type.String(),
  lessonId: Type.String(),
  commandId: Type.String(),
  branch: Type.Integer(),
  step: Type.Integer(),
  lessonComplete: Type.Boolean(),
  optimizer: Type.Union([Type.Literal('adam'), Type.Literal('sgd'), Type.Literal('rmsprop')]),
  encoding: Type.Object({
    timesteps: Type.Integer(),
    features: Type.Integer(),
    positions: Type.Integer(),
    classes: Type.Integer(),
    vocabularySize: Type.Optional(Type.Integer({ minimum: 1 })),
  }),
  /** Pretrained models: the body's share of the learning rate; absent for models trained from scratch. */
  bodyLearningRateFactor: Type.Optional(Type.Number()),
});
export type CheckpointMeta = Static<typeof CheckpointMeta>;

export interface SamplerState {
  samplerSeed: number;
  lessonStep: number;
  random: RandomState;
}

interface SavedTensor {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  /** base64 of the raw little-endian values. */
  data: string;
}

/** Checkpoint ids become directory names: keep them to a safe alphabet. */
export function checkpointIdFor(lessonId: string, step: number): string {
  return `${lessonId.replace(/[^A-Za-z0-9._-]/g, '_')}.step-${step}`;
}

/** Directory of a checkpoint; an absolute path names an external checkpoint (fine-tuning). */
export function checkpointDir(root: string, runId: string, checkpointId: string): string {
  if (isAbsolute(checkpointId)) return checkpointId;
  if (checkpointId.includes('/') || checkpointId.includes('\\') || checkpointId.startsWith('..')) {
    throw new CurriculumError('CUR_CHECKPOINT_MISSING', `checkpoint id "${checkpointId}" is not a plain name`);
  }
  return join(root, runId.replace(/[^A-Za-z0-9._-]/g, '_'), checkpointId);
}

export function checkpointExists(dir: string): boolean {
  return existsSync(join(dir, 'model.json'));
}

async function serialiseTensors(named: NamedTensor[]): Promise<SavedTensor[]> {
  const out: SavedTensor[] = [];
  for (const { name, tensor } of named) {
    const values = await tensor.data();
    out.push({
      name,
      shape: tensor.shape,
      dtype: tensor.dtype === 'int32' ? 'int32' : 'float32',
      data: Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64'),
    });
  }
  return out;
}

export async function saveCheckpoint(
  dir: string,
  meta: CheckpointMeta,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  sampler: SamplerState,
): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await model.save(fileModelWriter(tmp, { curriculum: meta }));
  const slots = await optimizer.getWeights();
  writeFileSync(join(tmp, 'optimizer.json'), JSON.stringify({ kind: meta.optimizer, weights: await serialiseTensors(slots) }));
  // getWeights() makes fresh scalars for iteration counts (one per optimizer of a head/body
  // pair); the other slots are the optimizer's live variables.
  for (const { tensor } of slots) if (!(tensor instanceof tf.Variable)) tensor.dispose();
  writeFileSync(join(tmp, 'sampler.json'), JSON.stringify(sampler));
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}

interface ModelJson {
  modelTopology: object;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  curriculum: CheckpointMeta;
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function readModelJson(dir: string): ModelJson {
  if (!checkpointExists(dir)) throw new CurriculumError('CUR_CHECKPOINT_MISSING', `no checkpoint at ${dir}`);
  const value = readJson(join(dir, 'model.json')) as Partial<ModelJson>;
  if (typeof value.modelTopology !== 'object' || !Array.isArray(value.weightsManifest) || !Value.Check(CheckpointMeta, value.curriculum)) {
    throw new CurriculumError('CUR_CHECKPOINT_MISSING', `${join(dir, 'model.json')} is not a curriculum checkpoint`);
  }
  return value as ModelJson;
}

export function readCheckpointMeta(dir: string): CheckpointMeta {
  return readModelJson(dir).curriculum;
}

export async function loadCheckpointModel(dir: string): Promise<{ model: tf.LayersModel; meta: CheckpointMeta }> {
  const json = readModelJson(dir);
  const model = await tf.loadLayersModel(fileModelReader(dir));
  return { model, meta: json.curriculum };
}

/** Restores optimizer slots saved with the checkpoint (Adam moments, RMSProp accumulators). */
export async function loadOptimizerState(dir: string, optimizer: tf.Optimizer): Promise<void> {
  const file = join(dir, 'optimizer.json');
  if (!existsSync(file)) return;
  const saved = readJson(file) as { weights?: SavedTensor[] };
  const named: NamedTensor[] = (saved.weights ?? []).map((w) => {
    const bytes = Buffer.from(w.data, 'base64');
    const copy = new Uint8Array(bytes).buffer;
    const values = w.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy);
    return { name: w.name, tensor: tf.tensor(values, w.shape, w.dtype) };
  });
  if (named.length === 0) return;
  await optimizer.setWeights(named);
  for (const { tensor } of named) tensor.dispose();
}

export function readSamplerState(dir: string): SamplerState | undefined {
  const file = join(dir, 'sampler.json');
  return existsSync(file) ? (readJson(file) as SamplerState) : undefined;
}
