// The report's "against uniform sampling" section: both learning curves over training samples
// on one chart, the milestone line, and the measured samples-to-milestone ratio.
import { html, type Html } from './html.ts';
import { formatInteger } from './format.ts';
import { lineChart } from './charts/line-chart.ts';
import { readBaselineComparison, ratioSentence, type BaselineRun } from './baseline-comparison.ts';

const CURRICULUM_COLOUR = '#4e79a7';
const UNIFORM_COLOUR = '#9c755f';

function points(run: BaselineRun) {
  return run.curve.map(([x, y]) => ({ x, y, label: `${formatInteger(x)} samples: ${(y * 100).toFixed(1)}%` }));
}

/** Empty when the run was not compared with a baseline. */
export function baselineSection(runDir: string): Html {
  const c = readBaselineComparison(runDir);
  if (c === null) return html``;
  if (typeof c === 'string') return html`<section id="baseline"><h2>Against uniform sampling</h2><p class="problems">The baseline comparison could not be read: ${c}</p></section>`;
  const accuracyLike = c.curriculum.curve.concat(c.uniform.curve).every(([, y]) => y >= 0 && y <= 1);
  const chart = lineChart({
    name: 'baseline-overlay',
    title: 'Curriculum against uniform sampling',
    subtitle: `${c.measure}, by training samples consumed; same model, tasks, seed and budget`,
    xLabel: 'training samples',
    yLabel: c.measure,
    series: [
      { name: `curriculum (${c.curriculum.runId})`, colour: CURRICULUM_COLOUR, points: points(c.curriculum) },
      { name: `uniform sampling (${c.uniform.runId})`, colour: UNIFORM_COLOUR, points: points(c.uniform) },
    ],
    ...(accuracyLike ? { yDomain: [0, 1] as const, yFormat: (v: number) => `${Math.round(v * 100)}%` } : {}),
    references: c.threshold === null ? [] : [{ y: c.threshold, label: `milestone ${c.threshold}` }],
  });
  const cell = (v: number | null) => (v === null ? 'not reached' : formatInteger(v));
  return html`<section id="baseline"><h2>Against uniform sampling</h2>
<p class="lede"><strong>${ratioSentence(c)}.</strong></p>
${chart}
<table><thead><tr><th>run</th><th class="num">samples to milestone</th><th class="num">step</th><th class="num">samples trained</th></tr></thead><tbody>
<tr><td>curriculum</td><td class="num">${cell(c.curriculum.samplesToMilestone)}</td><td class="num">${cell(c.curriculum.stepToMilestone)}</td><td class="num">${formatInteger(c.curriculum.samples)}</td></tr>
<tr><td>uniform sampling</td><td class="num">${cell(c.uniform.samplesToMilestone)}</td><td class="num">${cell(c.uniform.stepToMilestone)}</td><td class="num">${formatInteger(c.uniform.samples)}</td></tr>
</tbody></table>
<p class="lede">Milestone: ${c.milestone} (the last stage's gates, point estimates, for both runs). Budget: ${formatInteger(c.budgetSamples)} samples. The uniform run trains every task in one stage with equal weights and stops at the milestone.</p>
</section>`;
}
