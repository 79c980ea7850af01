// Per-class guard: a class or declared category may not lose more held-out accuracy than a margin
// that allows for its sample size. Task-level accuracy hides a collapse of a few classes (two
// swapped labels cost a 10-class task little on average); this looks at each category itself.
// The margin is maxDrop plus z standard errors of the difference of the two accuracies (normal
// approximation, each side's own sample count), so a small category is not rejected for noise.
import type { Reason, SuiteMetrics } from '../../../schemas/events.ts';

export interface CategoryScore {
  accuracy: number;
  n: number;
}

export interface CategoryRegressionPolicy {
  maxDrop: number;
  z: number;
  minSamples: number;
}

/** The scores kept of a suite's categories (accuracy and sample count only). */
export function categoryScores(categories: Readonly<Record<string, SuiteMetrics>>): Record<string, CategoryScore> {
  return Object.fromEntries(Object.entries(categories).map(([c, m]) => [c, { accuracy: m.accuracy, n: m.n }]));
}

/**
 * Reasons for the categories measured with at least minSamples examples on both sides: one per
 * category that dropped beyond its margin; when none did, one holding reason for the largest drop.
 */
export function categoryRegressionReasons(
  policy: CategoryRegressionPolicy,
  before: Readonly<Record<string, CategoryScore>>,
  after: Readonly<Record<string, CategoryScore>>,
  names: { code: string; policy: string; against: string },
): Reason[] {
  const judged: Reason[] = [];
  for (const category of Object.keys(before).sort()) {
    const b = before[category] as CategoryScore;
    const a = after[category];
    if (!a || a.n < policy.minSamples || b.n < policy.minSamples) continue;
    const se = Math.sqrt((b.accuracy * (1 - b.accuracy)) / b.n + (a.accuracy * (1 - a.accuracy)) / a.n);
    const threshold = policy.maxDrop + policy.z * se;
    const drop = b.accuracy - a.accuracy;
    judged.push({
      code: names.code,
      policy: names.policy,
      holds: drop <= threshold,
      category,
      metric: 'heldout-category-accuracy-drop',
      value: drop,
      threshold,
      comparator: '<=',
      message: `${category}: ${a.accuracy.toFixed(4)} on ${a.n} items vs ${names.against} ${b.accuracy.toFixed(4)} on ${b.n} (allowed drop ${policy.maxDrop} + ${policy.z} x ${se.toFixed(4)} standard error)`,
    });
  }
  const failed = judged.filter((r) => !r.holds);
  if (failed.length > 0) return failed;
  const worst = judged.reduce<Reason | undefined>((w, r) => (w === undefined || (r.value ?? 0) > (w.value ?? 0) ? r : w), undefined);
  return worst ? [worst] : [];
}
