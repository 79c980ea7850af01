// What a task is to the trainer and the evaluator: a seeded source of encoded examples.
// Every task of a run encodes into one shared shape, so one model serves all of them.
import type { SuiteName } from '../schemas/common.ts';
import type { Random } from './random.ts';

/**
 * The tensor layout all tasks of a run share: inputs are [timesteps, features] (an MLP
 * flattens them, a recurrent model reads them as a sequence), targets are `positions`
 * class indices in [0, classes) each. A sum is several digit positions; a label is one.
 */
export interface Encoding {
  timesteps: number;
  features: number;
  positions: number;
  classes: number;
  /** Tokenized text only: inputs are token ids in [0, vocabularySize) (tasks/text-encoding.ts). */
  vocabularySize?: number;
}

export interface Example {
  /** timesteps * features values, row-major. */
  input: Float32Array;
  /** positions class indices. */
  target: Int32Array;
  /** Category for per-category metrics (carry / no-carry, digit-3, a JSONL row's category, a perturbation). */
  category: string;
}

/** Suites a task can generate examples for ('feedback' comes from production, not from a generator). */
export type GeneratedSuite = Exclude<SuiteName, 'feedback'>;

export interface Task {
  readonly id: string;
  readonly encoding: Encoding;
  /** One training example with the task's noise and balancing options applied. */
  trainingExample(rng: Random): Example;
  /**
   * Optional allocation-free form of trainingExample, for the batch sampler's hot loop: writes
   * the very example trainingExample would return (same draws from `rng`, same values) into a
   * batch's buffers at the given offsets.
   */
  writeTrainingExample?(rng: Random, x: Float32Array, xOffset: number, y: Int32Array, yOffset: number): void;
  /**
   * A fixed evaluation set: the same (suite, n, seed) always gives the same examples. The
   * seed comes from a stream never used for training; data-backed tasks draw from rows
   * that training never sees.
   */
  evaluationSet(suite: GeneratedSuite, n: number, seed: number): Example[];
  /** Human-readable description of how the suite differs from training (for logs and reports). */
  describeSuite(suite: GeneratedSuite): string;
  /**
   * A production feedback row (the input the model saw, the corrected label) as this task's
   * example, or why the task cannot encode it. Optional: tasks without it take no feedback.
   */
  encodeRow?(input: string | readonly number[], label: string, category: string): Example | string;
}

export function sameEncoding(a: Encoding, b: Encoding): boolean {
  return (
    a.timesteps === b.timesteps && a.features === b.features && a.positions === b.positions && a.classes === b.classes && a.vocabularySize === b.vocabularySize
  );
}

export function encodingKey(e: Encoding): string {
  return `${e.timesteps}x${e.features}${e.vocabularySize === undefined ? '' : `(ids<${e.vocabularySize})`}->${e.positions}x${e.classes}`;
}
