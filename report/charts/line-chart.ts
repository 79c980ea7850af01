// A line chart over training steps, drawn as inline SVG: series (split into segments so a
// revert shows the abandoned branch faded), shaded stage bands and review/revert markers.
import { html, join, type Html } from '../html.ts';
import { formatCompact, formatNumber } from '../format.ts';
import { chartFigure, type LegendEntry } from './figure.ts';
import { linearScale, niceDomain, niceTicks } from './scale.ts';

export interface ChartPoint {
  x: number;
  y: number;
  /** Tooltip text. */
  label?: string;
}

export interface LineSeries {
  name: string;
  colour: string;
  /** The surviving timeline, drawn solid. */
  points: ChartPoint[];
  /** Pieces thrown away by reverts, drawn faded and dashed from the point they branched off. */
  abandoned?: AbandonedPiece[];
}

export interface AbandonedPiece {
  /** The surviving point the piece branched from, drawn only as the start of its line. */
  from?: ChartPoint;
  points: ChartPoint[];
}

export interface StageBand {
  from: number;
  to: number;
  label: string;
  /** Shown in the band's tooltip (the stage rationale). */
  note?: string;
}

export interface StepMarker {
  x: number;
  kind: 'review' | 'revert';
  label: string;
}

export interface ReferenceLine {
  y: number;
  label: string;
}

export interface LineChartOptions {
  name: string;
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  series: readonly LineSeries[];
  yDomain?: readonly [number, number];
  yFormat?: (v: number) => string;
  bands?: readonly StageBand[];
  markers?: readonly StepMarker[];
  references?: readonly ReferenceLine[];
  width?: number;
  height?: number;
}

export const MARKER_COLOURS = { review: '#7a5195', revert: '#c0392b' } as const;
const BAND_FILLS = ['#eef3f9', '#f8fafc'];
const MARGIN = { left: 58, right: 18, top: 30, bottom: 46 };

export function lineChart(o: LineChartOptions): Html {
  const width = o.width ?? 880;
  const height = o.height ?? 300;
  const plotRight = width - MARGIN.right;
  const plotBottom = height - MARGIN.bottom;
  const all = o.series.flatMap((s) => [...s.points, ...(s.abandoned ?? []).flatMap((a) => a.points)]);
  const xs = [...all.map((p) => p.x), ...(o.bands ?? []).flatMap((b) => [b.from, b.to])];
  const ys = all.map((p) => p.y);
  const xDomain: [number, number] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  if (xDomain[0] === xDomain[1]) xDomain[1] = xDomain[0] + 1;
  const yDomain = o.yDomain ?? niceDomain(Math.min(0, ...ys), Math.max(...ys, 0));
  const x = linearScale(xDomain, [MARGIN.left, plotRight]);
  const y = linearScale(yDomain, [plotBottom, MARGIN.top]);
  const yFormat = o.yFormat ?? ((v: number) => formatNumber(v, 3));
  const clampX = (v: number) => Math.min(plotRight, Math.max(MARGIN.left, x(v)));
  const r = (v: number) => v.toFixed(1);

  const bands = (o.bands ?? []).map((b, i) => {
    const x0 = clampX(b.from);
    const x1 = clampX(b.to);
    const w = Math.max(0, x1 - x0);
    // Labels are cut to the band width (about 6.2 px a character at 11 px); the full one is the tooltip.
    const room = Math.floor((w - 6) / 6.2);
    // A cut that leaves a letter or two ("t…") tells nothing: the stage's number (the # of the
    // stage table) does, when the whole name does not fit.
    const number = String(i + 1);
    const text = b.label.length <= room ? b.label : room >= 8 ? `${b.label.slice(0, room - 1)}…` : number.length <= room ? number : '';
    return html`<g class="band"><title>${b.label}: steps ${b.from}–${b.to}${b.note ? ` — ${b.note}` : ''}</title><rect x="${r(x0)}" y="${MARGIN.top}" width="${r(w)}" height="${plotBottom - MARGIN.top}" fill="${BAND_FILLS[i % 2]}"/><line x1="${r(x0)}" x2="${r(x0)}" y1="${MARGIN.top - 14}" y2="${plotBottom}" stroke="#c8d2de" stroke-width="1"/><text x="${r(x0 + 4)}" y="${MARGIN.top - 6}" class="band-label">${text}</text></g>`;
  });

  const yTicks = niceTicks(yDomain[0], yDomain[1], 5);
  const xTicks = niceTicks(xDomain[0], xDomain[1], 8);
  const grid = html`${yTicks.map((t) => html`<line x1="${MARGIN.left}" x2="${plotRight}" y1="${r(y(t))}" y2="${r(y(t))}" class="grid"/><text x="${MARGIN.left - 8}" y="${r(y(t) + 4)}" class="tick" text-anchor="end">${yFormat(t)}</text>`)}
${xTicks.map((t) => html`<line x1="${r(x(t))}" x2="${r(x(t))}" y1="${plotBottom}" y2="${plotBottom + 5}" class="axis"/><text x="${r(x(t))}" y="${plotBottom + 18}" class="tick" text-anchor="middle">${formatCompact(t)}</text>`)}
<line x1="${MARGIN.left}" x2="${plotRight}" y1="${plotBottom}" y2="${plotBottom}" class="axis"/><line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${plotBottom}" class="axis"/>
<text x="${(MARGIN.left + plotRight) / 2}" y="${height - 8}" class="axis-label" text-anchor="middle">${o.xLabel}</text>
<text transform="translate(14 ${(MARGIN.top + plotBottom) / 2}) rotate(-90)" class="axis-label" text-anchor="middle">${o.yLabel}</text>`;

  const shownReferences = (o.references ?? []).filter((ref) => ref.y >= yDomain[0] && ref.y <= yDomain[1]);
  const references = shownReferences.map((ref) => html`<g class="reference"><line x1="${MARGIN.left}" x2="${plotRight}" y1="${r(y(ref.y))}" y2="${r(y(ref.y))}" stroke="#8795a1" stroke-dasharray="2 4"/></g>`);
  // Labels go on top of the data, on a white halo: drawn with their lines they ended up under a series.
  const referenceLabels = shownReferences.map((ref) => html`<text x="${plotRight - 4}" y="${r(y(ref.y) - 4)}" class="tick reference-label" text-anchor="end" paint-order="stroke" stroke="#fff" stroke-width="3" stroke-linejoin="round">${ref.label}</text>`);

  const showDots = all.length <= 600;
  const polyline = (seg: readonly ChartPoint[], colour: string, faded: boolean) =>
    seg.length > 1
      ? html`<polyline points="${seg.map((p) => `${r(x(p.x))},${r(y(p.y))}`).join(' ')}" fill="none" stroke="${colour}" stroke-width="${faded ? 1.5 : 2.2}" stroke-linejoin="round" stroke-linecap="round"${faded ? html` stroke-dasharray="5 4" opacity="0.5"` : ''}/>`
      : '';
  const dots = (seg: readonly ChartPoint[], s: LineSeries, faded: boolean) =>
    showDots || seg.length === 1
      ? seg.map((p) => html`<circle cx="${r(x(p.x))}" cy="${r(y(p.y))}" r="${faded ? 2 : 2.6}" fill="${s.colour}"${faded ? html` opacity="0.5"` : ''}><title>${s.name}${faded ? ' (abandoned branch)' : ''} · step ${p.x}: ${p.label ?? yFormat(p.y)}</title></circle>`)
      : '';
  const lines = o.series.map((s) => html`<g class="series">${(s.abandoned ?? []).map((a) => html`${polyline(a.from ? [a.from, ...a.points] : a.points, s.colour, true)}${dots(a.points, s, true)}`)}${polyline(s.points, s.colour, false)}${dots(s.points, s, false)}</g>`);

  // Marker lines are solid: the legend gives dashes one meaning, a branch abandoned by a revert.
  const markers = (o.markers ?? []).map((m) => {
    const mx = r(clampX(m.x));
    const colour = MARKER_COLOURS[m.kind];
    const glyph = m.kind === 'review'
      ? html`<path d="M${mx} ${plotBottom - 11} l5 9 h-10 z" fill="${colour}"/>`
      : html`<path d="M${Number(mx) - 5} ${plotBottom - 12} l10 10 m0 -10 l-10 10" stroke="${colour}" stroke-width="2.5"/>`;
    return html`<g class="marker marker-${m.kind}"><title>${m.label}</title><line x1="${mx}" x2="${mx}" y1="${MARGIN.top}" y2="${plotBottom}" stroke="${colour}" stroke-width="1" opacity="0.55"/>${glyph}</g>`;
  });

  const legendEntries: LegendEntry[] = o.series.map((s) => ({ label: s.name, colour: s.colour }));
  if (o.series.some((s) => (s.abandoned ?? []).length > 0)) legendEntries.push({ label: 'abandoned branch (before a revert)', colour: '#8795a1', shape: 'dashed' });
  if (o.markers?.some((m) => m.kind === 'review')) legendEntries.push({ label: 'review', colour: MARKER_COLOURS.review, shape: 'review' });
  if (o.markers?.some((m) => m.kind === 'revert')) legendEntries.push({ label: 'revert', colour: MARKER_COLOURS.revert, shape: 'revert' });

  const body = html`<svg class="plot" viewBox="0 0 ${width} ${height}" role="img" aria-label="${o.title}" preserveAspectRatio="xMidYMid meet">
${join(bands)}${grid}${join(references)}${join(lines)}${join(markers)}${join(referenceLabels)}
</svg>`;
  return chartFigure({
    name: o.name,
    title: o.title,
    ...(o.subtitle ? { subtitle: o.subtitle } : {}),
    points: all.length,
    legend: legendEntries,
    body,
  });
}
