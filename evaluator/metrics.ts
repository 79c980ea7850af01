// Evaluation metrics from per-example outcomes: accuracy, mean loss and expected calibration
// error (Guo et al. 2017: 15 equal-width confidence bins (lo, hi], weighted |accuracy - confidence|).
import type { SuiteMetrics } from '../schemas/events.ts';

export const ECE_BINS = 15;

export interface Outcome {
  correct: boolean;
  /** Probability the model gave its own answer (for sequences: the product over positions). */
  confidence: number;
  loss: number;
  category: string;
}

export function expectedCalibrationError(outcomes: readonly Pick<Outcome, 'correct' | 'confidence'>[], bins = ECE_BINS): number {
  if (outcomes.length === 0) return 0;
  const count = new Array<number>(bins).fill(0);
  const hits = new Array<number>(bins).fill(0);
  const confidence = new Array<number>(bins).fill(0);
  for (const o of outcomes) {
    const c = Math.min(1, Math.max(0, o.confidence));
    const bin = Math.min(bins - 1, Math.max(0, Math.ceil(c * bins) - 1));
    count[bin] = (count[bin] ?? 0) + 1;
    hits[bin] = (hits[bin] ?? 0) + (o.correct ? 1 : 0);
    confidence[bin] = (confidence[bin] ?? 0) + c;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const n = count[b] ?? 0;
    if (n === 0) continue;
    ece += (n / outcomes.length) * Math.abs((hits[b] ?? 0) / n - (confidence[b] ?? 0) / n);
  }
  return Math.min(1, ece);
}

export function summarize(outcomes: readonly Outcome[]): SuiteMetrics {
  const n = outcomes.length;
  if (n === 0) return { n: 0, accuracy: 0, loss: 0, ece: 0 };
  let correct = 0;
  let loss = 0;
  for (const o of outcomes) {
    correct += o.correct ? 1 : 0;
    loss += o.loss;
  }
  return { n, accuracy: correct / n, loss: Math.max(0, loss / n), ece: expectedCalibrationError(outcomes) };
}

/** Per-category metrics across tasks. */
export function byCategory(outcomes: readonly Outcome[]): Record<string, SuiteMetrics> {
  const groups = new Map<string, Outcome[]>();
  for (const o of outcomes) {
    const g = groups.get(o.category) ?? [];
    g.push(o);
    groups.set(o.category, g);
  }
  return Object.fromEntries([...groups].sort(([a], [b]) => a.localeCompare(b)).map(([c, g]) => [c, summarize(g)]));
}
