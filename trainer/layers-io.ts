// TF.js Layers models on the local file system. tfjs-node registers a file:// handler, but the
// pure-JS and wasm backends have none, so this reads and writes the format itself: model.json
// (topology + weightsManifest) and the weight shards it names, relative to model.json. It reads
// what tf.LayersModel.save and the Keras converter write (several groups, several shards each).
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CurriculumError } from '../schemas/errors.ts';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** model.json as written by TF.js and the Keras converter (the fields this code reads). */
export interface LayersModelJson {
  format?: string;
  modelTopology: object;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  [extra: string]: unknown;
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

/** An IOHandler that loads model.json and its shards (concatenated in manifest order, as tfjs expects). */
export function fileModelReader(path: string): tf.io.IOHandler {
  return {
    load: async () => {
      const file = modelJsonPath(path);
      const json = readLayersModelJson(file);
      const problems = weightFileProblems(file, json);
      if (problems.length > 0) throw new CurriculumError('CUR_MODEL_FILE', problems.join('; '));
      const dir = dirname(file);
      const shards = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))));
      const joined = Buffer.concat(shards);
      return {
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData: joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength),
        ...(json.format ? { format: json.format } : {}),
      };
    },
  };
}

/**
 * An IOHandler that writes model.json + one weights.bin into `dir`, with `extra` top-level
 * fields in model.json (tfjs ignores fields it does not know).
 */
export function fileModelWriter(dir: string, extra: Record<string, unknown> = {}): tf.io.IOHandler {
  return {
    save: async (artifacts) => {
      mkdirSync(dir, { recursive: true });
      const weights = tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0));
      const modelJson: LayersModelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology as object,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
        ...extra,
      };
      writeFileSync(join(dir, MODEL_JSON), JSON.stringify(modelJson));
      writeFileSync(join(dir, WEIGHTS_BIN), new Uint8Array(weights));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/** tf.loadLayersModel from a path on disk; a tfjs failure (weights not matching the topology) becomes CUR_MODEL_FILE. */
export async function loadLayersModelFile(path: string): Promise<tf.LayersModel> {
  try {
    return await tf.loadLayersModel(fileModelReader(path));
  } catch (e) {
    if (e instanceof CurriculumError) throw e;
    throw new CurriculumError('CUR_MODEL_FILE', `${modelJsonPath(path)}: TF.js cannot build the model: ${(e as Error).message}`, [], { cause: e });
  }
}
