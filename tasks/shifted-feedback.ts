// Simulated production for the continual-learning demos. A real shift: handwritten digits from the
// mnist package's test universe (never in a training pool) seen through a pixel permutation the
// run never trained on, with their true labels. An adversarial "shift": pure uniform noise
// images with random labels, from which nothing transferable can be learned. A poisoning that
// hides in the average: familiar digits (no permutation) with two classes' labels swapped.
import type { Feedback } from '../schemas/events.ts';
import { loadMnist, pixelPermutation, PIXELS } from './mnist-data.ts';
import { hashSeed, Random } from './random.ts';

export interface ShiftOptions {
  kind: 'permutation' | 'noise' | 'label-swap';
  /** Pixel permutation of the shifted production data (kind permutation; label-swap: default 0, none). */
  permutation?: number;
  /** The two classes whose labels are swapped (kind label-swap; default 3 and 5). */
  swap?: readonly [number, number];
  count: number;
  deploymentId: string;
  seed: number;
  /** First feedbackId number (so several batches have distinct ids). */
  firstId?: number;
  observedAt?: string;
}

export interface ShiftedRow {
  input: Float32Array;
  label: number;
  category: string;
}

export function shiftedDigits(options: ShiftOptions): ShiftedRow[] {
  const rng = Random.fromSeed(hashSeed('shifted-feedback', options.kind, options.seed));
  if (options.kind === 'noise') {
    return [...Array(options.count).keys()].map(() => {
      const input = new Float32Array(PIXELS);
      for (let i = 0; i < PIXELS; i++) input[i] = rng.next();
      return { input, label: rng.int(10), category: 'noise' };
    });
  }
  const data = loadMnist();
  const permutation = pixelPermutation(options.permutation ?? (options.kind === 'label-swap' ? 0 : 77));
  const [a, b] = options.swap ?? [3, 5];
  const reported = (label: number) => (options.kind !== 'label-swap' ? label : label === a ? b : label === b ? a : label);
  const order = rng.shuffle([...data.testUniverse]);
  return [...Array(options.count).keys()].map((i) => {
    const index = order[i % order.length] ?? 0;
    const input = new Float32Array(PIXELS);
    for (let p = 0; p < PIXELS; p++) input[p] = data.images[index * PIXELS + (permutation[p] ?? p)] ?? 0;
    const label = data.labels[index] ?? 0;
    return { input, label: reported(label), category: `digit-${label}` };
  });
}

/** Feedback rows: the input, what the deployed model answered, and the true label. */
export function feedbackRows(options: ShiftOptions, rows: readonly ShiftedRow[], predictions: readonly string[]): Feedback[] {
  const first = options.firstId ?? 0;
  return rows.map((row, i) => ({
    feedbackId: `${options.kind}-${options.seed}-${first + i}`,
    deploymentId: options.deploymentId,
    input: Array.from(row.input, (v) => Math.round(v * 1000) / 1000),
    prediction: predictions[i] ?? '',
    label: String(row.label),
    category: row.category,
    source: 'production-monitor',
    severity: 'medium',
    observedAt: options.observedAt ?? '2026-01-01T00:00:00.000Z',
  }));
}
