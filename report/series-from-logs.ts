// Turns the run logs into chart inputs: per-task series split at reverts, stage bands,
// review/revert markers and the sampling-weight spans of the lessons that survived.
import type { SuiteName } from '../schemas/events.ts';
import type { RunData } from './read-run-dir.ts';
import type { RunSummary } from './run-summary.ts';
import type { AbandonedPiece, ChartPoint, LineSeries, StageBand, StepMarker } from './charts/line-chart.ts';
import type { WeightSpan } from './charts/stacked-weights-chart.ts';
import type { TaskColours } from './task-colours.ts';

type Keyed = { branch: number; point: ChartPoint };

/** Step each branch restarted from (its first lesson's start step): where a revert cut history. */
export function branchStarts(data: RunData): Map<number, number> {
  const starts = new Map<number, number>();
  for (const l of data.lessons) {
    const prev = starts.get(l.payload.branch);
    if (prev === undefined || l.payload.startStep < prev) starts.set(l.payload.branch, l.payload.startStep);
  }
  return starts;
}

/**
 * The surviving timeline and the pieces reverts abandoned. When a new branch begins, points of
 * the old one past the step it restarted from are history that no longer counts; the rest stays.
 */
function timeline(points: readonly Keyed[], starts: ReadonlyMap<number, number>): Pick<LineSeries, 'points' | 'abandoned'> {
  let main: ChartPoint[] = [];
  const abandoned: AbandonedPiece[] = [];
  let branch: number | undefined;
  for (const p of points) {
    if (branch !== undefined && p.branch !== branch) {
      // Without lessons.jsonl the restart step is unknown: cut just before the new branch's first point.
      const cut = starts.get(p.branch);
      const keep = main.filter((q) => (cut === undefined ? q.x < p.point.x : q.x <= cut));
      const tail = main.filter((q) => !keep.includes(q));
      const joint = keep.at(-1);
      if (tail.length > 0) abandoned.push(joint ? { from: joint, points: tail } : { points: tail });
      main = keep;
    }
    main.push(p.point);
    branch = p.branch;
  }
  return { points: main, abandoned };
}

/** One series per task of an evaluation suite's metric, in arrival order, split at reverts. */
export function suiteSeries(
  data: RunData,
  suite: SuiteName,
  metric: 'accuracy' | 'ece' | 'loss',
  tasks: readonly string[],
  colour: TaskColours,
): LineSeries[] {
  const starts = branchStarts(data);
  const byTask = new Map<string, Keyed[]>(tasks.map((t) => [t, []]));
  for (const m of data.metrics) {
    if (m.type !== 'evaluation.results' || m.payload.suite !== suite) continue;
    for (const [task, v] of Object.entries(m.payload.tasks)) {
      let list = byTask.get(task);
      if (!list) byTask.set(task, (list = []));
      const value = v[metric];
      list.push({
        branch: m.payload.branch,
        point: { x: m.payload.step, y: value, label: `${metric === 'loss' ? value.toFixed(3) : `${(value * 100).toFixed(1)}%`} (n=${v.n})` },
      });
    }
  }
  return [...byTask]
    .filter(([, points]) => points.length > 0)
    .map(([task, points]) => ({ name: task, colour: colour(task), ...timeline(points, starts) }));
}

/** Training loss per task from trainer.metrics, split at reverts. */
export function trainingLossSeries(data: RunData, tasks: readonly string[], colour: TaskColours): LineSeries[] {
  const starts = branchStarts(data);
  const byTask = new Map<string, Keyed[]>(tasks.map((t) => [t, []]));
  for (const m of data.metrics) {
    if (m.type !== 'trainer.metrics') continue;
    for (const [task, v] of Object.entries(m.payload.tasks)) {
      if (v.samples === 0) continue;
      let list = byTask.get(task);
      if (!list) byTask.set(task, (list = []));
      list.push({ branch: m.payload.branch, point: { x: m.payload.step, y: v.loss, label: `loss ${v.loss.toFixed(3)}, accuracy ${(v.accuracy * 100).toFixed(1)}%, ${v.samples} samples` } });
    }
  }
  return [...byTask]
    .filter(([, points]) => points.length > 0)
    .map(([task, points]) => ({ name: task, colour: colour(task), ...timeline(points, starts) }));
}

export function learningRateSeries(data: RunData): LineSeries[] {
  const points: Keyed[] = [];
  for (const m of data.metrics) {
    if (m.type !== 'trainer.metrics') continue;
    points.push({ branch: m.payload.branch, point: { x: m.payload.step, y: m.payload.learningRate, label: m.payload.learningRate.toExponential(2) } });
  }
  return points.length === 0 ? [] : [{ name: 'learning rate', colour: '#2f5d8a', ...timeline(points, branchStarts(data)) }];
}

/** Suites that have at least one evaluation, in a stable order. */
export function suitesPresent(data: RunData): SuiteName[] {
  const order: SuiteName[] = ['heldout', 'holdout-domain', 'adversarial', 'feedback'];
  const seen = new Set<SuiteName>();
  for (const m of data.metrics) if (m.type === 'evaluation.results') seen.add(m.payload.suite);
  return order.filter((s) => seen.has(s));
}

/** Shaded step ranges of the stages that ran. */
export function stageBands(summary: RunSummary): StageBand[] {
  return summary.stages
    .filter((s) => s.startedStep !== null)
    .map((s) => ({ from: s.startedStep ?? 0, to: s.endedStep ?? summary.steps, label: s.id, ...(s.rationale ? { note: s.rationale } : {}) }));
}

/** Review and revert decisions as chart markers. */
export function decisionMarkers(data: RunData): StepMarker[] {
  const out: StepMarker[] = [];
  for (const d of data.decisions) {
    const { kind, step, reasons } = d.payload;
    if (kind !== 'review' && kind !== 'regression-review' && kind !== 'revert') continue;
    const why = reasons.map((r) => r.message).join('; ');
    out.push({ x: step, kind: kind === 'revert' ? 'revert' : 'review', label: `${kind} at step ${step}${why ? `: ${why}` : ''}` });
  }
  return out;
}

/**
 * Lesson spans with their task weights. A lesson that starts before the previous one ended
 * follows a revert: the overlapped history is cut, so the chart shows the surviving timeline.
 */
export function weightSpans(data: RunData): WeightSpan[] {
  const spans: WeightSpan[] = [];
  for (const l of data.lessons) {
    const { startStep, steps, taskWeights, purpose, stage, lessonId } = l.payload;
    while (spans.length > 0 && (spans[spans.length - 1]?.from ?? 0) >= startStep) spans.pop();
    const prev = spans[spans.length - 1];
    if (prev && prev.to > startStep) prev.to = startStep;
    spans.push({ from: startStep, to: startStep + steps, weights: taskWeights, purpose, label: `${stage} · ${lessonId} (steps ${startStep}–${startStep + steps})` });
  }
  return spans;
}
