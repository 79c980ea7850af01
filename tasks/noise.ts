// Per-task augmentation and noise options, applied to training examples only (evaluation
// suites measure the clean task, or their own fixed perturbations).
import type { Static } from '@sinclair/typebox';
import type { NoiseOptions } from '../schemas/spec.ts';
import type { Random } from './random.ts';

export interface Noise {
  inputNoise: number;
  labelNoise: number;
  balanceClasses: boolean;
}

export function resolveNoise(options: Partial<Static<typeof NoiseOptions>> | undefined): Noise {
  return {
    inputNoise: options?.inputNoise ?? 0,
    labelNoise: options?.labelNoise ?? 0,
    balanceClasses: options?.balanceClasses ?? false,
  };
}

/** Adds N(0, sd) to every value and clips to [lo, hi] (pixels live in [0, 1]). */
export function addGaussian(values: Float32Array, sd: number, rng: Random, lo = -Infinity, hi = Infinity): void {
  if (sd <= 0) return;
  for (let i = 0; i < values.length; i++) {
    values[i] = Math.min(hi, Math.max(lo, (values[i] ?? 0) + sd * rng.gaussian()));
  }
}

/** A class in [0, classes) other than `label`, uniformly. */
export function wrongLabel(label: number, classes: number, rng: Random): number {
  if (classes < 2) return label;
  const other = rng.int(classes - 1);
  return other >= label ? other + 1 : other;
}
