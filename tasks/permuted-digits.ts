// Permuted handwritten digits (Gradient Episodic Memory): each task is the same ten-class
// problem seen through one fixed pixel permutation, so tasks share nothing a network can
// reuse at the input layer and training on one interferes with the others.
import type { TaskSpec } from '../schemas/spec.ts';
import { CurriculumError } from '../schemas/errors.ts';
import { loadMnist, pixelPermutation, PIXELS, type MnistData } from './mnist-data.ts';
import { addGaussian, resolveNoise, wrongLabel, type Noise } from './noise.ts';
import { hashSeed, Random } from './random.ts';
import type { Encoding, Example, GeneratedSuite, Task } from './task.ts';

export const DIGITS_ENCODING: Encoding = { timesteps: 28, features: 28, positions: 1, classes: 10 };
const ADVERSARIAL_KINDS = ['pixel-noise', 'occlusion'] as const;
const OCCLUSION = 10;

export interface PermutedDigitsOptions {
  permutation: number;
  trainExamples: number;
  /** Seed of the run: picks which images form the training pool. */
  runSeed: number;
  /** Permutations of every task of the run: the hold-out-domain permutation avoids them all. */
  permutationsInRun: readonly number[];
}

export class PermutedDigitsTask implements Task {
  readonly encoding = DIGITS_ENCODING;
  readonly pool: readonly number[];
  readonly heldoutPermutation: number;
  private readonly poolByClass: number[][];
  private readonly permutation: Int32Array;
  private readonly data: MnistData;
  private readonly noise: Noise;

  constructor(
    readonly id: string,
    options: PermutedDigitsOptions,
    noise?: TaskSpec['noise'],
  ) {
    this.data = loadMnist();
    if (options.trainExamples > this.data.trainUniverse.length) {
      throw new CurriculumError(
        'CUR_CONFIG_INVALID',
        `task ${id}: trainExamples ${options.trainExamples} exceeds the ${this.data.trainUniverse.length} training images`,
      );
    }
    this.noise = resolveNoise(noise);
    this.permutation = pixelPermutation(options.permutation);
    this.pool = Random.fromSeed(hashSeed(options.runSeed, id, 'pool'))
      .shuffle([...this.data.trainUniverse])
      .slice(0, options.trainExamples);
    this.poolByClass = [...Array(10)].map(() => []);
    for (const index of this.pool) this.poolByClass[this.data.labels[index] ?? 0]?.push(index);
    let heldout = 1_000_000 + options.permutation;
    while (options.permutationsInRun.includes(heldout)) heldout++;
    this.heldoutPermutation = heldout;
  }

  trainingExample(rng: Random): Example {
    let index: number;
    if (this.noise.balanceClasses) {
      const classes = this.poolByClass.filter((c) => c.length > 0);
      const members = classes[rng.int(classes.length)] ?? [];
      index = members[rng.int(members.length)] ?? 0;
    } else {
      index = this.pool[rng.int(this.pool.length)] ?? 0;
    }
    const image = this.image(index);
    addGaussian(image, this.noise.inputNoise, rng, 0, 1);
    let label = this.data.labels[index] ?? 0;
    if (this.noise.labelNoise > 0 && rng.next() < this.noise.labelNoise) label = wrongLabel(label, 10, rng);
    return this.example(image, label, this.permutation);
  }

  evaluationSet(suite: GeneratedSuite, n: number, seed: number): Example[] {
    const rng = Random.fromSeed(seed);
    const order = rng.shuffle([...this.data.testUniverse]);
    const permutation = suite === 'holdout-domain' ? pixelPermutation(this.heldoutPermutation) : this.permutation;
    const out: Example[] = [];
    for (let i = 0; i < n; i++) {
      const index = order[i % order.length] ?? 0;
      const image = this.image(index);
      const label = this.data.labels[index] ?? 0;
      if (suite !== 'adversarial') {
        out.push(this.example(image, label, permutation));
        continue;
      }
      const kind = ADVERSARIAL_KINDS[i % ADVERSARIAL_KINDS.length] ?? 'pixel-noise';
      if (kind === 'pixel-noise') addGaussian(image, 0.3, rng, 0, 1);
      else occlude(image, rng);
      out.push({ ...this.example(image, label, permutation), category: kind });
    }
    return out;
  }

  describeSuite(suite: GeneratedSuite): string {
    if (suite === 'heldout') return 'test-universe images (never in a training pool), same permutation';
    if (suite === 'holdout-domain') return `test-universe images under permutation ${this.heldoutPermutation}, never trained on`;
    return `Gaussian pixel noise (sd 0.3) or a ${OCCLUSION}x${OCCLUSION} occluding square, before the permutation`;
  }

  /** Production inputs are the pixels the model saw (already permuted); labels are digits 0-9. */
  encodeRow(input: string | readonly number[], label: string, category: string): Example | string {
    if (typeof input === 'string') return 'expects a vector of 784 pixels, got text';
    if (input.length !== PIXELS) return `expects ${PIXELS} pixels, got ${input.length}`;
    if (!/^[0-9]$/.test(label)) return `label "${label}" is not a digit 0-9`;
    return { input: Float32Array.from(input), target: Int32Array.of(Number(label)), category };
  }

  private image(index: number): Float32Array {
    return this.data.images.slice(index * PIXELS, (index + 1) * PIXELS);
  }

  private example(image: Float32Array, label: number, permutation: Int32Array): Example {
    const input = new Float32Array(PIXELS);
    for (let i = 0; i < PIXELS; i++) input[i] = image[permutation[i] ?? i] ?? 0;
    return { input, target: Int32Array.of(label), category: `digit-${label}` };
  }
}

function occlude(image: Float32Array, rng: Random): void {
  const top = rng.int(28 - OCCLUSION + 1);
  const left = rng.int(28 - OCCLUSION + 1);
  for (let r = top; r < top + OCCLUSION; r++) image.fill(0, r * 28 + left, r * 28 + left + OCCLUSION);
}
