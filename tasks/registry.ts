// Builds a run's tasks from its config. Trainer and evaluator both call this, so they see
// the same generators, the same encoding and the same data splits.
import type { RunConfig } from '../schemas/events.ts';
import type { TaskSpec } from '../schemas/spec.ts';
import type { SuiteName } from '../schemas/common.ts';
import { CurriculumError } from '../schemas/errors.ts';
import { AdditionTask } from './addition.ts';
import { bucketRows, measureFields } from './difficulty-buckets.ts';
import { JsonlTask, loadJsonl, splitRows, type JsonlDataset } from './jsonl.ts';
import { PermutedDigitsTask } from './permuted-digits.ts';
import { SparseParityTask } from './sparse-parity.ts';
import { hashSeed } from './random.ts';
import { runTokenizer, runTokenizerDir } from './run-tokenizer.ts';
import { loadSpamAssassin } from './spam-assassin.ts';
import type { Tokenizer } from './tokenizer.ts';
import { encodingKey, sameEncoding, type Encoding, type Task } from './task.ts';

export interface TaskSet {
  encoding: Encoding;
  tasks: ReadonlyMap<string, Task>;
  /** The run's tokenizer, when its text is tokenized (the export writes it beside the model). */
  tokenizer?: Tokenizer;
}

export type TaskSetConfig = Pick<RunConfig, 'seed' | 'tasks' | 'baseDir' | 'tokenizer'> & {
  /** Directory of the run's stored tokenizer.json: read when present, written when built (tasks/run-tokenizer.ts). */
  tokenizerDir?: string;
};

/** Widest operand an addition task of the run needs, plus one digit for the hold-out domain. */
export function additionWidth(tasks: readonly TaskSpec[]): number {
  let widest = 0;
  for (const t of tasks) if (t.generator.kind === 'addition') widest = Math.max(widest, t.generator.digits);
  return widest + 1;
}

/** A run's task-set configuration as a service sees it: a tokenized run keeps its tokenizer beside its checkpoints. */
export function runTaskSetConfig(run: TaskSetConfig, checkpointRoot: string, runId: string): TaskSetConfig {
  return run.tokenizer ? { ...run, tokenizerDir: runTokenizerDir(checkpointRoot, runId) } : run;
}

/** The rows of a text task's source (a JSONL file or the SpamAssassin corpus), or undefined for generated tasks. */
function textRows(spec: TaskSpec, config: TaskSetConfig): JsonlDataset | undefined {
  const g = spec.generator;
  if (g.kind !== 'jsonl' && g.kind !== 'spam-assassin') return undefined;
  const dataset =
    g.kind === 'spam-assassin'
      ? loadSpamAssassin(g)
      : loadJsonl(g.path, config.baseDir, { tokenized: config.tokenizer !== undefined, extraFields: measureFields(spec.buckets?.by) });
  // One difficulty bucket of the rows: the task (and the tokenizer's training text) sees only its own.
  const index = spec.buckets?.index;
  return spec.buckets && index !== undefined ? bucketRows(dataset, { ...spec.buckets, index }, spec.id) : dataset;
}

function heldoutFractionOf(spec: TaskSpec): number {
  const g = spec.generator;
  return g.kind === 'jsonl' || g.kind === 'spam-assassin' ? (g.heldoutFraction ?? 0.2) : 0;
}

/** The run's tokenizer: stored, from the spec's file, or built from every text task's training rows in spec order. */
function tokenizerOf(config: TaskSetConfig): Tokenizer | undefined {
  if (!config.tokenizer) return undefined;
  return runTokenizer(
    config.tokenizer,
    config.baseDir,
    function* texts() {
      for (const spec of config.tasks) {
        const dataset = textRows(spec, config);
        if (!dataset) continue;
        for (const row of splitRows(spec.id, dataset.rows, { heldoutFraction: heldoutFractionOf(spec), runSeed: config.seed }).train) yield row.input as string;
      }
    },
    config.tokenizerDir,
  );
}

/** Input width of the run's parity tasks: the widest one's bits (shorter tasks leave the tail 0). */
export function parityWidth(tasks: readonly TaskSpec[]): number {
  let widest = 0;
  for (const t of tasks) if (t.generator.kind === 'sparse-parity') widest = Math.max(widest, t.generator.bits);
  return widest;
}

export function buildTask(spec: TaskSpec, config: TaskSetConfig, tokenizer?: Tokenizer): Task {
  const g = spec.generator;
  switch (g.kind) {
    case 'addition':
      return new AdditionTask(spec.id, { digits: g.digits, minDigits: g.minDigits ?? 1, width: additionWidth(config.tasks) }, spec.noise);
    case 'permuted-digits':
      return new PermutedDigitsTask(
        spec.id,
        {
          permutation: g.permutation,
          trainExamples: g.trainExamples ?? 1000,
          runSeed: config.seed,
          permutationsInRun: config.tasks.flatMap((t) => (t.generator.kind === 'permuted-digits' ? [t.generator.permutation] : [])),
        },
        spec.noise,
      );
    case 'sparse-parity':
      return new SparseParityTask(spec.id, { bits: g.bits, relevant: g.relevant, width: parityWidth(config.tasks) }, spec.noise);
    case 'jsonl':
    case 'spam-assassin':
      return new JsonlTask(spec.id, textRows(spec, config) as JsonlDataset, { heldoutFraction: heldoutFractionOf(spec), runSeed: config.seed }, spec.noise, tokenizer);
  }
}

const cache = new Map<string, TaskSet>();

/** All tasks of a run (cached per configuration: pools and parsed files are built once). */
export function buildTaskSet(config: TaskSetConfig): TaskSet {
  const key = JSON.stringify([config.seed, config.baseDir, config.tasks, config.tokenizer ?? null, config.tokenizerDir ?? null]);
  const known = cache.get(key);
  if (known) return known;
  const tasks = new Map<string, Task>();
  let encoding: Encoding | undefined;
  const tokenizer = tokenizerOf(config);
  for (const spec of config.tasks) {
    const task = buildTask(spec, config, tokenizer);
    if (encoding && !sameEncoding(encoding, task.encoding)) {
      throw new CurriculumError(
        'CUR_CONFIG_INVALID',
        `task ${spec.id} encodes as ${encodingKey(task.encoding)} but earlier tasks as ${encodingKey(encoding)}: one model cannot serve both`,
      );
    }
    encoding ??= task.encoding;
    tasks.set(spec.id, task);
  }
  if (!encoding) throw new CurriculumError('CUR_CONFIG_INVALID', 'the run has no tasks');
  const set: TaskSet = tokenizer ? { encoding, tasks, tokenizer } : { encoding, tasks };
  if (cache.size > 16) cache.clear();
  cache.set(key, set);
  return set;
}

export function requireTask(set: TaskSet, id: string): Task {
  const task = set.tasks.get(id);
  if (!task) {
    throw new CurriculumError('CUR_TASK_UNKNOWN', `unknown task "${id}"; the run has: ${[...set.tasks.keys()].join(', ')}`);
  }
  return task;
}

/** Seed of an evaluation suite's examples: a stream training never draws from. */
export function evaluationSeed(runSeed: number, taskId: string, suite: SuiteName): number {
  return hashSeed(runSeed, taskId, 'evaluation', suite);
}
