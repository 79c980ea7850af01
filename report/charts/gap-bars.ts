// Per-category accuracy against the mean, as diverging horizontal bars: the fairness view
// asks "who trails, and by how much", which a bar from a zero line answers at a glance.
import { html, join, type Html } from '../html.ts';
import { chartFigure } from './figure.ts';
import { linearScale } from './scale.ts';

export interface GapBar {
  label: string;
  value: number;
  /** Examples behind the value, shown in the tooltip and the label. */
  n: number;
}

export interface GapBarsOptions {
  name: string;
  title: string;
  subtitle?: string;
  reference: number;
  referenceLabel: string;
  bars: readonly GapBar[];
  /** Gaps beyond this (below the reference) are drawn as violations. */
  maxGap?: number | null;
  width?: number;
}

const ROW = 26;
const MARGIN = { left: 170, right: 120, top: 26, bottom: 30 };

export function gapBars(o: GapBarsOptions): Html {
  const width = o.width ?? 880;
  const height = MARGIN.top + MARGIN.bottom + ROW * o.bars.length;
  const gaps = o.bars.map((b) => b.value - o.reference);
  const extent = Math.max(0.05, ...gaps.map(Math.abs), o.maxGap ?? 0) * 1.1;
  const x = linearScale([-extent, extent], [MARGIN.left, width - MARGIN.right]);
  const r = (v: number) => v.toFixed(1);
  const zero = x(0);
  const pp = (v: number) => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)} pp`;

  const rows = o.bars.map((b, i) => {
    const gap = b.value - o.reference;
    const top = MARGIN.top + i * ROW + 4;
    const violates = o.maxGap !== null && o.maxGap !== undefined && -gap > o.maxGap;
    const fill = gap >= 0 ? '#59a14f' : violates ? '#c0392b' : '#e8a33d';
    const x0 = Math.min(zero, x(gap));
    const w = Math.max(1, Math.abs(x(gap) - zero));
    return html`<g class="gap"><title>${b.label}: ${(b.value * 100).toFixed(1)}% (n=${b.n}), ${pp(gap)} vs ${o.referenceLabel}</title>
<text x="${MARGIN.left - 10}" y="${r(top + 13)}" class="tick" text-anchor="end">${b.label}</text>
<rect x="${r(x0)}" y="${r(top)}" width="${r(w)}" height="${ROW - 8}" rx="3" fill="${fill}"/>
<text x="${width - MARGIN.right + 8}" y="${r(top + 13)}" class="tick">${(b.value * 100).toFixed(1)}% (${pp(gap)})</text></g>`;
  });
  const limit = o.maxGap === null || o.maxGap === undefined
    ? ''
    : html`<line x1="${r(x(-o.maxGap))}" x2="${r(x(-o.maxGap))}" y1="${MARGIN.top - 6}" y2="${height - MARGIN.bottom}" stroke="#c0392b" stroke-dasharray="4 3"/><text x="${r(x(-o.maxGap))}" y="${MARGIN.top - 10}" class="tick" text-anchor="middle">max gap −${(o.maxGap * 100).toFixed(0)} pp</text>`;
  const axis = html`<line x1="${r(zero)}" x2="${r(zero)}" y1="${MARGIN.top - 6}" y2="${height - MARGIN.bottom}" class="axis"/>
<text x="${r(zero)}" y="${height - 10}" class="axis-label" text-anchor="middle">${o.referenceLabel} (${(o.reference * 100).toFixed(1)}%)</text>`;

  return chartFigure({
    name: o.name,
    title: o.title,
    ...(o.subtitle ? { subtitle: o.subtitle } : {}),
    points: o.bars.length,
    body: html`<svg class="plot" viewBox="0 0 ${width} ${height}" role="img" aria-label="${o.title}">${join(rows)}${limit}${axis}</svg>`,
  });
}
