// Difficulty per example: a row-based task split into buckets by a measure of each row, and
// the ladder of stages those buckets become. The spec pieces and the pure spec expansion live
// here (the loader calls it); assigning rows to buckets needs the data and lives in
// tasks/difficulty-buckets.ts.
import { Type, type Static } from '@sinclair/typebox';
import type { FieldError } from './validate.ts';
import { describeValue } from './validate.ts';

export const FieldMeasure = Type.Object(
  {
    kind: Type.Literal('field'),
    field: Type.String({
      pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      description: 'a numeric field every row carries (besides input, label, category); higher is harder',
    }),
  },
  { additionalProperties: false, description: 'a number the data set gives each row: a grade, a rater score, or a trained model\'s loss on the row written by `curriculum score --model RUN_DIR DATA.jsonl` (transfer scoring, Hacohen & Weinshall 2019)' },
);
export const LengthMeasure = Type.Object(
  { kind: Type.Literal('length') },
  { additionalProperties: false, description: 'input length: characters of a text row, Euclidean length of a vector row; longer is harder' },
);
export const DifficultyMeasure = Type.Union([FieldMeasure, LengthMeasure]);
export type DifficultyMeasure = Static<typeof DifficultyMeasure>;

export const MAX_BUCKETS = 20;

/** Generator kinds whose tasks are rows that a measure can rank. */
const ROW_BASED_KINDS: readonly string[] = ['jsonl', 'spam-assassin'];

export const DifficultyBuckets = Type.Object(
  {
    count: Type.Integer({ minimum: 2, maximum: MAX_BUCKETS, description: 'number of buckets, easiest first; rows are split into equal shares by rank of the measure (tied rows stay together)' }),
    by: DifficultyMeasure,
    index: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_BUCKETS,
        description: 'this task is bucket `index` of `count` only; the loader writes it on the tasks it makes from a bucketed task (absent: the loader splits the task)',
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      'split a row-based task (jsonl, spam-assassin) into difficulty buckets that become a ladder: the task is replaced by tasks `<id>.b1` .. `<id>.b<count>`, and every stage that lists it by `count` stages `<stage>.b1` .. where stage k trains buckets 1..k and a gate on the task reads bucket k',
  },
);
export type DifficultyBuckets = Static<typeof DifficultyBuckets>;

/** The task id of bucket `index` (1-based) of `taskId`. */
export function bucketTaskId(taskId: string, index: number): string {
  return `${taskId}.b${index}`;
}

/** The stage id of the ladder step that adds bucket `index` to `stageId`. */
export function bucketStageId(stageId: string, index: number): string {
  return `${stageId}.b${index}`;
}

/** The slice of a spec this module reads and rewrites (kept structural so spec.ts can import it). */
interface BucketTask {
  id: string;
  difficulty: number;
  generator: { kind: string };
  buckets?: DifficultyBuckets;
}
interface BucketStage {
  id: string;
  tasks: string[];
  teacher: { kind: string; weights?: Record<string, number> };
  advance: { gates: Array<{ task: string }>; minSteps: number };
  maxSteps: number;
  budgetAction: 'advance' | 'stop';
}
interface BucketSpec<T extends BucketTask, S extends BucketStage> {
  tasks: T[];
  stages: S[];
}

/** A task the loader still has to split (it has buckets but is not itself one bucket). */
function toSplit(t: BucketTask): DifficultyBuckets | undefined {
  return t.buckets && t.buckets.index === undefined ? t.buckets : undefined;
}

/** Problems of the bucket options of a schema-valid spec, before expansion (paths are the user's). */
export function checkBuckets(spec: BucketSpec<BucketTask, BucketStage>): FieldError[] {
  const errors: FieldError[] = [];
  const ids = new Set(spec.tasks.map((t) => t.id));
  const split = new Set<string>();
  spec.tasks.forEach((t, i) => {
    const b = t.buckets;
    if (!b) return;
    const at = `tasks[${i}].buckets`;
    if (!ROW_BASED_KINDS.includes(t.generator.kind)) {
      errors.push({ path: at, message: 'only a row-based task (generator kind jsonl or spam-assassin) can be split into difficulty buckets', found: describeValue(t.generator.kind), expected: '"jsonl" or "spam-assassin"' });
    } else if (t.generator.kind === 'spam-assassin' && b.by.kind === 'field') {
      errors.push({ path: `${at}.by.kind`, message: 'the SpamAssassin corpus has no row fields to bucket by', found: describeValue(b.by.kind), expected: '"length"' });
    }
    if (b.index !== undefined && b.index > b.count) {
      errors.push({ path: `${at}.index`, message: 'bucket index is above the bucket count', found: describeValue(b.index), expected: `1..${b.count}` });
    }
    if (b.index !== undefined) return;
    split.add(t.id);
    for (let k = 1; k <= b.count; k++) {
      const id = bucketTaskId(t.id, k);
      if (id.length > 64) errors.push({ path: `tasks[${i}].id`, message: `bucket task id "${id}" is longer than 64 characters`, found: describeValue(t.id), expected: 'a shorter task id' });
      if (ids.has(id)) errors.push({ path: `tasks[${i}].id`, message: `bucket task id "${id}" is already the id of another task`, found: describeValue(t.id), expected: 'task ids that do not collide' });
    }
  });
  spec.stages.forEach((s, i) => {
    const bucketed = s.tasks.filter((id) => split.has(id));
    if (bucketed.length > 1) {
      errors.push({ path: `stages[${i}].tasks`, message: 'a stage can ladder the buckets of one task only', found: bucketed.join(', '), expected: 'at most one bucketed task per stage' });
    }
    const [task] = bucketed;
    if (task === undefined) return;
    const count = spec.tasks.find((t) => t.id === task)?.buckets?.count ?? 0;
    if (s.maxSteps < count) {
      errors.push({ path: `stages[${i}].maxSteps`, message: `the stage becomes ${count} bucket stages that share its budget`, found: describeValue(s.maxSteps), expected: `at least ${count}` });
    }
    if (bucketStageId(s.id, count).length > 64) {
      errors.push({ path: `stages[${i}].id`, message: `bucket stage id "${bucketStageId(s.id, count)}" is longer than 64 characters`, found: describeValue(s.id), expected: 'a shorter stage id' });
    }
  });
  return errors;
}

/**
 * Replaces every task with buckets (and no index) by one task per bucket and every stage that
 * trains it by a ladder of stages, easiest bucket first. Idempotent: an expanded spec has no
 * task left to split. The stage's step budget is divided among its ladder steps (the remainder
 * goes to the last), so a bucketed spec keeps the budget it was written with.
 */
export function expandBuckets<T extends BucketTask, S extends BucketStage, X extends BucketSpec<T, S>>(spec: X): X {
  const split = new Map<string, { task: T; buckets: DifficultyBuckets }>();
  for (const t of spec.tasks) {
    const b = toSplit(t);
    if (b) split.set(t.id, { task: t, buckets: b });
  }
  if (split.size === 0) return spec;
  const tasks = spec.tasks.flatMap((t) => {
    const entry = split.get(t.id);
    if (!entry) return [t];
    return Array.from({ length: entry.buckets.count }, (_, i) => ({
      ...structuredClone(t),
      id: bucketTaskId(t.id, i + 1),
      difficulty: t.difficulty + i,
      buckets: { ...entry.buckets, index: i + 1 },
    }));
  });
  const stages = spec.stages.flatMap((s) => {
    const task = s.tasks.find((id) => split.has(id));
    const entry = task === undefined ? undefined : split.get(task);
    if (task === undefined || !entry) return [s];
    const count = entry.buckets.count;
    const share = Math.floor(s.maxSteps / count);
    return Array.from({ length: count }, (_, i): S => {
      const k = i + 1;
      const last = k === count;
      const buckets = Array.from({ length: k }, (_, j) => bucketTaskId(task, j + 1));
      const stage = structuredClone(s);
      stage.id = bucketStageId(s.id, k);
      stage.tasks = s.tasks.flatMap((id) => (id === task ? buckets : [id]));
      if (stage.teacher.weights && task in stage.teacher.weights) {
        const weight = stage.teacher.weights[task] ?? 0;
        delete stage.teacher.weights[task];
        for (const b of buckets) stage.teacher.weights[b] = weight;
      }
      for (const gate of stage.advance.gates) if (gate.task === task) gate.task = bucketTaskId(task, k);
      stage.maxSteps = last ? s.maxSteps - share * (count - 1) : share;
      stage.budgetAction = last ? s.budgetAction : 'advance';
      stage.advance.minSteps = Math.min(stage.advance.minSteps, stage.maxSteps);
      return stage;
    });
  });
  return { ...spec, tasks, stages };
}
