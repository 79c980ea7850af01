// Fairness guard: over the held-out categories with at least minSamples examples, the worst
// category may trail the unweighted mean of the category accuracies by at most maxGap.
// Otherwise advancing is blocked and sampling shifts toward the tasks carrying that category.
import type { Reason, SuiteMetrics } from '../../../schemas/events.ts';

export interface FairnessCheck {
  blocked: boolean;
  worst: string | null;
  reasons: Reason[];
}

export function checkFairness(policy: { maxGap: number | null; minSamples: number }, categories: Readonly<Record<string, SuiteMetrics>>): FairnessCheck {
  if (policy.maxGap === null) return { blocked: false, worst: null, reasons: [] };
  const counted = Object.entries(categories)
    .filter(([, m]) => m.n >= policy.minSamples)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (counted.length < 2) return { blocked: false, worst: null, reasons: [] };
  const mean = counted.reduce((s, [, m]) => s + m.accuracy, 0) / counted.length;
  let worst = counted[0] as [string, SuiteMetrics];
  for (const c of counted) if (c[1].accuracy < worst[1].accuracy) worst = c;
  const gap = mean - worst[1].accuracy;
  const blocked = gap > policy.maxGap;
  return {
    blocked,
    worst: worst[0],
    reasons: [
      {
        code: 'fairness.gap',
        policy: 'fairness',
        holds: !blocked,
        category: worst[0],
        metric: 'accuracy-gap-to-mean',
        value: gap,
        threshold: policy.maxGap,
        comparator: '<=',
        message: `worst category ${worst[0]} at ${worst[1].accuracy.toFixed(4)} trails the category mean ${mean.toFixed(4)} by ${gap.toFixed(4)}`,
      },
    ],
  };
}
