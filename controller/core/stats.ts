// Small numeric helpers shared by teachers and policies. Pure, no allocation beyond results.

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** Least-squares slope of values against their index 0..n-1 (null below two points). */
export function slope(values: readonly number[]): number | null {
  const n = values.length;
  if (n < 2) return null;
  const xMean = (n - 1) / 2;
  let yMean = 0;
  for (const v of values) yMean += v;
  yMean /= n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const dx = i - xMean;
    num += dx * ((values[i] ?? 0) - yMean);
    den += dx * dx;
  }
  return num / den;
}

/** Percentile with linear interpolation between order statistics (R type 7, numpy's default). */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  return percentileOfSorted([...values].sort((a, b) => a - b), p);
}

/**
 * Several percentiles of one sample, sorting it once (a typed-array sort, several times faster
 * than a comparator sort: Exp3.S rescales every reward against its whole reservoir). Same
 * values as `percentile` for finite samples.
 */
export function percentiles(values: readonly number[], ps: readonly number[]): Array<number | null> {
  if (values.length === 0) return ps.map(() => null);
  const sorted = Float64Array.from(values).sort();
  return ps.map((p) => percentileOfSorted(sorted, p));
}

function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? 0;
  const b = sorted[hi] ?? a;
  return a + (b - a) * (pos - lo);
}

/**
 * Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9),
 * enough for confidence levels given with three digits.
 */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const pLow = 0.02425;
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  if (p > 1 - pLow) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
}

/**
 * Wilson score interval of a proportion at a two-sided confidence level (0.95 -> z = 1.96).
 * Level 0 returns the point estimate for both ends.
 */
export function wilsonInterval(accuracy: number, n: number, confidence: number): { lower: number; upper: number } {
  if (confidence <= 0 || n <= 0) return { lower: n <= 0 ? 0 : accuracy, upper: n <= 0 ? 1 : accuracy };
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const z2 = z * z;
  const centre = accuracy + z2 / (2 * n);
  const spread = z * Math.sqrt((accuracy * (1 - accuracy)) / n + z2 / (4 * n * n));
  const denom = 1 + z2 / n;
  return { lower: Math.max(0, (centre - spread) / denom), upper: Math.min(1, (centre + spread) / denom) };
}
