// A run against its uniform-sampling baseline: the milestone both are measured on (the last
// stage's gates, as point estimates), the samples each needed to reach it and their learning
// curves. `curriculum run --baseline uniform` writes it as baseline.json next to the run's
// other files; the report and the terminal read it from there.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Gate, ResolvedSpec } from '../schemas/spec.ts';
import { CurriculumError } from '../schemas/errors.ts';
import { checkValue, formatFieldError } from '../schemas/validate.ts';
import type { MetricsEnvelope, RunData } from './read-run-dir.ts';

export const BASELINE_FILE = 'baseline.json';

const Samples = Type.Integer({ minimum: 0 });
const MaybeSamples = Type.Union([Samples, Type.Null()], { description: 'null: not reached within the budget' });

export const BaselineRun = Type.Object(
  {
    runId: Type.String({ minLength: 1 }),
    /** Run directory name, a sibling of the curriculum run's. */
    runDir: Type.String({ minLength: 1 }),
    samplesToMilestone: MaybeSamples,
    stepToMilestone: Type.Union([Samples, Type.Null()]),
    samples: Samples,
    /** [samples, milestone measure] after each held-out evaluation. */
    curve: Type.Array(Type.Tuple([Samples, Type.Number()])),
  },
  { additionalProperties: false },
);
export type BaselineRun = Static<typeof BaselineRun>;

export const BaselineComparison = Type.Object(
  {
    baseline: Type.Literal('uniform'),
    milestone: Type.String({ minLength: 1, description: 'the gates both runs are measured on, in words' }),
    measure: Type.String({ minLength: 1, description: 'what the curves plot' }),
    threshold: Type.Union([Type.Number(), Type.Null()], { description: 'the measure the milestone needs, when it is one number' }),
    budgetSamples: Samples,
    curriculum: BaselineRun,
    uniform: BaselineRun,
    ratio: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: 'curriculum samples to milestone / uniform samples; null: the curriculum did not reach it' }),
    bound: Type.Union([Type.Literal('measured'), Type.Literal('at-most'), Type.Null()], {
      description: 'at-most: uniform did not reach the milestone within the budget, so the ratio is an upper bound',
    }),
  },
  { additionalProperties: false, $id: 'baseline.json' },
);
export type BaselineComparison = Static<typeof BaselineComparison>;

/** The gates a run is measured on: those of its last stage. */
export function milestoneGates(spec: ResolvedSpec): { gates: Gate[]; stageTasks: string[] } {
  const last = spec.stages[spec.stages.length - 1];
  if (!last) throw new CurriculumError('CUR_SPEC_INVALID', 'the spec has no stages');
  return { gates: last.advance.gates, stageTasks: last.tasks };
}

export function describeMilestone(gates: readonly Gate[]): string {
  return gates.map((g) => `${g.task} ${g.suite} ${g.metric} ${g.op} ${g.threshold}`).join(' and ');
}

/** The tasks a gate reads ("each" and "mean" read every task of the stage). */
function gateTasks(gate: Gate, stageTasks: readonly string[]): readonly string[] {
  return gate.task === 'each' || gate.task === 'mean' ? stageTasks : [gate.task];
}

export interface MilestoneTrace {
  samplesToMilestone: number | null;
  stepToMilestone: number | null;
  samples: number;
  curve: Array<[number, number]>;
}

/**
 * Walks a run's evaluations in arrival order and finds the first at which every gate holds on
 * the latest result of each task (point estimates: both runs are judged by the same rule, not by
 * the confidence bound the controller advances on). The curve is the mean held-out value of the
 * first gate's metric over the gated tasks.
 */
export function traceMilestone(data: Pick<RunData, 'metrics'>, gates: readonly Gate[], stageTasks: readonly string[]): MilestoneTrace {
  const after = samplesAtEvaluations(data.metrics);
  const latest = new Map<string, { accuracy: number; loss: number; ece: number }>();
  const curveGate = gates[0];
  const curveTasks = curveGate ? gateTasks(curveGate, stageTasks) : stageTasks;
  const curve: Array<[number, number]> = [];
  let reached: { samples: number; step: number } | null = null;
  for (const [i, m] of data.metrics.entries()) {
    if (m.type !== 'evaluation.results') continue;
    for (const [task, r] of Object.entries(m.payload.tasks)) latest.set(`${m.payload.suite}/${task}`, r);
    const samples = after[i] ?? 0;
    if (m.payload.suite === 'heldout' && curveGate) {
      const values = curveTasks.map((t) => latest.get(`heldout/${t}`)?.[curveGate.metric]);
      if (values.every((v) => v !== undefined)) curve.push([samples, mean(values as number[])]);
    }
    if (reached === null && gates.every((g) => holds(g, stageTasks, latest))) reached = { samples, step: m.payload.step };
  }
  let total = 0;
  for (const m of data.metrics) if (m.type === 'trainer.metrics') for (const t of Object.values(m.payload.tasks)) total += t.samples;
  return { samplesToMilestone: reached?.samples ?? null, stepToMilestone: reached?.step ?? null, samples: total, curve };
}

/**
 * Samples trained when each logged event's checkpoint was made. An evaluation runs while the
 * next lesson trains, so metrics of steps past the evaluated one can arrive before its result:
 * those (the ones after the last metrics at or below its step) do not count towards it. Work
 * on a branch a revert abandoned arrived before that point and still counts.
 */
function samplesAtEvaluations(metrics: readonly MetricsEnvelope[]): number[] {
  const seen: Array<{ step: number; samples: number }> = [];
  let total = 0;
  return metrics.map((m) => {
    if (m.type === 'trainer.metrics') {
      const samples = Object.values(m.payload.tasks).reduce((a, t) => a + t.samples, 0);
      seen.push({ step: m.payload.step, samples });
      total += samples;
      return total;
    }
    let ahead = 0;
    for (let i = seen.length - 1; i >= 0 && (seen[i]?.step ?? 0) > m.payload.step; i--) ahead += seen[i]?.samples ?? 0;
    return total - ahead;
  });
}

function holds(gate: Gate, stageTasks: readonly string[], latest: ReadonlyMap<string, { accuracy: number; loss: number; ece: number }>): boolean {
  const values = gateTasks(gate, stageTasks).map((t) => latest.get(`${gate.suite}/${t}`)?.[gate.metric]);
  if (values.some((v) => v === undefined)) return false;
  const checked = gate.task === 'mean' ? [mean(values as number[])] : (values as number[]);
  return checked.every((v) => (gate.op === '>=' ? v >= gate.threshold : v <= gate.threshold));
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
}

/** Curriculum samples over uniform samples, and whether uniform's side is a measurement or the budget. */
export function samplesRatio(curriculum: number | null, uniform: number | null, budgetSamples: number): Pick<BaselineComparison, 'ratio' | 'bound'> {
  if (curriculum === null) return { ratio: null, bound: null };
  if (uniform === null) return { ratio: budgetSamples > 0 ? curriculum / budgetSamples : null, bound: 'at-most' };
  return { ratio: uniform > 0 ? curriculum / uniform : null, bound: 'measured' };
}

/** One sentence for the terminal and the report. */
export function ratioSentence(c: BaselineComparison): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const cur = c.curriculum.samplesToMilestone;
  const uni = c.uniform.samplesToMilestone;
  if (cur === null) {
    return `the curriculum did not reach the milestone (${c.milestone}) within ${n(c.curriculum.samples)} samples; uniform sampling ${uni === null ? 'did not either' : `reached it after ${n(uni)}`}`;
  }
  if (c.ratio === null) return `the curriculum reached the milestone (${c.milestone}) after ${n(cur)} samples`;
  const ratio = `${c.ratio.toFixed(2)}x`;
  if (c.bound === 'at-most') {
    return `the curriculum reached the milestone (${c.milestone}) after ${n(cur)} samples; uniform sampling did not within the budget of ${n(c.budgetSamples)}: at most ${ratio} uniform's samples`;
  }
  const saved = 1 - c.ratio;
  const verdict = saved >= 0 ? `saved ${(saved * 100).toFixed(0)}% of the samples` : `needed ${(-saved * 100).toFixed(0)}% more samples`;
  return `the curriculum reached the milestone (${c.milestone}) after ${n(cur)} samples, uniform sampling after ${n(uni ?? 0)}: ${ratio} uniform's samples (the curriculum ${verdict})`;
}

const compiled = TypeCompiler.Compile(BaselineComparison);

/** Validates and writes baseline.json atomically into `runDir`; returns its path. */
export function writeBaselineComparison(runDir: string, comparison: BaselineComparison): string {
  const path = join(runDir, BASELINE_FILE);
  const errors = checkValue(BaselineComparison, comparison).map((e) => formatFieldError(e, path));
  if (errors.length > 0) throw new CurriculumError('CUR_RUN_DIR_INVALID', `${path}: ${errors.length} problem(s) in the baseline comparison`, errors);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(comparison, null, 2)}\n`);
  renameSync(temp, path);
  return path;
}

/** baseline.json of a run, null when the run had no baseline; a bad file is a problem string. */
export function readBaselineComparison(runDir: string): BaselineComparison | null | string {
  const path = join(runDir, BASELINE_FILE);
  if (!existsSync(path)) return null;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    return `${BASELINE_FILE}: not JSON (${(e as Error).message})`;
  }
  if (compiled.Check(value)) return value;
  return checkValue(BaselineComparison, value).map((e) => formatFieldError(e, BASELINE_FILE)).join('; ');
}
