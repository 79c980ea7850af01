// Charts the benchmarks write themselves (no plotting dependency): horizontal bar panels with
// optional 95% interval whiskers, stacked vertically in one SVG that BENCHMARKS.md embeds.

export interface Bar {
  label: string;
  value: number;
  /** Interval whisker (omitted when NaN or absent). */
  lo?: number;
  hi?: number;
  /** Text printed at the bar's end; defaults to the value. */
  note?: string;
  /** Highlights the baseline or a target-meeting bar. */
  colour?: string;
}

export interface Panel {
  title: string;
  unit: string;
  bars: Bar[];
  /** A vertical reference line (a target). */
  reference?: { value: number; label: string };
  /** Log-scaled axis for quantities spanning decades (events/s). */
  log?: boolean;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderPanels(title: string, subtitle: string, panels: readonly Panel[]): string {
  const width = 900;
  const labelW = 260;
  const plotW = width - labelW - 150;
  const barH = 18;
  const gap = 6;
  let y = 56;
  const parts: string[] = [];
  parts.push(`<text x="12" y="24" font-size="17" font-weight="bold">${esc(title)}</text>`);
  parts.push(`<text x="12" y="44" font-size="11" fill="#555">${esc(subtitle)}</text>`);
  for (const panel of panels) {
    y += 18;
    parts.push(`<text x="12" y="${y}" font-size="13" font-weight="bold">${esc(panel.title)} (${esc(panel.unit)})</text>`);
    y += 8;
    const finite = panel.bars.flatMap((b) => [b.value, b.hi ?? NaN, b.lo ?? NaN, panel.reference?.value ?? NaN]).filter((v) => Number.isFinite(v));
    const max = Math.max(1e-12, ...finite);
    const min = Math.min(0, ...finite);
    const lmin = panel.log ? Math.log10(Math.max(1e-9, Math.min(...finite.filter((v) => v > 0), max)) / 2) : 0;
    const scale = (v: number): number => {
      if (panel.log) {
        if (!(v > 0)) return 0;
        return ((Math.log10(v) - lmin) / (Math.log10(max) - lmin)) * plotW;
      }
      return ((v - min) / (max - min)) * plotW;
    };
    const zero = panel.log ? 0 : scale(0);
    const top = y;
    for (const bar of panel.bars) {
      const v = Number.isFinite(bar.value) ? bar.value : 0;
      const x0 = labelW + Math.min(zero, scale(v));
      const w = Math.max(Number.isFinite(bar.value) ? 1 : 0, Math.abs(scale(v) - zero));
      parts.push(`<text x="${labelW - 8}" y="${y + barH - 5}" font-size="11" text-anchor="end">${esc(bar.label)}</text>`);
      parts.push(`<rect x="${x0.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${bar.colour ?? '#4c78a8'}"/>`);
      if (bar.lo !== undefined && bar.hi !== undefined && Number.isFinite(bar.lo) && Number.isFinite(bar.hi)) {
        const a = labelW + scale(bar.lo);
        const b = labelW + scale(bar.hi);
        const m = y + barH / 2;
        parts.push(`<path d="M${a.toFixed(1)} ${m}H${b.toFixed(1)}M${a.toFixed(1)} ${m - 5}V${m + 5}M${b.toFixed(1)} ${m - 5}V${m + 5}" stroke="#222" stroke-width="1.2" fill="none"/>`);
      }
      const note = bar.note ?? (Number.isFinite(bar.value) ? formatNumber(bar.value) : 'n/a');
      const tx = labelW + Math.max(scale(v), zero, bar.hi !== undefined && Number.isFinite(bar.hi) ? scale(bar.hi) : 0) + 6;
      parts.push(`<text x="${tx.toFixed(1)}" y="${y + barH - 5}" font-size="11" fill="#333">${esc(note)}</text>`);
      y += barH + gap;
    }
    if (panel.reference && Number.isFinite(panel.reference.value)) {
      const x = labelW + scale(panel.reference.value);
      parts.push(`<path d="M${x.toFixed(1)} ${top - 4}V${y}" stroke="#d62728" stroke-dasharray="4 3" stroke-width="1.5"/>`);
      parts.push(`<text x="${(x + 3).toFixed(1)}" y="${top + 4}" font-size="10" fill="#d62728">${esc(panel.reference.label)}</text>`);
    }
    parts.push(`<path d="M${(labelW + zero).toFixed(1)} ${top - 2}V${y - gap + 2}" stroke="#888"/>`);
    y += 6;
  }
  const height = y + 16;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="#fff"/>\n${parts.join('\n')}\n</svg>\n`;
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
  if (a >= 100) return v.toFixed(0);
  if (a >= 1) return v.toFixed(2);
  return v.toFixed(3);
}
