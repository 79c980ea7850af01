// Sampling weights over time as a stacked step chart: each lesson is a column spanning its
// steps, split by the probability of each task. Drawn with rectangles, because weights are
// constant within a lesson and change only at lesson boundaries.
import { html, join, type Html } from '../html.ts';
import { formatCompact } from '../format.ts';
import { chartFigure, type LegendEntry } from './figure.ts';
import { linearScale, niceTicks } from './scale.ts';
import type { StageBand } from './line-chart.ts';

export interface WeightSpan {
  from: number;
  to: number;
  weights: Readonly<Record<string, number>>;
  /** Shown as a strip above the column: review and retrain lessons are worth seeing. */
  purpose: 'train' | 'review' | 'retrain';
  label: string;
}

export interface StackedWeightsOptions {
  name: string;
  title: string;
  subtitle?: string;
  tasks: readonly string[];
  colour: (task: string) => string;
  spans: readonly WeightSpan[];
  bands?: readonly StageBand[];
  width?: number;
  height?: number;
}

const PURPOSE_COLOURS = { train: '#d5dde6', review: '#7a5195', retrain: '#ef8a62' } as const;
const MARGIN = { left: 58, right: 18, top: 30, bottom: 46 };

export function stackedWeightsChart(o: StackedWeightsOptions): Html {
  const width = o.width ?? 880;
  const height = o.height ?? 260;
  const plotRight = width - MARGIN.right;
  const plotBottom = height - MARGIN.bottom;
  const xs = o.spans.flatMap((s) => [s.from, s.to]);
  const xDomain: [number, number] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  if (xDomain[0] === xDomain[1]) xDomain[1] = xDomain[0] + 1;
  const x = linearScale(xDomain, [MARGIN.left, plotRight]);
  const y = linearScale([0, 1], [plotBottom, MARGIN.top]);
  const r = (v: number) => v.toFixed(2);

  let points = 0;
  const columns = o.spans.map((span) => {
    const x0 = x(span.from);
    const w = Math.max(0.5, x(span.to) - x0);
    const total = Object.values(span.weights).reduce((a, b) => a + b, 0) || 1;
    let acc = 0;
    const rects = o.tasks.map((task) => {
      const p = (span.weights[task] ?? 0) / total;
      if (p <= 0) return '';
      points++;
      const top = y(acc + p);
      const h = y(acc) - top;
      acc += p;
      return html`<rect x="${r(x0)}" y="${r(top)}" width="${r(w)}" height="${r(h)}" fill="${o.colour(task)}"><title>${span.label} · ${task}: ${(p * 100).toFixed(1)}%</title></rect>`;
    });
    const strip = span.purpose === 'train'
      ? ''
      : html`<rect x="${r(x0)}" y="${MARGIN.top - 9}" width="${r(w)}" height="6" fill="${PURPOSE_COLOURS[span.purpose]}"><title>${span.label}: ${span.purpose} lesson</title></rect>`;
    return html`<g class="lesson">${rects}${strip}</g>`;
  });

  const bandLines = (o.bands ?? []).map((b) => html`<line x1="${r(x(b.from))}" x2="${r(x(b.from))}" y1="${MARGIN.top - 12}" y2="${plotBottom}" stroke="#1b2733" stroke-width="1" stroke-dasharray="2 3" opacity="0.6"><title>${b.label} starts at step ${b.from}</title></line>`);
  const yTicks = [0, 0.25, 0.5, 0.75, 1];
  const xTicks = niceTicks(xDomain[0], xDomain[1], 8);
  const axes = html`${yTicks.map((t) => html`<text x="${MARGIN.left - 8}" y="${r(y(t) + 4)}" class="tick" text-anchor="end">${Math.round(t * 100)}%</text>`)}
${xTicks.map((t) => html`<line x1="${r(x(t))}" x2="${r(x(t))}" y1="${plotBottom}" y2="${plotBottom + 5}" class="axis"/><text x="${r(x(t))}" y="${plotBottom + 18}" class="tick" text-anchor="middle">${formatCompact(t)}</text>`)}
<line x1="${MARGIN.left}" x2="${plotRight}" y1="${plotBottom}" y2="${plotBottom}" class="axis"/>
<text x="${(MARGIN.left + plotRight) / 2}" y="${height - 8}" class="axis-label" text-anchor="middle">training step</text>
<text transform="translate(14 ${(MARGIN.top + plotBottom) / 2}) rotate(-90)" class="axis-label" text-anchor="middle">sampling probability</text>`;

  const legendEntries: LegendEntry[] = o.tasks.map((t) => ({ label: t, colour: o.colour(t), shape: 'block' }));
  if (o.spans.some((s) => s.purpose === 'review')) legendEntries.push({ label: 'review lesson', colour: PURPOSE_COLOURS.review, shape: 'block' });
  if (o.spans.some((s) => s.purpose === 'retrain')) legendEntries.push({ label: 'retrain lesson', colour: PURPOSE_COLOURS.retrain, shape: 'block' });

  return chartFigure({
    name: o.name,
    title: o.title,
    ...(o.subtitle ? { subtitle: o.subtitle } : {}),
    points,
    legend: legendEntries,
    body: html`<svg class="plot" viewBox="0 0 ${width} ${height}" role="img" aria-label="${o.title}">${join(columns)}${join(bandLines)}${axes}</svg>`,
  });
}
