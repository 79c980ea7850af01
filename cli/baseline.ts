// `curriculum run --baseline uniform SPEC`: after the run, the same model, tasks, seed and step
// budget trained by plain uniform sampling over every task in one stage, stopped when it reaches
// the milestone the curriculum is judged on (its last stage's gates). Both runs' learning curves
// and the measured samples-to-milestone ratio go into baseline.json and the curriculum run's
// report, and into the last lines on the terminal.
import { writeFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { runEmbedded } from '../embedded/run-embedded.ts';
import type { BackendName } from '../schemas/common.ts';
import type { AnyEvent } from '../schemas/events.ts';
import type { CurriculumSpecInput, Gate, ResolvedSpec, StageSpec } from '../schemas/spec.ts';
import {
  describeMilestone,
  milestoneGates,
  ratioSentence,
  samplesRatio,
  traceMilestone,
  writeBaselineComparison,
  type BaselineComparison,
  type BaselineRun,
} from '../report/baseline-comparison.ts';
import { readRunDir, type MetricsEnvelope } from '../report/read-run-dir.ts';
import { LiveView } from './live-view.ts';

export const BASELINES = ['uniform'] as const;
export type BaselineName = (typeof BASELINES)[number];

/**
 * The baseline's one stage must end on its budget, not on a gate: this one needs the Wilson
 * lower bound at 0.999 confidence of every task at 0.999, that is more than 10,000 evaluated
 * examples per task without an error, which no evaluation here reaches first (and a model that
 * did would have passed any milestone long before).
 */
const NEVER: Gate = { metric: 'accuracy', suite: 'heldout', task: 'each', op: '>=', threshold: 0.999 };

/**
 * The uniform baseline of a spec: every task in one stage with equal weights, the first stage's
 * learning-rate schedule, the run's whole step budget, and none of the controller's reactions
 * (reviews, reverts, early stops, replay), so it differs from the curriculum only in ordering.
 * Data paths become absolute: the baseline's spec file lives in the curriculum's run directory.
 */
export function uniformBaselineSpec(spec: ResolvedSpec, baseDir: string): CurriculumSpecInput {
  const first = spec.stages[0] as StageSpec;
  const tasks = spec.tasks.map((t) =>
    t.generator.kind === 'jsonl' && !isAbsolute(t.generator.path) ? { ...t, generator: { ...t.generator, path: resolve(baseDir, t.generator.path) } } : t,
  );
  const { replay: _replay, ...training } = spec.training;
  return {
    apiVersion: 'curriculum/v1',
    name: `${spec.name.slice(0, 56)}-uniform`,
    description: `uniform-sampling baseline of ${spec.name}`,
    seed: spec.seed,
    model: spec.model,
    optimizer: spec.optimizer,
    training,
    tasks,
    stages: [
      {
        id: 'uniform',
        tasks: tasks.map((t) => t.id),
        teacher: { kind: 'uniform', floor: 0 },
        learningRate: first.learningRate,
        ...(first.lessonSteps !== undefined ? { lessonSteps: first.lessonSteps } : {}),
        advance: { gates: [NEVER], confidence: 0.999, consecutive: 1, minSteps: 0 },
        maxSteps: spec.training.maxSteps,
        budgetAction: 'stop',
        rationale: 'uniform sampling over every task, the baseline the curriculum is measured against',
      },
    ],
    evaluation: spec.evaluation,
    review: { ...spec.review, enabled: false },
    regression: { ...spec.regression, maxReverts: 0, forgetThreshold: 0.99, revertThreshold: 1 },
    earlyStopping: { ...spec.earlyStopping, enabled: false },
    fairness: { ...spec.fairness, maxGap: null },
    continual: { ...spec.continual, enabled: false },
  };
}

export interface BaselineOptions {
  baseline: BaselineName;
  /** The finished curriculum run. */
  spec: ResolvedSpec;
  baseDir: string;
  runDir: string;
  runId: string;
  runsDir: string;
  logger: Logger;
  backend?: BackendName;
  signal: AbortSignal;
  out: NodeJS.WriteStream;
  interactive: boolean;
}

export type BaselineOutcome = { outcome: 'finished'; comparison: BaselineComparison; sentence: string } | { outcome: 'interrupted'; runDir: string };

export async function runBaseline(o: BaselineOptions): Promise<BaselineOutcome> {
  const { gates, stageTasks } = milestoneGates(o.spec);
  const uniformSpec = uniformBaselineSpec(o.spec, o.baseDir);
  const specFile = join(o.runDir, 'baseline-uniform.spec.json');
  writeFileSync(specFile, `${JSON.stringify(uniformSpec, null, 2)}\n`); // JSON is YAML
  const uniformStages = uniformSpec.stages.flatMap((s) => s.tasks);

  // Stop the baseline once it reaches the milestone: later samples cannot change the ratio.
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort();
  o.signal.addEventListener('abort', onOuterAbort, { once: true });
  const metrics: MetricsEnvelope[] = [];
  const view = new LiveView({ out: o.out, interactive: o.interactive, maxSteps: o.spec.training.maxSteps });
  const onEvent = (e: AnyEvent) => {
    view.onEvent(e);
    if (e.type !== 'trainer.metrics' && e.type !== 'evaluation.results') return;
    metrics.push(e);
    if (e.type === 'evaluation.results' && traceMilestone({ metrics }, gates, uniformStages).samplesToMilestone !== null) stop.abort();
  };
  o.out.write(`\nuniform baseline: same model, tasks, seed and budget (${o.spec.training.maxSteps} steps), every task sampled equally; stops at the milestone (${describeMilestone(gates)})\n`);
  try {
    const result = await runEmbedded({
      specFile,
      runsDir: o.runsDir,
      runId: `${o.runId}-uniform`,
      logger: o.logger,
      ...(o.backend ? { backend: o.backend } : {}),
      signal: stop.signal,
      skipReport: true,
      onEvent,
      hooks: { onTransition: (v) => view.onView(v) },
      onStarted: async ({ controller, runId, runDir }) => {
        o.out.write(`run ${runId} -> ${runDir}\n`);
        const v = await controller.view(runId);
        if (v) view.onView(v);
        view.start('');
      },
    });
    view.stop();
    if (o.signal.aborted) return { outcome: 'interrupted', runDir: result.runDir };

    const budgetSamples = o.spec.training.maxSteps * o.spec.training.batchSize;
    const trace = (runDir: string, runId: string, tasks: readonly string[]): BaselineRun => ({
      runId,
      runDir: basename(runDir),
      ...traceMilestone(readRunDir(runDir), gates, tasks),
    });
    const curriculum = trace(o.runDir, o.runId, stageTasks);
    const uniform = trace(result.runDir, result.runId, uniformStages);
    const metric = gates[0]?.metric ?? 'accuracy';
    const onlyThreshold = new Set(gates.map((g) => g.threshold)).size === 1 && gates.every((g) => g.metric === metric);
    const comparison: BaselineComparison = {
      baseline: o.baseline,
      milestone: describeMilestone(gates),
      measure: `held-out ${metric} of ${gates[0] && gates[0].task !== 'each' && gates[0].task !== 'mean' ? gates[0].task : `the mean of ${stageTasks.join(', ')}`}`,
      threshold: onlyThreshold ? (gates[0]?.threshold ?? null) : null,
      budgetSamples,
      curriculum,
      uniform,
      ...samplesRatio(curriculum.samplesToMilestone, uniform.samplesToMilestone, budgetSamples),
    };
    writeBaselineComparison(o.runDir, comparison);
    const { writeReport } = await import('../report/render-report.ts');
    writeReport(o.runDir);
    return { outcome: 'finished', comparison, sentence: ratioSentence(comparison) };
  } finally {
    o.signal.removeEventListener('abort', onOuterAbort);
  }
}
