// summary.json: the one-file account of a run that the runtime writes when the run ends
// (and may rewrite while it runs, with status 'running'). The report header, the
// continual-learning table and `curriculum compare` read it; everything in it can also be
// recomputed from the JSONL logs (report/derive-summary.ts), so it is a cache with a contract,
// not a second source of truth.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { checkValue, formatFieldError } from '../schemas/validate.ts';
import { CurriculumError } from '../schemas/errors.ts';
import { RUN_DIR_FILES } from './run-dir-files.ts';

const NonNegativeInt = (description: string) => Type.Integer({ minimum: 0, description });
const MaybeNumber = (description: string) => Type.Union([Type.Number(), Type.Null()], { description });

export const RunStatus = Type.Union(
  [Type.Literal('completed'), Type.Literal('stopped'), Type.Literal('failed'), Type.Literal('running')],
  { description: 'completed: the last stage passed its gates; stopped: early stop, budget, or an operator' },
);
export type RunStatus = Static<typeof RunStatus>;

export const StageOutcome = Type.Union(
  [
    Type.Literal('advanced'),
    Type.Literal('completed'),
    Type.Literal('budget-exhausted'),
    Type.Literal('early-stopped'),
    Type.Literal('stopped'),
    Type.Literal('failed'),
    Type.Literal('running'),
    Type.Literal('not-started'),
  ],
  { description: 'how the stage ended: advanced past its gates, completed (last stage passed), or why not' },
);
export type StageOutcome = Static<typeof StageOutcome>;

export const StageSummary = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    startedStep: Type.Union([NonNegativeInt('first step of the stage'), Type.Null()], { description: 'null: never started' }),
    endedStep: Type.Union([NonNegativeInt('step at which the stage ended'), Type.Null()], { description: 'null: still running or never started' }),
    outcome: StageOutcome,
    rationale: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type StageSummary = Static<typeof StageSummary>;

export const TaskSummary = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    skill: Type.String(),
    difficulty: Type.Number(),
    rationale: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type TaskSummary = Static<typeof TaskSummary>;

export const ContinualLearningSummary = Type.Object(
  {
    tasks: Type.Array(Type.String(), { description: 'column order of the matrix' }),
    stages: Type.Array(Type.String(), { description: 'row order of the matrix' }),
    matrix: Type.Array(Type.Array(MaybeNumber('held-out accuracy; null: not evaluated')), {
      description: 'R[i][j] = held-out accuracy on task j at the end of stage i',
    }),
    averageAccuracy: MaybeNumber('mean of the last row (ACC, Lopez-Paz and Ranzato 2017)'),
    backwardTransfer: MaybeNumber('BWT: mean change of each task from the stage that introduced it to the end'),
    forwardTransfer: MaybeNumber('FWT: mean accuracy on each task just before the stage that introduced it, minus its baseline'),
    forgetting: MaybeNumber('mean drop of each task from its best to its final accuracy (Chaudhry et al. 2018)'),
  },
  { additionalProperties: false },
);
export type ContinualLearningSummary = Static<typeof ContinualLearningSummary>;

export const Milestone = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'stable key, compared across runs, e.g. "add-2 heldout>=0.9" or "enter two-digits"' }),
    step: NonNegativeInt('step at which it was reached'),
    samples: NonNegativeInt('training samples seen when it was reached (all branches, so reverted work counts)'),
  },
  { additionalProperties: false },
);
export type Milestone = Static<typeof Milestone>;

export const RunSummary = Type.Object(
  {
    runId: Type.String({ minLength: 1 }),
    name: Type.String({ minLength: 1, description: 'spec name' }),
    status: RunStatus,
    startedAt: Type.String({ format: 'date-time' }),
    finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'null while running' }),
    wallSeconds: Type.Number({ minimum: 0 }),
    steps: NonNegativeInt('last training step reached'),
    samples: NonNegativeInt('training samples seen, all branches'),
    backend: Type.String({ description: 'TensorFlow.js backend used' }),
    device: Type.Optional(Type.String({ description: 'where the backend computed (trainer.metrics device)' })),
    stages: Type.Array(StageSummary),
    tasks: Type.Array(TaskSummary),
    finalHeldout: Type.Record(Type.String(), Type.Number({ minimum: 0, maximum: 1 }), {
      description: 'task -> held-out accuracy of the last evaluation',
    }),
    continualLearning: ContinualLearningSummary,
    reviews: NonNegativeInt('review and regression-review decisions'),
    reverts: NonNegativeInt('revert decisions'),
    decisions: NonNegativeInt('decisions in decisions.jsonl'),
    milestones: Type.Array(Milestone),
    earlyStopped: Type.Boolean(),
  },
  { additionalProperties: false, $id: 'run-summary.json' },
);
export type RunSummary = Static<typeof RunSummary>;

const compiledSummary = TypeCompiler.Compile(RunSummary);

/** Field errors of a value against RunSummary, formatted with `label` (the file) in front; empty when valid. */
export function runSummaryErrors(value: unknown, label = 'summary.json'): string[] {
  if (compiledSummary.Check(value)) return [];
  return checkValue(RunSummary, value).map((e) => formatFieldError(e, label));
}

/** Validates a parsed summary; throws CUR_RUN_DIR_INVALID naming every bad field. */
export function parseRunSummary(value: unknown, label = 'summary.json'): RunSummary {
  const errors = runSummaryErrors(value, label);
  if (errors.length > 0) {
    throw new CurriculumError('CUR_RUN_DIR_INVALID', `${label}: ${errors.length} problem(s) in the run summary`, errors);
  }
  return value as RunSummary;
}

/** Reads and validates summary.json. Throws CUR_RUN_DIR_INVALID when unreadable, not JSON, or off-schema. */
export function readRunSummary(path: string): RunSummary {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CurriculumError('CUR_RUN_DIR_INVALID', `${path}: cannot read run summary: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CurriculumError('CUR_RUN_DIR_INVALID', `${path}: run summary is not JSON: ${(e as Error).message}`);
  }
  return parseRunSummary(value, path);
}

/**
 * Validates `summary` and writes `<runDir>/summary.json` atomically (temp file, then rename), so a
 * reader never sees half a summary. Returns the path. Throws CUR_RUN_DIR_INVALID before writing
 * anything when the summary is off-schema: a bad writer fails where the mistake is made.
 */
export function writeRunSummary(runDir: string, summary: RunSummary): string {
  const path = join(runDir, RUN_DIR_FILES.summary);
  parseRunSummary(summary, path);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(summary, null, 2)}\n`);
  renameSync(temp, path);
  return path;
}
