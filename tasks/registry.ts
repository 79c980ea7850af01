// Builds a run's tasks from its config. Trainer and evaluator both call this, so they see
// the same generators, the same encoding and the same data splits.
import type { RunConfig } from '../schemas/events.ts';
import type { TaskSpec } from '../schemas/spec.ts';
import type { SuiteName } from '../schemas/common.ts';
import { CurriculumError } from '../schemas/errors.ts';
import { AdditionTask } from './addition.ts';
import { bucketRows, measureFields } from './difficulty-buckets.ts';
import { JsonlTask, loadJsonl } from './jsonl.ts';
import { PermutedDigitsTask } from './permuted-digits.ts';
import { hashSeed } from './random.ts';
import { encodingKey, sameEncoding, type Encoding, type Task } from './task.ts';

export interface TaskSet {
  encoding: Encoding;
  tasks: ReadonlyMap<string, Task>;
}

export type TaskSetConfig = Pick<RunConfig, 'seed' | 'tasks' | 'baseDir'>;

/** Widest operand an addition task of the run needs, plus one digit for the hold-out domain. */
export function additionWidth(tasks: readonly TaskSpec[]): number {
  let widest = 0;
  for (const t of tasks) if (t.generator.kind === 'addition') widest = Math.max(widest, t.generator.digits);
  return widest + 1;
}

export function buildTask(spec: TaskSpec, config: TaskSetConfig): Task {
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
    case 'jsonl': {
      const dataset = loadJsonl(g.path, config.baseDir, measureFields(spec.buckets?.by));
      const index = spec.buckets?.index;
      const rows = spec.buckets && index !== undefined ? bucketRows(dataset, { ...spec.buckets, index }, spec.id) : dataset;
      return new JsonlTask(spec.id, rows, { heldoutFraction: g.heldoutFraction ?? 0.2, runSeed: config.seed }, spec.noise);
    }
  }
}

const cache = new Map<string, TaskSet>();

/** All tasks of a run (cached per configuration: pools and parsed files are built once). */
export function buildTaskSet(config: TaskSetConfig): TaskSet {
  const key = JSON.stringify([config.seed, config.baseDir, config.tasks]);
  const known = cache.get(key);
  if (known) return known;
  const tasks = new Map<string, Task>();
  let encoding: Encoding | undefined;
  for (const spec of config.tasks) {
    const task = buildTask(spec, config);
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
  const set = { encoding, tasks };
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
