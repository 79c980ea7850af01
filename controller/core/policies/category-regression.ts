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

/**
 * The categories of the given tasks alone, pooled over those tasks (each metric weighted by its
 * sample count). An evaluation also scores the next stage's tasks, for transfer; their categories
 * are not yet trained and must not hold an advance nor count as a regression.
 */
export function categoriesOfTasks(taskCategories: Readonly<Record<string, Readonly<Record<string, SuiteMetrics>>>>, tasks: readonly string[]): Record<string, SuiteMetrics> {
  const sums = new Map<string, SuiteMetrics>();
  for (const task of tasks) {
    for (const [category, m] of Object.entries(taskCategories[task] ?? {})) {
      const s = sums.get(category) ?? { n: 0, accuracy: 0, loss: 0, ece: 0 };
      sums.set(category, { n: s.n + m.n, accuracy: s.accuracy + m.accuracy * m.n, loss: s.loss + m.loss * m.n, ece: s.ece + m.ece * m.n });
    }
  }
  return Object.fromEntries(
    [...sums]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([c, s]) => [c, s.n === 0 ? s : { n: s.n, accuracy: s.accuracy / s.n, loss: s.loss / s.n, ece: s.ece / s.n }]),
  );
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
