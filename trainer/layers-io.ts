// TF.js Layers models on the local file system. tfjs-node registers a file:// handler, but the
// pure-JS and wasm backends have none, so these IOHandlers read and write the format itself:
// model.json (topology + weightsManifest) and the weight shards it names, relative to model.json.
// They read what tf.LayersModel.save and the Keras converter write (several groups, several
// shards each); the file checks they share with `curriculum validate` are in schemas/model-files.ts.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CurriculumError } from '../schemas/errors.ts';
import { MODEL_JSON, WEIGHTS_BIN, modelJsonPath, readLayersModelJson, weightFileProblems, type LayersModelJson } from '../schemas/model-files.ts';

export { MODEL_JSON, WEIGHTS_BIN, modelJsonPath };

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
        // Entries as the file has them: tfjs checks dtypes and sizes as it decodes them.
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
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
