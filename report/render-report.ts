// report.html: one self-contained page per run. Charts are SVG drawn here, the stylesheet is
// inline and a Content-Security-Policy forbids every fetch and script, so the file opens
// offline, from an artefact store or an e-mail attachment, exactly as it was written.
import { writeFileSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import type { EvaluationResults, Reason } from '../schemas/events.ts';
import type { ResolvedSpec } from '../schemas/spec.ts';
import { html, join, trusted, type Html } from './html.ts';
import { formatDuration, formatInteger, formatNumber, formatPercent, formatPoints } from './format.ts';
import { readRunDir, type RunData } from './read-run-dir.ts';
import { deriveRunSummary, MILESTONE_ACCURACY, taskOrder } from './derive-summary.ts';
import type { RunSummary } from './run-summary.ts';
import { RUN_DIR_FILES } from './run-dir-files.ts';
import { heatColour, taskColours, type TaskColours } from './task-colours.ts';
import { lineChart } from './charts/line-chart.ts';
import { stackedWeightsChart } from './charts/stacked-weights-chart.ts';
import { gapBars } from './charts/gap-bars.ts';
import { chartFigure, emptyChart } from './charts/figure.ts';
import {
  decisionMarkers,
  learningRateSeries,
  stageBands,
  suiteSeries,
  suitesPresent,
  trainingLossSeries,
  weightSpans,
} from './series-from-logs.ts';
import { REPORT_CSS } from './report-styles.ts';
import { continualPhaseSection } from './continual-phase.ts';
import { bucketsSection } from './buckets-section.ts';
import { baselineSection } from './baseline-section.ts';

// No network, no script: the report must render the same anywhere, and user strings can never run.
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const SUITE_TITLES: Record<string, string> = {
  heldout: 'Held-out',
  'holdout-domain': 'Hold-out domain',
  adversarial: 'Adversarial',
  feedback: 'Production feedback',
};

interface Context {
  data: RunData;
  spec: ResolvedSpec | null;
  summary: RunSummary;
  tasks: string[];
  colour: TaskColours;
}

/** The report of the run in `runDir` as an HTML string. Missing optional files leave their sections empty. */
export function renderReport(runDir: string): string {
  const data = readRunDir(runDir);
  const summary = data.summary ?? deriveRunSummary(data);
  const tasks = taskOrder(data);
  for (const t of summary.tasks) if (!tasks.includes(t.id)) tasks.push(t.id);
  const ctx: Context = { data, spec: data.spec, summary, tasks, colour: taskColours(tasks) };

  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${summary.name} · ${summary.runId} · curriculum report</title>
<style>${trusted(REPORT_CSS)}</style>
</head>
<body>
<main>
${header(ctx)}
${problems(ctx)}
${baselineSection(data.runDir)}
${curriculumSection(ctx)}
${bucketsSection(data.runDir, ctx.spec, summary.finalHeldout)}
${progressSection(ctx)}
${continualSection(ctx)}
${continualPhaseSection(ctx.data, ctx.spec)}
${calibrationSection(ctx)}
${fairnessSection(ctx)}
${otherSuitesSection(ctx)}
${trainingSection(ctx)}
${decisionSection(ctx)}
${specSection(ctx)}
<footer>curriculum run report · ${summary.runId} · ${data.summary ? 'summary.json' : 'summary derived from the logs (no valid summary.json)'}</footer>
</main>
</body>
</html>
`;
  return page.value;
}

/** Writes `report.html` into the run directory and returns its path. */
export function writeReport(runDir: string): string {
  const path = joinPath(runDir, RUN_DIR_FILES.report);
  writeFileSync(path, renderReport(runDir));
  return path;
}

// ---------------------------------------------------------------- sections

function header({ data, spec, summary }: Context): Html {
  const kpi = (label: string, value: string) => html`<div class="kpi"><div class="value">${value}</div><div class="label">${label}</div></div>`;
  return html`<header class="run">
<h1>${summary.name}<span class="status status-${summary.status}">${summary.status}${summary.earlyStopped ? ' · early stop' : ''}</span></h1>
<div class="run-id">run ${summary.runId} · started ${summary.startedAt}${summary.finishedAt ? html` · finished ${summary.finishedAt}` : ''}</div>
${spec?.description ? html`<p class="description">${spec.description}</p>` : ''}
<div class="kpis">
${kpi('final avg accuracy', formatPercent(finalAverage(summary)))}
${kpi('steps', formatInteger(summary.steps))}
${kpi('samples', formatInteger(summary.samples))}
${kpi('wall time', formatDuration(summary.wallSeconds))}
${kpi('backend', summary.device ? `${summary.backend} · ${summary.device}` : summary.backend)}
${kpi('reviews', formatInteger(summary.reviews))}
${kpi('reverts', formatInteger(summary.reverts))}
${kpi('decisions', formatInteger(summary.decisions || data.decisions.length))}
</div>
</header>`;
}

/** ACC when the matrix has it, else the mean of the last held-out evaluation. */
function finalAverage(summary: RunSummary): number | null {
  if (summary.continualLearning.averageAccuracy !== null) return summary.continualLearning.averageAccuracy;
  const values = Object.values(summary.finalHeldout);
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

function problems({ data }: Context): Html {
  if (data.problems.length === 0) return html``;
  return html`<section class="problems"><h2>Skipped input</h2>
<p class="lede">These files or lines could not be read; the report shows everything else.</p>
<ul>${data.problems.map((p) => html`<li>${p}</li>`)}</ul></section>`;
}

function rationaleCell(text: string | undefined): Html {
  return text ? html`<td class="rationale">${text}</td>` : html`<td class="rationale"><em>no rationale given</em></td>`;
}

function curriculumSection({ spec, summary, colour }: Context): Html {
  const specStage = (id: string) => spec?.stages.find((s) => s.id === id);
  const stageRows = summary.stages.map((s, i) => {
    const st = specStage(s.id);
    const range = s.startedStep === null ? 'not started' : `${formatInteger(s.startedStep)} – ${s.endedStep === null ? '…' : formatInteger(s.endedStep)}`;
    return html`<tr><td class="num">${i + 1}</td><td><strong>${s.id}</strong></td>
<td>${(st?.tasks ?? []).map((t) => html`<span class="tag"><span class="dot" style="background:${colour(t)}"></span>${t}</span> `)}</td>
<td>${st ? st.teacher.kind : '–'}</td><td class="num">${range}</td><td><span class="tag tag-${s.outcome}">${s.outcome}</span></td>
${rationaleCell(s.rationale ?? st?.rationale)}</tr>`;
  });
  const taskRows = summary.tasks.map((t) => {
    const rationale = t.rationale ?? spec?.tasks.find((x) => x.id === t.id)?.rationale;
    return html`<tr><td><span class="dot" style="background:${colour(t.id)}"></span><strong>${t.id}</strong></td><td>${t.skill}</td>
<td class="num">${formatNumber(t.difficulty, 2)}</td><td class="num">${formatPercent(summary.finalHeldout[t.id])}</td>${rationaleCell(rationale)}</tr>`;
  });
  const milestones = summary.milestones.length === 0
    ? emptyChart('milestones', 'Milestones', 'No milestone reached yet.')
    : chartFigure({
        name: 'milestones',
        title: 'Milestones',
        subtitle: `first held-out accuracy ≥ ${MILESTONE_ACCURACY} per task, and each stage entered`,
        points: summary.milestones.length,
        body: html`<table><thead><tr><th>milestone</th><th class="num">step</th><th class="num">samples</th></tr></thead><tbody>
${summary.milestones.map((m) => html`<tr><td>${m.name}</td><td class="num">${formatInteger(m.step)}</td><td class="num">${formatInteger(m.samples)}</td></tr>`)}
</tbody></table>`,
      });
  return html`<section id="curriculum"><h2>Curriculum</h2>
<p class="lede">The stages in the order they ran, each with the reason it exists, and the tasks with their final held-out accuracy.</p>
<table><thead><tr><th class="num">#</th><th>stage</th><th>tasks</th><th>teacher</th><th class="num">steps</th><th>outcome</th><th>rationale</th></tr></thead>
<tbody>${stageRows}</tbody></table>
<h3>Tasks</h3>
<table><thead><tr><th>task</th><th>skill</th><th class="num">difficulty</th><th class="num">final held-out</th><th>rationale</th></tr></thead>
<tbody>${taskRows}</tbody></table>
${milestones}
</section>`;
}

function progressSection(ctx: Context): Html {
  const { data, summary, tasks, colour } = ctx;
  const bands = stageBands(summary);
  const series = suiteSeries(data, 'heldout', 'accuracy', tasks, colour);
  const accuracy = series.length === 0
    ? emptyChart('heldout-accuracy', 'Held-out accuracy per task', 'No held-out evaluation yet.')
    : lineChart({
        name: 'heldout-accuracy',
        title: 'Held-out accuracy per task',
        subtitle: 'shaded: stages · ▲ review · ✕ revert · dashed: branch abandoned by a revert',
        xLabel: 'training step',
        yLabel: 'held-out accuracy',
        series,
        yDomain: [0, 1],
        yFormat: (v) => `${Math.round(v * 100)}%`,
        bands,
        markers: decisionMarkers(data),
        references: [{ y: MILESTONE_ACCURACY, label: `milestone ${Math.round(MILESTONE_ACCURACY * 100)}%` }],
      });
  const spans = weightSpans(data);
  const weights = spans.length === 0
    ? emptyChart('sampling-weights', 'Sampling weights over time', 'No lesson started yet.')
    : stackedWeightsChart({
        name: 'sampling-weights',
        title: 'Sampling weights over time',
        subtitle: 'the probability each task is drawn with, lesson by lesson; dotted lines: stage starts',
        tasks,
        colour,
        spans,
        bands,
      });
  return html`<section id="progress"><h2>Learning progress</h2>
<p class="lede">What the model could do (held-out accuracy) against what the teacher chose to train (sampling weights).</p>
${accuracy}${weights}</section>`;
}

function continualSection({ summary, spec }: Context): Html {
  const cl = summary.continualLearning;
  const cells = cl.matrix.flat().filter((v) => v !== null).length;
  const table = cells === 0
    ? emptyChart('continual-learning-matrix', 'Accuracy matrix', 'No stage has ended with a held-out evaluation yet.')
    : chartFigure({
        name: 'continual-learning-matrix',
        title: 'Accuracy matrix R',
        subtitle: 'R[i][j]: held-out accuracy on task j (column) at the end of stage i (row); outlined: tasks the stage trains',
        points: cells,
        body: html`<table class="heatmap"><thead><tr><th>after stage</th>${cl.tasks.map((t) => html`<th class="num">${t}</th>`)}</tr></thead><tbody>
${cl.stages.map((stage, i) => {
  const trained = spec?.stages.find((s) => s.id === stage)?.tasks ?? [];
  return html`<tr><th>${stage}</th>${cl.tasks.map((task, j) => {
    const v = cl.matrix[i]?.[j] ?? null;
    if (v === null) return html`<td class="cell none">–</td>`;
    const c = heatColour(v);
    const outline = trained.includes(task) ? ';outline:2px solid #1b2733;outline-offset:-4px' : '';
    return html`<td class="cell" style="background:${c.fill};color:${c.text}${outline}" title="${task} after ${stage}: ${formatPercent(v)}">${formatPercent(v)}</td>`;
  })}</tr>`;
})}
</tbody></table>`,
      });
  const metric = (label: string, value: number | null, text: string, hint: string, goodWhenPositive: boolean | null) => {
    const cls = value === null || goodWhenPositive === null || value === 0 ? '' : (value > 0) === goodWhenPositive ? 'good' : 'bad';
    return html`<div class="metric"><div class="label">${label}</div><div class="value ${cls}">${text}</div><div class="hint">${hint}</div></div>`;
  };
  return html`<section id="continual"><h2>Continual learning</h2>
<p class="lede">How learning later stages changed earlier tasks (backward transfer, forgetting) and how earlier stages prepared later tasks (forward transfer).</p>
${table}
<div class="metrics-grid">
${metric('Average accuracy (ACC)', cl.averageAccuracy, formatPercent(cl.averageAccuracy), 'mean of the last row', null)}
${metric('Backward transfer (BWT)', cl.backwardTransfer, formatPoints(cl.backwardTransfer), 'final minus when-learned accuracy; negative is forgetting', true)}
${metric('Forward transfer (FWT)', cl.forwardTransfer, formatPoints(cl.forwardTransfer), 'accuracy before a task is trained, over its baseline', true)}
${metric('Forgetting', cl.forgetting, formatPoints(cl.forgetting), 'best minus final accuracy of earlier tasks', false)}
</div></section>`;
}

function lastEvaluation(data: RunData, suite: string): EvaluationResults | undefined {
  for (let i = data.metrics.length - 1; i >= 0; i--) {
    const m = data.metrics[i];
    if (m?.type === 'evaluation.results' && m.payload.suite === suite) return m.payload;
  }
  return undefined;
}

function calibrationSection({ data, summary, tasks, colour }: Context): Html {
  const series = suiteSeries(data, 'heldout', 'ece', tasks, colour);
  const ece = series.length === 0
    ? emptyChart('calibration-ece', 'Expected calibration error', 'No held-out evaluation yet.')
    : lineChart({
        name: 'calibration-ece',
        title: 'Expected calibration error per task (held-out)',
        subtitle: '15 equal-width confidence bins; lower is better calibrated',
        xLabel: 'training step',
        yLabel: 'ECE',
        series,
        yFormat: (v) => formatNumber(v, 2),
        bands: stageBands(summary),
        height: 240,
      });
  const last = lastEvaluation(data, 'heldout');
  const rows = last ? Object.entries(last.tasks) : [];
  const verdict = (e: number) => (e < 0.05 ? 'well calibrated' : e < 0.15 ? 'somewhat over/under-confident' : 'poorly calibrated');
  const table = rows.length === 0
    ? emptyChart('calibration-last', 'Reliability at the last evaluation', 'No held-out evaluation yet.')
    : chartFigure({
        name: 'calibration-last',
        title: `Reliability at the last held-out evaluation (step ${last?.step ?? 0})`,
        subtitle: 'mean confidence differs from accuracy by about the ECE',
        points: rows.length,
        body: html`<table><thead><tr><th>task</th><th class="num">n</th><th class="num">accuracy</th><th class="num">loss</th><th class="num">ECE</th><th>verdict</th></tr></thead><tbody>
${rows.map(([task, m]) => html`<tr><td><span class="dot" style="background:${colour(task)}"></span>${task}</td><td class="num">${formatInteger(m.n)}</td><td class="num">${formatPercent(m.accuracy)}</td><td class="num">${formatNumber(m.loss, 3)}</td>
<td class="num"><span class="bar" style="width:${Math.max(2, Math.round(m.ece * 200))}px"></span>${formatNumber(m.ece, 3)}</td><td>${verdict(m.ece)}</td></tr>`)}
</tbody></table>`,
      });
  return html`<section id="calibration"><h2>Calibration</h2>
<p class="lede">Whether the model's confidence can be trusted: expected calibration error over training and at the end.</p>
<div>${ece}</div>${table}</section>`;
}

function fairnessSection({ data, spec }: Context): Html {
  const last = lastEvaluation(data, 'heldout');
  const categories = last ? Object.entries(last.categories) : [];
  const accuracies = last ? Object.values(last.tasks).map((m) => m.accuracy) : [];
  const mean = accuracies.length ? accuracies.reduce((a, b) => a + b, 0) / accuracies.length : 0;
  const minSamples = spec?.fairness.minSamples ?? 0;
  const chart = categories.length === 0
    ? emptyChart('category-gaps', 'Per-category gaps', 'The last held-out evaluation reported no categories.')
    : gapBars({
        name: 'category-gaps',
        title: `Per-category accuracy vs the mean (held-out, step ${last?.step ?? 0})`,
        subtitle: spec?.fairness.maxGap != null ? `fairness gate: no category more than ${Math.round(spec.fairness.maxGap * 100)} pp below the mean` : 'no fairness gate configured',
        reference: mean,
        referenceLabel: 'mean held-out accuracy',
        maxGap: spec?.fairness.maxGap ?? null,
        bars: categories
          .sort((a, b) => a[1].accuracy - b[1].accuracy)
          .map(([name, m]) => ({ label: m.n < minSamples ? `${name} (n<${minSamples}, ignored)` : name, value: m.accuracy, n: m.n })),
      });
  return html`<section id="fairness"><h2>Per-category gaps</h2>
<p class="lede">Which categories trail the average, at the last held-out evaluation.</p>${chart}</section>`;
}

function otherSuitesSection({ data, spec, summary, tasks, colour }: Context): Html {
  const present = suitesPresent(data).filter((s) => s !== 'heldout');
  const expected = (spec?.evaluation.suites ?? []).filter((s) => s !== 'heldout' && s !== 'feedback' && !present.includes(s));
  const charts = present.map((suite) =>
    lineChart({
      name: `${suite}-accuracy`,
      title: `${SUITE_TITLES[suite] ?? suite} accuracy per task`,
      xLabel: 'training step',
      yLabel: 'accuracy',
      series: suiteSeries(data, suite, 'accuracy', tasks, colour),
      yDomain: [0, 1],
      yFormat: (v) => `${Math.round(v * 100)}%`,
      bands: stageBands(summary),
      height: 240,
    }),
  );
  const missing = expected.map((suite) => emptyChart(`${suite}-accuracy`, `${SUITE_TITLES[suite] ?? suite} accuracy per task`, 'The spec runs this suite, but no result has arrived.'));
  if (charts.length === 0 && missing.length === 0) return html``;
  return html`<section id="robustness"><h2>Robustness</h2>
<p class="lede">The same tasks on inputs from another domain and on adversarial inputs: where held-out accuracy overstates what was learned.</p>
${charts}${missing}</section>`;
}

function trainingSection({ data, summary, tasks, colour }: Context): Html {
  const loss = trainingLossSeries(data, tasks, colour);
  const lr = learningRateSeries(data);
  if (loss.length === 0 && lr.length === 0) return html``;
  const bands = stageBands(summary);
  return html`<section id="training"><h2>Training</h2>
<p class="lede">What the trainer reported: loss per task over each metrics window, and the learning rate.</p>
${loss.length ? lineChart({ name: 'training-loss', title: 'Training loss per task', xLabel: 'training step', yLabel: 'loss', series: loss, bands, height: 240 }) : ''}
${lr.length ? lineChart({ name: 'learning-rate', title: 'Learning rate', xLabel: 'training step', yLabel: 'learning rate', series: lr, bands, yFormat: (v) => formatNumber(v, 5), height: 200 }) : ''}
</section>`;
}

const ROUTINE_KINDS = new Set(['lesson', 'evaluate', 'hold']);

function reasonItem(r: Reason): Html {
  // Accuracies, drops, gaps and rates are fractions: read as percentages; losses and counts are not.
  const fractional = /accuracy|ece|drop|gap|rate|fraction/i.test(r.metric ?? '');
  const fmt = (v: number) => (fractional ? formatPercent(v) : formatNumber(v, 3));
  const vs = r.value === undefined
    ? ''
    : html`<span class="vs">${r.metric ?? 'value'} ${fmt(r.value)}${r.bound !== undefined ? html` (bound ${fmt(r.bound)})` : ''}${r.threshold !== undefined ? html` ${r.comparator ?? 'vs'} ${fmt(r.threshold)}` : ''}</span>`;
  const scope = [r.task, r.category].filter(Boolean).join(' / ');
  return html`<li><span class="${r.holds ? 'holds' : 'fails'}">${r.holds ? '✓' : '✗'}</span> <code>${r.code}</code>${scope ? html` <em>${scope}</em>` : ''} — ${r.message}${vs}</li>`;
}

function decisionSection({ data }: Context): Html {
  if (data.decisions.length === 0) {
    return html`<section id="decisions"><h2>Decision log</h2>${emptyChart('decision-log', 'Decisions', 'No decision recorded.')}</section>`;
  }
  const counts = new Map<string, number>();
  for (const d of data.decisions) counts.set(d.payload.kind, (counts.get(d.payload.kind) ?? 0) + 1);
  const rows = data.decisions.map(({ payload: d }) => html`<tr class="${ROUTINE_KINDS.has(d.kind) ? 'routine' : ''}"><td class="num">${d.sequence}</td><td class="num">${formatInteger(d.step)}</td>
<td><span class="tag tag-${d.kind}">${d.kind}</span></td><td class="transition"><code>${d.from}</code>${d.to === d.from ? '' : html`<br>→ <code>${d.to}</code>`}</td>
<td><ul class="reasons">${d.reasons.map(reasonItem)}</ul></td></tr>`);
  return html`<section id="decisions"><h2>Decision log</h2>
<p class="lede">Every decision the controller took, with the reasons and the numbers behind them (✓ condition held, ✗ it did not). Routine lesson, evaluate and hold rows are dimmed; a row without an arrow kept its state.</p>
<p>${[...counts].map(([k, n]) => html`<span class="tag tag-${k}">${k} × ${n}</span> `)}</p>
${chartFigure({
  name: 'decision-log',
  title: `${data.decisions.length} decisions`,
  points: data.decisions.length,
  body: html`<table><thead><tr><th class="num">#</th><th class="num">step</th><th>kind</th><th>from → to</th><th>reasons</th></tr></thead><tbody>${join(rows)}</tbody></table>`,
})}
</section>`;
}

function specSection({ data }: Context): Html {
  if (data.specText === null) return html``;
  return html`<section id="spec"><h2>Spec</h2><details><summary>spec.yaml as written</summary><pre class="spec">${data.specText}</pre></details></section>`;
}
