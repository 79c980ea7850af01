// Number formatting for the report and the compare table: one place, so both read alike.

export function formatPercent(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(digits)}%`;
}

/** Signed difference in percentage points, e.g. +3.2 pp. */
export function formatPoints(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const s = (v * 100).toFixed(digits);
  return `${v > 0 ? '+' : ''}${s} pp`;
}

export function formatInteger(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : Math.round(v).toLocaleString('en-US');
}

export function formatNumber(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v !== 0 && (Math.abs(v) < 10 ** -digits || Math.abs(v) >= 1e6)) return v.toExponential(2);
  return Number(v.toFixed(digits)).toString();
}

/** Compact counts for axes: 12k, 1.5M. */
export function formatCompact(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${Number((v / 1e6).toFixed(1))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toFixed(1))}k`;
  return Number(v.toFixed(3)).toString();
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m} min ${s} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "1 task", "3 tasks": a count with its noun in the right number (regular plurals only). */
export function formatCount(n: number, noun: string): string {
  return `${formatInteger(n)} ${n === 1 ? noun : `${noun}s`}`;
}
