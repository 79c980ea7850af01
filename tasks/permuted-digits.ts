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
/**
 * Pools up to this many images (3 KB each) keep a permuted copy, built on first use: gathering
 * 784 pixels through a permutation from the 31 MB image store costs cache misses and per-pixel
 * work that were most of the sampling time per batch; a contiguous copy is ~6x cheaper.
 */
const PERMUTED_COPY_MAX_IMAGES = 2500;
/**
 * All copies together stay under this: task sets are cached per run config (tasks/registry.ts),
 * so a process that trains many seeds or runs would otherwise keep a copy per task of each.
 * The least recently used copies are dropped first (their tasks rebuild one when next used).
 */
const PERMUTED_COPY_BUDGET_BYTES = 64 * 2 ** 20;

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
  /** Pool positions (indices into `pool`) of each digit class. */
  private readonly poolByClass: number[][];
  /** Row k: pool image k under this task's permutation (see PERMUTED_COPY_MAX_IMAGES); built lazily. */
  private permutedPool: Float32Array | undefined;
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
    this.pool.forEach((index, position) => this.poolByClass[this.data.labels[index] ?? 0]?.push(position));
    let heldout = 1_000_000 + options.permutation;
    while (options.permutationsInRun.includes(heldout)) heldout++;
    this.heldoutPermutation = heldout;
  }

  trainingExample(rng: Random): Example {
    const index = this.pool[this.drawPosition(rng)] ?? 0;
    if (this.noise.inputNoise <= 0) {
      const input = new Float32Array(PIXELS);
      permuteInto(this.data.images, index * PIXELS, this.permutation, input, 0);
      const label = this.drawLabel(index, rng);
      return { input, target: Int32Array.of(label), category: `digit-${label}` };
    }
    const image = this.image(index);
    addGaussian(image, this.noise.inputNoise, rng, 0, 1);
    return this.example(image, this.drawLabel(index, rng), this.permutation);
  }

  /** trainingExample without allocating: gathers the permuted pixels straight from the image store into the batch. */
  writeTrainingExample(rng: Random, x: Float32Array, xOffset: number, y: Int32Array, yOffset: number): void {
    if (this.noise.inputNoise > 0) {
      // Noise is drawn pixel by pixel in the unpermuted order: keep that order (and the stream).
      const example = this.trainingExample(rng);
      x.set(example.input, xOffset);
      y.set(example.target, yOffset);
      return;
    }
    const position = this.drawPosition(rng);
    const index = this.pool[position] ?? 0;
    const permuted = this.permutedCopy();
    if (permuted) x.set(permuted.subarray(position * PIXELS, (position + 1) * PIXELS), xOffset);
    else permuteInto(this.data.images, index * PIXELS, this.permutation, x, xOffset);
    y[yOffset] = this.drawLabel(index, rng);
  }

  /** Position in the pool of the training image: a class first, then a member, when balancing; else uniform. */
  private drawPosition(rng: Random): number {
    if (this.noise.balanceClasses) {
      const classes = this.poolByClass.filter((c) => c.length > 0);
      const members = classes[rng.int(classes.length)] ?? [];
      return members[rng.int(members.length)] ?? 0;
    }
    return rng.int(this.pool.length);
  }

  private permutedCopy(): Float32Array | undefined {
    if (this.permutedPool) {
      if (newestCopy !== this.permutedPool) {
        // Most recently used last, so eviction takes the coldest.
        liveCopies.delete(this);
        liveCopies.add(this);
        newestCopy = this.permutedPool;
      }
      return this.permutedPool;
    }
    if (this.pool.length > PERMUTED_COPY_MAX_IMAGES) return undefined;
    const copy = new Float32Array(this.pool.length * PIXELS);
    this.pool.forEach((index, position) => permuteInto(this.data.images, index * PIXELS, this.permutation, copy, position * PIXELS));
    this.permutedPool = copy;
    liveCopies.add(this);
    newestCopy = copy;
    copyBytes += copy.byteLength;
    for (const oldest of liveCopies) {
      if (copyBytes <= PERMUTED_COPY_BUDGET_BYTES || oldest === this) break;
      copyBytes -= oldest.permutedPool?.byteLength ?? 0;
      oldest.permutedPool = undefined;
      liveCopies.delete(oldest);
    }
    return copy;
  }

  /** The image's label, or (label noise) a wrong one; drawn after any pixel noise, as ever. */
  private drawLabel(index: number, rng: Random): number {
    const label = this.data.labels[index] ?? 0;
    return this.noise.labelNoise > 0 && rng.next() < this.noise.labelNoise ? wrongLabel(label, 10, rng) : label;
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
    permuteInto(image, 0, permutation, input, 0);
    return { input, target: Int32Array.of(label), category: `digit-${label}` };
  }
}

/** Tasks holding a permuted pool copy, least recently used first, and the bytes they hold. */
const liveCopies = new Set<PermutedDigitsTask>();
/** The copy used last (a cheap check that spares the set a reorder per example). */
let newestCopy: Float32Array | undefined;
let copyBytes = 0;

/** out[outOffset + i] = source[sourceOffset + permutation[i]] for the 784 pixels. */
function permuteInto(source: Float32Array, sourceOffset: number, permutation: Int32Array, out: Float32Array, outOffset: number): void {
  for (let i = 0; i < PIXELS; i++) out[outOffset + i] = source[sourceOffset + (permutation[i] ?? i)] ?? 0;
}

function occlude(image: Float32Array, rng: Random): void {
  const top = rng.int(28 - OCCLUSION + 1);
  const left = rng.int(28 - OCCLUSION + 1);
  for (let r = top; r < top + OCCLUSION; r++) image.fill(0, r * 28 + left, r * 28 + left + OCCLUSION);
}
