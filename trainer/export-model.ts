// A run's models, exported where a user looks for them: runs/<id>/model/best (the best checkpoint
// that met every gate) and runs/<id>/model/final (the last one), each a TF.js Layers model
// (model.json + weights.bin) that tf.loadLayersModel reads, with input.json describing how its
// inputs are encoded and its outputs decoded. Either directory is a valid `model.path` of a
// pretrained model in the next run's spec. Each is written beside its final place and renamed
// into it, so a failed export never leaves a half-written model (and touches nothing else).
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedSpec } from '../schemas/spec.ts';
import { MODEL_JSON, WEIGHTS_BIN, readLayersModelJson } from '../schemas/model-files.ts';
import { measureFields } from '../tasks/difficulty-buckets.ts';
import { loadJsonl } from '../tasks/jsonl.ts';
import { loadSpamAssassin } from '../tasks/spam-assassin.ts';
import { saveTokenizer, type Tokenizer } from '../tasks/tokenizer.ts';
import type { Encoding } from '../tasks/task.ts';
import { checkpointDir, checkpointExists } from './checkpoint-store.ts';

export const MODEL_DIR = 'model';
export const INPUT_JSON = 'input.json';
export type ExportedModel = 'best' | 'final';

/** What input.json holds: enough to encode an input and read the answer without this code base. */
export interface InputDescription {
  format: 'curriculum-input/v1';
  /** inputs float32 [batch, timesteps, features]; outputs logits [batch, positions, classes]. */
  encoding: Encoding;
  howTo: string;
  /** The run's tasks as the spec declares them (generators and their options). */
  tasks: ResolvedSpec['tasks'];
  /** Text and JSONL tasks: class names (index = class) and, for one-hot text, the characters (index = feature; empty when tokenized). */
  datasets: Record<string, { kind: 'text' | 'vector'; classes: string[]; vocabulary: string[] }>;
}

export function describeInputs(spec: Pick<ResolvedSpec, 'tasks' | 'tokenizer'>, baseDir: string, encoding: Encoding): InputDescription {
  const datasets: InputDescription['datasets'] = {};
  for (const task of spec.tasks) {
    const g = task.generator;
    if (g.kind !== 'jsonl' && g.kind !== 'spam-assassin') continue;
    const data = g.kind === 'jsonl' ? loadJsonl(g.path, baseDir, { tokenized: spec.tokenizer !== undefined, extraFields: measureFields(task.buckets?.by) }) : loadSpamAssassin(g);
    datasets[task.id] = { kind: data.kind, classes: data.classes, vocabulary: data.vocabulary };
  }
  return {
    format: 'curriculum-input/v1',
    encoding,
    howTo:
      'Feed float32 inputs shaped [batch, timesteps, features] (tokenized text: features 1, one token id per row from tokenizer.json, ' +
      'padded with 0 at the start; other text: one row per character, a one-hot column per vocabulary entry; ' +
      'addition: one row per digit position, least significant first, one-hot digits of each operand); the model returns logits ' +
      '[batch, positions, classes]: the answer is the arg-max over the last axis at each position (a JSONL label is classes[index]).',
    tasks: spec.tasks,
    datasets,
  };
}

export interface ExportRequest {
  runDir: string;
  checkpointRoot: string;
  runId: string;
  checkpoints: Partial<Record<ExportedModel, string | null>>;
  inputs: InputDescription;
  /** The run's tokenizer, written beside each model as tokenizer.json (tokenized text runs). */
  tokenizer?: Tokenizer;
}

/** Writes model/best and model/final; returns the directories written (a checkpoint that is not on disk is skipped). */
export function exportRunModels(request: ExportRequest): Partial<Record<ExportedModel, string>> {
  const written: Partial<Record<ExportedModel, string>> = {};
  const root = join(request.runDir, MODEL_DIR);
  for (const which of ['best', 'final'] as const) {
    const checkpointId = request.checkpoints[which];
    if (!checkpointId) continue;
    const source = checkpointDir(request.checkpointRoot, request.runId, checkpointId);
    if (!checkpointExists(source)) continue;
    const json = readLayersModelJson(source);
    const target = join(root, which);
    const tmp = `${target}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const curriculum = json.curriculum as { step?: number } | undefined;
    // The checkpoint's own metadata (optimizer, branch) is the trainer's business: only provenance goes out.
    const exported = { ...json, curriculum: { runId: request.runId, checkpointId, step: curriculum?.step ?? null, model: which } };
    writeFileSync(join(tmp, MODEL_JSON), JSON.stringify(exported));
    copyFileSync(join(source, WEIGHTS_BIN), join(tmp, WEIGHTS_BIN));
    writeFileSync(join(tmp, INPUT_JSON), `${JSON.stringify(request.inputs, null, 2)}\n`);
    if (request.tokenizer) saveTokenizer(request.tokenizer, tmp);
    if (existsSync(target)) rmSync(target, { recursive: true, force: true });
    renameSync(tmp, target);
    written[which] = target;
  }
  return written;
}
