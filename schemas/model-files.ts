// The files of a TF.js Layers model, read as data: model.json (its topology and weights manifest)
// and the weight shards beside it. `curriculum validate` checks a pretrained model with these
// before anything trains (the file exists, the shards hold what the manifest needs, the input
// shape fits the tasks); the trainer's IOHandlers (trainer/layers-io.ts) read through them too.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CurriculumError, isCurriculumError } from './errors.ts';
import type { ResolvedSpec } from './spec.ts';
import type { FieldError } from './validate.ts';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** model.json as written by TF.js and the Keras converter (the fields this code reads). */
export interface LayersModelJson {
  format?: string;
  modelTopology: object;
  weightsManifest: Array<{ paths: string[]; weights: WeightEntry[] }>;
  [extra: string]: unknown;
}

/** One entry of a weights manifest (tf.io.WeightsManifestEntry, the fields checked here). */
export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string };
}

/** The model.json a path names: the file itself, or model.json inside a directory. */
export function modelJsonPath(path: string): string {
  const absolute = resolve(path);
  return existsSync(absolute) && statSync(absolute).isDirectory() ? join(absolute, MODEL_JSON) : absolute;
}

/** Reads and shape-checks model.json; a missing or malformed file is a CUR_MODEL_FILE error naming it. */
export function readLayersModelJson(path: string): LayersModelJson {
  const file = modelJsonPath(path);
  if (!existsSync(file)) throw new CurriculumError('CUR_MODEL_FILE', `${file}: no such model file`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CurriculumError('CUR_MODEL_FILE', `${file}: not valid JSON (${(e as Error).message})`);
  }
  const json = value as Partial<LayersModelJson> | null;
  if (typeof json !== 'object' || json === null || typeof json.modelTopology !== 'object' || json.modelTopology === null) {
    throw new CurriculumError('CUR_MODEL_FILE', `${file}: not a TF.js Layers model (no modelTopology)`);
  }
  const manifest = json.weightsManifest ?? [];
  if (!Array.isArray(manifest) || !manifest.every((g) => Array.isArray(g?.paths) && Array.isArray(g?.weights))) {
    throw new CurriculumError('CUR_MODEL_FILE', `${file}: weightsManifest is not a list of {paths, weights} groups`);
  }
  return { ...json, modelTopology: json.modelTopology, weightsManifest: manifest };
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, float16: 2 };

/** Bytes the manifest's weights take (quantized entries count at their stored width). */
export function manifestBytes(json: LayersModelJson): number {
  let total = 0;
  for (const group of json.weightsManifest) {
    for (const w of group.weights) {
      const dtype = w.quantization?.dtype ?? w.dtype;
      total += w.shape.reduce((a, b) => a * b, 1) * (DTYPE_BYTES[dtype] ?? 4);
    }
  }
  return total;
}

/**
 * Every problem of the weight files against model.json: a shard that is missing, or shards whose
 * total size is not what the manifest's shapes need. Empty when they match.
 */
export function weightFileProblems(path: string, json: LayersModelJson): string[] {
  const dir = dirname(modelJsonPath(path));
  const problems: string[] = [];
  let bytes = 0;
  for (const group of json.weightsManifest) {
    for (const shard of group.paths) {
      const file = join(dir, shard);
      if (!existsSync(file)) problems.push(`${file}: weight shard named in model.json does not exist`);
      else bytes += statSync(file).size;
    }
  }
  const expected = manifestBytes(json);
  if (problems.length === 0 && bytes !== expected) {
    problems.push(`${join(dir, MODEL_JSON)}: the weight shards hold ${bytes} bytes, the manifest's weights need ${expected}`);
  }
  return problems;
}


/** What the tasks feed a model (the trainer's Encoding, without depending on tasks/). */
export interface TaskInput {
  timesteps: number;
  features: number;
  /** Token vocabulary of a text task's tokenizer, when its inputs are token ids. */
  vocabularySize?: number;
}

interface LayerJson {
  class_name?: string;
  name?: string;
  config?: { name?: string; batch_input_shape?: (number | null)[]; batch_shape?: (number | null)[]; input_dim?: number; layers?: LayerJson[] };
}

/** The layer list of a topology: Functional/Model/Sequential, bare or under model_config. */
function topologyLayers(topology: object): { layers: LayerJson[]; inputName: string | undefined } {
  const t = topology as { model_config?: object; class_name?: string; config?: unknown };
  if (t.model_config && typeof t.model_config === 'object') return topologyLayers(t.model_config);
  const config = t.config as { layers?: LayerJson[]; input_layers?: unknown[][] } | LayerJson[] | undefined;
  const layers = Array.isArray(config) ? config : Array.isArray(config?.layers) ? config.layers : [];
  const first = Array.isArray(config) ? undefined : config?.input_layers?.[0]?.[0];
  return { layers, inputName: typeof first === 'string' ? first : undefined };
}

/** The model's input shape with its batch dimension, as model.json declares it (undefined if it does not). */
export function declaredInputShape(json: LayersModelJson): (number | null)[] | undefined {
  const { layers, inputName } = topologyLayers(json.modelTopology);
  const input = layers.find((l) => l.class_name === 'InputLayer' && (inputName === undefined || (l.config?.name ?? l.name) === inputName)) ?? layers[0];
  return input?.config?.batch_input_shape ?? input?.config?.batch_shape;
}

/** input_dim of the model's first Embedding layer, if it has one. */
export function embeddingInputDim(json: LayersModelJson): number | undefined {
  return topologyLayers(json.modelTopology).layers.find((l) => l.class_name === 'Embedding')?.config?.input_dim;
}

export const showShape = (shape: readonly (number | null)[]) => `[${shape.map((d) => d ?? 'batch').join(', ')}]`;

/**
 * Problems of a pretrained model's files, each naming the spec field: `model.path` for a file
 * that is missing, malformed or whose shards do not match model.json, or an input shape the
 * tasks do not encode; `taskInput` (what the tasks feed the model) enables the shape checks.
 */
export function modelFileErrors(spec: ResolvedSpec, baseDir: string, taskInput?: () => TaskInput | undefined): FieldError[] {
  const model = spec.model;
  if (model.kind !== 'pretrained') return [];
  const file = modelJsonPath(resolve(baseDir, model.path));
  let json: LayersModelJson;
  try {
    json = readLayersModelJson(file);
  } catch (e) {
    if (!isCurriculumError(e)) throw e;
    return [{ path: 'model.path', message: e.message, found: JSON.stringify(model.path), expected: 'a TF.js Layers model.json (or its directory), relative to the spec file' }];
  }
  const errors: FieldError[] = weightFileProblems(file, json).map((message) => ({ path: 'model.path', message }));
  const input = taskInput?.();
  const shape = declaredInputShape(json);
  if (input && shape) {
    const expected = [null, input.timesteps, input.features];
    if (shape.length !== 3 || shape[1] !== input.timesteps || shape[2] !== input.features) {
      errors.push({ path: 'model.path', message: `${file}: the model's input shape does not match the tasks`, found: showShape(shape), expected: showShape(expected) });
    }
  }
  const inputDim = embeddingInputDim(json);
  if (input?.vocabularySize !== undefined && inputDim !== undefined && inputDim !== input.vocabularySize) {
    errors.push({
      path: 'model.path',
      message: `${file}: the model's embedding takes ${inputDim} token ids, the tasks' tokenizer has ${input.vocabularySize}`,
      found: String(inputDim),
      expected: String(input.vocabularySize),
    });
  }
  return errors;
}
