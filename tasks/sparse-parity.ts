// Sparse parity: n random bits, the label is the parity of k fixed relevant bits (the first k).
// A ladder grows n with the same relevant bits: from n = 10 a model finds the k bits in a few
// hundred steps, and keeps them when the irrelevant bits grow; from n = 50 alone it needs orders
// of magnitude more (Abbe, Cornacchia & Lotfi 2023). Bits are +-1 so every input carries signal
// energy; the positions beyond a task's n (up to the run's widest parity task) stay 0, so one
// model serves the whole ladder and a shorter task looks like a longer one with silent bits.
import type { TaskSpec } from '../schemas/spec.ts';
import { CurriculumError } from '../schemas/errors.ts';
import { resolveNoise, type Noise } from './noise.ts';
import { Random } from './random.ts';
import type { Encoding, Example, GeneratedSuite, Task } from './task.ts';

export interface SparseParityOptions {
  bits: number;
  relevant: number;
  /** Input width of the run: the widest parity task's bits (>= bits). */
  width: number;
}

export function parityEncoding(width: number): Encoding {
  return { timesteps: 1, features: width, positions: 1, classes: 2 };
}

/** Adversarial suite: Gaussian noise of this sd on every written bit (the sign survives ~99.9%). */
const ADVERSARIAL_SD = 0.3;

export class SparseParityTask implements Task {
  readonly encoding: Encoding;
  private readonly noise: Noise;

  constructor(readonly id: string, private readonly options: SparseParityOptions, noise?: TaskSpec['noise']) {
    checkOptions(id, options);
    this.encoding = parityEncoding(options.width);
    this.noise = resolveNoise(noise);
  }

  trainingExample(rng: Random): Example {
    const input = new Float32Array(this.options.width);
    const target = new Int32Array(1);
    this.writeTrainingExample(rng, input, 0, target, 0);
    return { input, target, category: `parity-${target[0] ?? 0}` };
  }

  writeTrainingExample(rng: Random, x: Float32Array, xOffset: number, y: Int32Array, yOffset: number): void {
    let label = this.writeBits(rng, x, xOffset, this.options.bits);
    if (this.noise.inputNoise > 0) {
      for (let i = 0; i < this.options.bits; i++) x[xOffset + i] = (x[xOffset + i] ?? 0) + this.noise.inputNoise * rng.gaussian();
    }
    if (this.noise.labelNoise > 0 && rng.next() < this.noise.labelNoise) label = 1 - label;
    y[yOffset] = label;
  }

  /** Writes `bits` random +-1 bits (the rest of the row 0) and returns the parity of the relevant ones. */
  private writeBits(rng: Random, x: Float32Array, offset: number, bits: number): number {
    const { relevant, width } = this.options;
    let parity = 0;
    // 32 bits per draw: the hot loop of a 50-bit task is two draws, not fifty.
    let word = 0;
    for (let i = 0; i < bits; i++) {
      if (i % 32 === 0) word = rng.nextUint32();
      const bit = (word >>> (i % 32)) & 1;
      x[offset + i] = bit === 1 ? 1 : -1;
      if (i < relevant) parity ^= bit;
    }
    x.fill(0, offset + bits, offset + width);
    return parity;
  }

  evaluationSet(suite: GeneratedSuite, n: number, seed: number): Example[] {
    const rng = Random.fromSeed(seed);
    const { bits, width } = this.options;
    const out: Example[] = [];
    for (let i = 0; i < n; i++) {
      const input = new Float32Array(width);
      const label = this.writeBits(rng, input, 0, suite === 'holdout-domain' ? width : bits);
      if (suite === 'adversarial') for (let j = 0; j < bits; j++) input[j] = (input[j] ?? 0) + ADVERSARIAL_SD * rng.gaussian();
      out.push({ input, target: Int32Array.of(label), category: suite === 'adversarial' ? 'bit-noise' : `parity-${label}` });
    }
    return out;
  }

  describeSuite(suite: GeneratedSuite): string {
    const { bits, relevant, width } = this.options;
    if (suite === 'heldout') return `fresh ${bits}-bit inputs from an evaluation seed stream, clean labels (parity of the first ${relevant})`;
    if (suite === 'holdout-domain') return width > bits ? `all ${width} bits random (the ${width - bits} trained as silent are live)` : `${width}-bit inputs: no wider domain in this run, the same as held-out`;
    return `Gaussian noise (sd ${ADVERSARIAL_SD}) on every bit`;
  }

  /** A row's input is the bit vector (0/1 or -1/+1, `bits` long); the label "0" or "1". */
  encodeRow(input: string | readonly number[], label: string, category: string): Example | string {
    if (typeof input === 'string') return `expects a vector of ${this.options.bits} bits, got text`;
    if (input.length !== this.options.bits) return `expects ${this.options.bits} bits, got ${input.length}`;
    if (!input.every((v) => v === 0 || v === 1 || v === -1)) return 'bits must be 0/1 or -1/+1';
    if (label !== '0' && label !== '1') return `label "${label.slice(0, 40)}" is not 0 or 1`;
    const x = new Float32Array(this.options.width);
    input.forEach((v, i) => (x[i] = v === 1 ? 1 : -1));
    return { input: x, target: Int32Array.of(Number(label)), category };
  }
}

function checkOptions(id: string, { bits, relevant, width }: SparseParityOptions): void {
  if (relevant > bits) throw new CurriculumError('CUR_CONFIG_INVALID', `task ${id}: relevant ${relevant} exceeds bits ${bits}`);
  if (bits > width) throw new CurriculumError('CUR_CONFIG_INVALID', `task ${id}: bits ${bits} exceed the run's input width ${width}`);
}
