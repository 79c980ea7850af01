// Linear scales and "nice" tick values for the server-side SVG charts.

export interface LinearScale {
  (v: number): number;
  domain: readonly [number, number];
}

export function linearScale(domain: readonly [number, number], range: readonly [number, number]): LinearScale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  const f = ((v: number) => r0 + ((v - d0) / span) * (r1 - r0)) as LinearScale;
  return Object.assign(f, { domain });
}

/** About `count` round tick values covering [min, max] (1, 2, 2.5 or 5 times a power of ten apart). */
export function niceTicks(min: number, max: number, count = 6): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power);
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** [min, max] widened to nice tick boundaries, and never empty. */
export function niceDomain(min: number, max: number, count = 6): [number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (min === max) return min === 0 ? [0, 1] : [Math.min(0, min), Math.max(0, max) * 1.1 || 1];
  const ticks = niceTicks(min, max, count);
  const step = ticks.length > 1 ? (ticks[1] ?? 0) - (ticks[0] ?? 0) : 0;
  const lo = (ticks[0] ?? min) > min ? (ticks[0] ?? min) - step : (ticks[0] ?? min);
  const hi = (ticks.at(-1) ?? max) < max ? (ticks.at(-1) ?? max) + step : (ticks.at(-1) ?? max);
  return [lo, hi];
}
