// Recomputes a RunSummary from the JSONL logs. The report uses it when summary.json is absent
// (a live run) or invalid, and the runtime may use the pieces (milestones, stage spans,
// the continual-learning matrix) so that what it writes and what the report shows agree.
import type { EnvelopeOf, EvaluationResults } from '../schemas/events.ts';
import type { ResolvedSpec } from '../schemas/spec.ts';
import { continualLearningMetrics } from './continual-learning.ts';
import { SamplesLedger } from './samples-ledger.ts';
import type { RunData } from './read-run-dir.ts';
import type { Milestone, RunStatus, RunSummary, StageOutcome, StageSummary } from './run-summary.ts';

/** Held-out accuracy whose first crossing per task is a milestone. */
export const MILESTONE_ACCURACY = 0.9;

/** The milestone key of a task first reaching `threshold` held-out accuracy; compared across runs. */
export function accuracyMilestoneName(task: string, threshold = MILESTONE_ACCURACY): string {
  return `${task} heldout>=${threshold}`;
}

/** The milestone key of a stage being entered (the previous stage advanced). */
export function stageMilestoneName(stage: string): string {
  return `enter ${stage}`;
}

const REVIEW_KINDS = new Set(['review', 'regression-review']);

/** Run status implied by the decision log: the last terminal decision wins; none means running. */
export function statusFromDecisions(decisions: readonly EnvelopeOf<'decision'>[]): RunStatus {
  for (let i = decisions.length - 1; i >= 0; i--) {
    const kind = decisions[i]?.payload.kind;
    if (kind === 'complete') return 'completed';
    if (kind === 'fail') return 'failed';
    if (kind === 'stop' || kind === 'early-stop') return 'stopped';
    if (kind === 'budget-exhausted' && decisions[i]?.payload.to.startsWith('stopped')) return 'stopped';
  }
  return 'running';
}

/** The stage id in a decision's `from`/`to` ("training:stage-1" -> "stage-1"), if it has one. */
export function stageOfState(state: string): string | null {
  const i = state.indexOf(':');
  return i >= 0 && i < state.length - 1 ? state.slice(i + 1) : null;
}

/**
 * Samples consumed up to each metrics line's own step (arrival order, every branch counted):
 * for an evaluation, the samples behind the checkpoint it scored (see SamplesLedger).
 */
export function samplesAtEachLine(metrics: RunData['metrics']): { perLine: number[]; total: number } {
  const ledger = new SamplesLedger();
  const perLine = metrics.map((m) => {
    ledger.add(m);
    return ledger.at(m.payload.step, m.payload.branch);
  });
  return { perLine, total: ledger.consumed };
}

/** Stage ids in run order: the spec order when known, else the order lessons first named them. */
export function stageOrder(data: RunData): string[] {
  if (data.spec) return data.spec.stages.map((s) => s.id);
  return [...new Set(data.lessons.map((l) => l.payload.stage))];
}

/** Task ids in spec order, else in the order the logs first mention them. */
export function taskOrder(data: RunData): string[] {
  if (data.spec) return data.spec.tasks.map((t) => t.id);
  const seen = new Set<string>();
  for (const l of data.lessons) for (const t of Object.keys(l.payload.taskWeights)) seen.add(t);
  for (const m of data.metrics) for (const t of Object.keys(m.payload.tasks)) seen.add(t);
  return [...seen];
}

/**
 * First step of each stage: its first lesson's start step, or the step of the decision that
 * moved the run into it (so the logs still place stages when lessons.jsonl is missing).
 */
function stageStarts(data: RunData): Map<string, number> {
  const starts = new Map<string, number>();
  const note = (stage: string, step: number) => {
    const prev = starts.get(stage);
    if (prev === undefined || step < prev) starts.set(stage, step);
  };
  for (const l of data.lessons) note(l.payload.stage, l.payload.startStep);
  for (const d of data.decisions) {
    const to = stageOfState(d.payload.to);
    if (to !== null && to !== stageOfState(d.payload.from)) note(to, d.payload.step);
  }
  return starts;
}

/** Index into `stages` of the stage that produced the checkpoint evaluated at `step`. */
export function stageIndexAtStep(spans: readonly StageSummary[], step: number): number {
  // A checkpoint at the boundary step is the end of the earlier stage, hence the strict `<`.
  let index = 0;
  spans.forEach((s, i) => {
    if (s.startedStep !== null && (s.startedStep < step || (step === 0 && s.startedStep === 0))) index = i;
  });
  return index;
}

function lastStep(data: RunData): number {
  let max = 0;
  for (const m of data.metrics) max = Math.max(max, m.payload.step);
  for (const d of data.decisions) max = Math.max(max, d.payload.step);
  return max;
}

function heldoutEvaluations(data: RunData): Array<{ index: number; payload: EvaluationResults }> {
  const out: Array<{ index: number; payload: EvaluationResults }> = [];
  data.metrics.forEach((m, index) => {
    if (m.type === 'evaluation.results' && m.payload.suite === 'heldout') out.push({ index, payload: m.payload });
  });
  return out;
}

function specStageTasks(spec: ResolvedSpec | null, data: RunData): Record<string, string[]> {
  if (spec) return Object.fromEntries(spec.stages.map((s) => [s.id, s.tasks]));
  const out: Record<string, string[]> = {};
  for (const l of data.lessons) {
    const tasks = (out[l.payload.stage] ??= []);
    for (const t of Object.keys(l.payload.taskWeights)) if (!tasks.includes(t)) tasks.push(t);
  }
  return out;
}

/** A RunSummary computed from the logs alone. */
export function deriveRunSummary(data: RunData): RunSummary {
  const { spec, decisions, metrics } = data;
  const status = statusFromDecisions(decisions);
  const kinds = decisions.map((d) => d.payload.kind);
  const earlyStopped = kinds.includes('early-stop');
  const steps = lastStep(data);
  const { perLine: samplesAt, total: samples } = samplesAtEachLine(metrics);

  const order = stageOrder(data);
  const starts = stageStarts(data);
  const started = order.filter((s) => starts.has(s));
  const budgetStages = new Set(
    decisions.filter((d) => d.payload.kind === 'budget-exhausted').map((d) => stageOfState(d.payload.from)),
  );
  const stages: StageSummary[] = order.map((id) => {
    const startedStep = starts.get(id) ?? null;
    const next = started[started.indexOf(id) + 1];
    const nextStart = next === undefined ? undefined : starts.get(next);
    let outcome: StageOutcome;
    let endedStep: number | null = null;
    if (startedStep === null) outcome = 'not-started';
    else if (nextStart !== undefined) {
      outcome = budgetStages.has(id) ? 'budget-exhausted' : 'advanced';
      endedStep = nextStart;
    } else {
      endedStep = status === 'running' ? null : steps;
      outcome =
        status === 'completed' ? 'completed'
        : status === 'failed' ? 'failed'
        : status === 'running' ? 'running'
        : earlyStopped ? 'early-stopped'
        : budgetStages.has(id) ? 'budget-exhausted'
        : 'stopped';
    }
    const rationale = spec?.stages.find((s) => s.id === id)?.rationale;
    return { id, startedStep, endedStep, outcome, ...(rationale !== undefined ? { rationale } : {}) };
  });

  const tasks = taskOrder(data);
  const heldout = heldoutEvaluations(data);
  const finalHeldout: Record<string, number> = {};
  const lastHeldout = heldout[heldout.length - 1]?.payload;
  if (lastHeldout) for (const [t, m] of Object.entries(lastHeldout.tasks)) finalHeldout[t] = m.accuracy;

  // R[i][j]: the last held-out evaluation of a checkpoint produced by stage i.
  const startedSpans = stages.filter((s) => s.startedStep !== null);
  const rows: Array<Array<number | null>> = startedSpans.map(() => tasks.map(() => null));
  // b_j: a task's first held-out accuracy measured before the stage that trains it began.
  const stageTasks = specStageTasks(spec, data);
  const introducedAtStep = (task: string): number | undefined =>
    startedSpans.find((s) => (stageTasks[s.id] ?? []).includes(task))?.startedStep ?? undefined;
  const baseline: Record<string, number> = {};
  for (const { payload } of heldout) {
    for (const [t, m] of Object.entries(payload.tasks)) {
      const introduced = introducedAtStep(t);
      if (!(t in baseline) && introduced !== undefined && payload.step <= introduced) baseline[t] = m.accuracy;
    }
  }
  for (const { payload } of heldout) {
    const row = rows[stageIndexAtStep(startedSpans, payload.step)];
    if (!row) continue;
    tasks.forEach((t, j) => {
      const m = payload.tasks[t];
      if (m) row[j] = m.accuracy;
    });
  }
  const continualLearning = continualLearningMetrics({
    tasks,
    stages: startedSpans.map((s) => s.id),
    stageTasks,
    matrix: rows,
    baseline,
  });

  const milestones: Milestone[] = [];
  const reached = new Set<string>();
  for (const { index, payload } of heldout) {
    for (const t of tasks) {
      const acc = payload.tasks[t]?.accuracy;
      if (acc === undefined || acc < MILESTONE_ACCURACY || reached.has(t)) continue;
      reached.add(t);
      milestones.push({ name: accuracyMilestoneName(t), step: payload.step, samples: samplesAt[index] ?? 0 });
    }
  }
  for (const d of decisions) {
    if (d.payload.kind !== 'advance') continue;
    // The last stage's advance ends the run ("completed:<stage>"): only a change of stage enters one.
    const to = stageOfState(d.payload.to);
    if (to === null || to === stageOfState(d.payload.from) || milestones.some((m) => m.name === stageMilestoneName(to))) continue;
    milestones.push({ name: stageMilestoneName(to), step: d.payload.step, samples: samplesAtStep(data, samplesAt, d.payload.step) });
  }
  milestones.sort((a, b) => a.samples - b.samples || a.step - b.step);

  const firstAt = [...decisions, ...metrics, ...data.lessons].map((e) => e.producedAt).sort()[0];
  const lastAt = [...decisions, ...metrics, ...data.lessons].map((e) => e.producedAt).sort().at(-1);
  const startedAt = firstAt ?? new Date(0).toISOString();
  const finishedAt = status === 'running' ? null : (lastAt ?? null);
  const wallSeconds = lastAt && firstAt ? Math.max(0, (Date.parse(lastAt) - Date.parse(firstAt)) / 1000) : 0;
  const backend = [...metrics].reverse().find((m) => m.type === 'trainer.metrics')?.payload;

  return {
    runId: data.runId,
    name: spec?.name ?? data.runId,
    status,
    startedAt,
    finishedAt,
    wallSeconds,
    steps,
    samples,
    backend: backend && 'backend' in backend ? backend.backend : (spec?.training.backend ?? 'unknown'),
    ...(backend && 'device' in backend && backend.device !== undefined ? { device: backend.device } : {}),
    stages,
    tasks: spec
      ? spec.tasks.map((t) => ({
          id: t.id,
          skill: t.skill,
          difficulty: t.difficulty,
          ...(t.rationale !== undefined ? { rationale: t.rationale } : {}),
        }))
      : tasks.map((id) => ({ id, skill: '', difficulty: 0 })),
    finalHeldout,
    continualLearning,
    reviews: kinds.filter((k) => REVIEW_KINDS.has(k)).length,
    reverts: kinds.filter((k) => k === 'revert').length,
    decisions: decisions.length,
    milestones,
    earlyStopped,
  };
}

/**
 * Samples seen when training reached `step`: the total at the last evaluation of that step
 * (the one a decision at that step acted on), else at the last trainer metrics at or below it.
 */
function samplesAtStep(data: RunData, samplesAt: readonly number[], step: number): number {
  let best: number | undefined;
  let fallback = 0;
  data.metrics.forEach((m, i) => {
    if (m.type === 'evaluation.results' && m.payload.step === step) best = samplesAt[i];
    if (m.type === 'trainer.metrics' && m.payload.step <= step && best === undefined) fallback = samplesAt[i] ?? fallback;
  });
  return best ?? fallback;
}
