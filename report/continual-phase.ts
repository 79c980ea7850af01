// The continual phase in the report: after the last stage, each retraining cycle with what
// triggered it, how the candidate scored on the feedback hold-out against the deployed model,
// whether a mastered task regressed, the mastered tasks it rehearsed and how their Leitner boxes
// moved, and the promotion decision with its reasons. Drift checks of the deployed model are
// listed too. Everything is read from the decision log and the evaluation results, so a report of
// a still-running run shows the cycles so far.
import type { Decision, EvaluationResults } from '../schemas/events.ts';
import type { ResolvedSpec } from '../schemas/spec.ts';
import { html, type Html } from './html.ts';
import { formatInteger, formatPercent, formatPoints } from './format.ts';
import { chartFigure, emptyChart } from './charts/figure.ts';
import type { RunData } from './read-run-dir.ts';

export interface ContinualCycle {
  step: number;
  trigger: string;
  /** New feedback items the trigger counted, and repeats (re-sent ids or duplicate content) it did not; null when the decision does not say. */
  newItems: number | null;
  repeated: number | null;
  outcome: 'promote' | 'reject' | 'pending';
  candidateAccuracy: number | null;
  deployedAccuracy: number | null;
  holdoutItems: number | null;
  worstDrop: number | null;
  failed: string[];
  checkpoint: string | null;
  /** Rehearsed mastered tasks and their Leitner box moves, as judged on the candidate. */
  rehearsed: { task: string; retained: boolean; from: number | null; to: number | null }[];
}

const BOX_MOVE = /box (\d+) -> (\d+)/;
const REPEATED = /\((\d+) repeated/;

function rehearsedOf(decision: Decision): ContinualCycle['rehearsed'] {
  return decision.reasons.flatMap((r) => {
    if ((r.code !== 'review.retained' && r.code !== 'review.forgotten') || r.task === undefined) return [];
    const move = BOX_MOVE.exec(r.message);
    return [{ task: r.task, retained: r.holds, from: move ? Number(move[1]) : null, to: move ? Number(move[2]) : null }];
  });
}

/** Retraining cycles in log order: a retrain decision, then its promote or reject. */
export function continualCycles(decisions: readonly Decision[], feedbackResults: readonly EvaluationResults[]): ContinualCycle[] {
  const cycles: ContinualCycle[] = [];
  let open: ContinualCycle | null = null;
  let next = 0;
  for (const d of decisions) {
    if (d.kind === 'retrain') {
      const held = d.reasons.filter((r) => r.holds).map((r) => r.code.replace(/^continual\./, ''));
      const count = d.reasons.find((r) => r.code === 'continual.feedback-count');
      const repeated = count ? REPEATED.exec(count.message) : null;
      open = {
        step: d.step,
        trigger: held.join(', ') || 'retrain',
        newItems: count?.value ?? null,
        repeated: repeated ? Number(repeated[1]) : null,
        outcome: 'pending',
        candidateAccuracy: null,
        deployedAccuracy: null,
        holdoutItems: null,
        worstDrop: null,
        failed: [],
        checkpoint: null,
        rehearsed: [],
      };
      cycles.push(open);
    } else if ((d.kind === 'promote' || d.kind === 'reject') && open) {
      open.outcome = d.kind;
      const drops = d.reasons.filter((r) => r.code === 'continual.regression').map((r) => r.value ?? 0);
      open.worstDrop = drops.length > 0 ? Math.max(...drops) : null;
      // Box moves are context, not a promotion gate: a forgotten rehearsal is shown in its own column.
      open.failed = d.reasons.filter((r) => !r.holds && !r.code.startsWith('review.')).map((r) => r.code);
      open.rehearsed = rehearsedOf(d);
      const named = d.reasons.find((r) => r.code === 'continual.promoted-checkpoint');
      open.checkpoint = named ? named.message.replace(/^deploy /, '') : null;
      // Each decided cycle consumed the next feedback evaluation that scored the deployed model too.
      const result = feedbackResults[next];
      next += 1;
      const pooled = result ? Object.values(result.tasks)[0] : undefined;
      if (pooled) {
        open.candidateAccuracy = pooled.accuracy;
        open.holdoutItems = pooled.n;
      }
      if (result?.baseline) open.deployedAccuracy = result.baseline.metrics.accuracy;
      open = null;
    }
  }
  return cycles;
}

export function continualPhaseSection(data: RunData, spec: ResolvedSpec | null): Html {
  const decisions = data.decisions.map((d) => d.payload);
  const enabled = spec?.continual.enabled ?? decisions.some((d) => d.kind === 'retrain');
  if (!enabled || !spec) return html``;
  const feedbackResults = data.metrics.flatMap((m) => (m.type === 'evaluation.results' && m.payload.suite === 'feedback' && m.payload.baseline ? [m.payload] : []));
  const cycles = continualCycles(decisions, feedbackResults);
  const drift = decisions.flatMap((d) => d.reasons.filter((r) => r.code === 'continual.heldout-drift').map((r) => ({ step: d.step, r })));
  const promotions = cycles.filter((c) => c.outcome === 'promote').length;
  const rejections = cycles.filter((c) => c.outcome === 'reject').length;
  const c = spec.continual;
  const table =
    cycles.length === 0
      ? emptyChart('continual-phase-cycles', 'Retraining cycles', 'No retraining yet: the run is monitoring production feedback, or has not reached the continual phase.')
      : chartFigure({
          name: 'continual-phase-cycles',
          title: `${cycles.length} retraining cycle(s): ${promotions} promoted, ${rejections} rejected`,
          subtitle: 'feedback hold-out accuracy of the candidate against the deployed model on the same items; worst held-out drop of a mastered task; the mastered tasks the retraining rehearsed, their Leitner box move and whether the candidate retained them',
          points: cycles.length,
          body: html`<table><thead><tr><th class="num">step</th><th>trigger</th><th class="num">hold-out items</th><th class="num">candidate</th><th class="num">deployed</th><th class="num">gain</th><th class="num">worst drop</th><th>rehearsed (Leitner box)</th><th>decision</th></tr></thead><tbody>
${cycles.map(
  (y) => html`<tr><td class="num">${formatInteger(y.step)}</td><td>${y.trigger}${y.newItems !== null ? html`<br><small>${formatInteger(y.newItems)} new${y.repeated !== null ? `, ${formatInteger(y.repeated)} repeated (counted once)` : ''}</small>` : ''}</td><td class="num">${y.holdoutItems === null ? '–' : formatInteger(y.holdoutItems)}</td>
<td class="num">${formatPercent(y.candidateAccuracy)}</td><td class="num">${formatPercent(y.deployedAccuracy)}</td>
<td class="num">${y.candidateAccuracy !== null && y.deployedAccuracy !== null ? formatPoints(y.candidateAccuracy - y.deployedAccuracy) : '–'}</td>
<td class="num">${y.worstDrop === null ? '–' : formatPoints(-y.worstDrop)}</td>
<td>${y.rehearsed.length === 0 ? '–' : y.rehearsed.map((r) => html`<span class="tag tag-${r.retained ? 'promote' : 'reject'}">${r.task}${r.from !== null ? ` ${r.from}→${r.to ?? '?'}` : ''} ${r.retained ? 'retained' : 'forgotten'}</span> `)}</td>
<td><span class="tag tag-${y.outcome}">${y.outcome}</span>${y.checkpoint ? html` <code>${y.checkpoint}</code>` : ''}${y.failed.length > 0 ? html` <em>${y.failed.join(', ')}</em>` : ''}</td></tr>`,
)}
</tbody></table>`,
        });
  return html`<section id="continual-phase"><h2>Continual phase</h2>
<p class="lede">After the last stage the run watches production feedback for deployment <code>${c.deploymentId}</code>: it retrains after ${formatInteger(c.minFeedback)} new items, an error rate of ${formatPercent(c.errorRate)}${c.driftCheckEvery ? html`, or a held-out drift of ${formatPercent(c.heldoutDrift)} (checked every ${formatInteger(c.driftCheckEvery)} items)` : ''}, and promotes a candidate only if no mastered task drops more than ${formatPercent(c.maxRegression)} and feedback accuracy gains more than ${formatPercent(c.minFeedbackGain)}.</p>
${table}
${drift.length > 0 ? html`<p>Drift checks: ${drift.map(({ step, r }) => html`<span class="tag tag-${r.holds ? 'retrain' : 'hold'}">step ${formatInteger(step)}: drift ${formatPercent(r.value ?? null)}</span> `)}</p>` : ''}
</section>`;
}
