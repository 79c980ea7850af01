// Multi-digit addition as sequence to sequence (the task of Teacher-Student Curriculum Learning).
//
// Encoding (why it looks like this): operands are written least-significant digit first and
// aligned, one time step per digit position, each step holding one-hot(a digit) ++ one-hot(b
// digit); a position beyond an operand's length is all zeros. The output is the sum, one digit
// class per position, also least-significant first. Reversal makes the carry flow forward in
// time, so a small recurrent model learns 3-digit sums in a few hundred steps on two CPU
// cores; fixed-length output positions avoid a decoder loop. The width leaves one spare digit
// above the longest trained task so the hold-out-domain suite (one digit more) fits.
import type { TaskSpec } from '../schemas/spec.ts';
import { CurriculumError } from '../schemas/errors.ts';
import { resolveNoise, type Noise } from './noise.ts';
import { Random } from './random.ts';
import type { Encoding, Example, GeneratedSuite, Task } from './task.ts';

export const ADDITION_FEATURES = 20;
const ADVERSARIAL_KINDS = ['leading-zeros', 'digit-noise', 'distractor'] as const;

export interface AdditionOptions {
  digits: number;
  minDigits: number;
  /** Digit positions of each operand the encoding can hold (>= digits). */
  width: number;
}

export function additionEncoding(width: number): Encoding {
  return { timesteps: width + 1, features: ADDITION_FEATURES, positions: width + 1, classes: 10 };
}

/** Digits least significant first; 0 has one digit. */
export function digitsOf(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    out.push(v % 10);
    v = Math.floor(v / 10);
  } while (v > 0);
  return out;
}

export function hasCarry(a: number, b: number): boolean {
  let x = a;
  let y = b;
  while (x > 0 || y > 0) {
    if ((x % 10) + (y % 10) >= 10) return true;
    x = Math.floor(x / 10);
    y = Math.floor(y / 10);
  }
  return false;
}

/** Operands whose longer one has between minDigits and digits digits, uniformly over lengths. */
export function drawOperands(rng: Random, minDigits: number, digits: number): [number, number] {
  const n = rng.range(minDigits, digits);
  const lo = n === 1 ? 0 : 10 ** (n - 1);
  const a = rng.range(lo, 10 ** n - 1);
  const b = rng.range(0, 10 ** n - 1);
  return rng.next() < 0.5 ? [a, b] : [b, a];
}

export interface EncodeOptions {
  /** Write operands with leading zeros up to this many positions (an adversarial variation). */
  padTo?: number;
}

export function encodeAddition(a: number, b: number, sum: number, encoding: Encoding, options: EncodeOptions = {}): Example {
  const { timesteps, features, positions } = encoding;
  const input = new Float32Array(timesteps * features);
  const write = (digits: number[], offset: number) => {
    const len = Math.max(digits.length, options.padTo ?? 0);
    if (len > timesteps) throw new CurriculumError('CUR_CONFIG_INVALID', `addition operand needs ${len} positions, the encoding has ${timesteps}`);
    for (let t = 0; t < len; t++) input[t * features + offset + (digits[t] ?? 0)] = 1;
  };
  write(digitsOf(a), 0);
  write(digitsOf(b), 10);
  const target = new Int32Array(positions);
  const s = digitsOf(sum);
  if (s.length > positions) throw new CurriculumError('CUR_CONFIG_INVALID', `sum ${sum} needs ${s.length} positions, the encoding has ${positions}`);
  s.forEach((d, t) => (target[t] = d));
  return { input, target, category: hasCarry(a, b) ? 'carry' : 'no-carry' };
}

export class AdditionTask implements Task {
  readonly encoding: Encoding;
  private readonly noise: Noise;

  constructor(
    readonly id: string,
    private readonly options: AdditionOptions,
    noise?: TaskSpec['noise'],
  ) {
    if (options.minDigits > options.digits) {
      throw new CurriculumError('CUR_CONFIG_INVALID', `task ${id}: minDigits ${options.minDigits} exceeds digits ${options.digits}`);
    }
    this.encoding = additionEncoding(options.width);
    this.noise = resolveNoise(noise);
  }

  trainingExample(rng: Random): Example {
    const { digits, minDigits } = this.options;
    let [a, b] = drawOperands(rng, minDigits, digits);
    if (this.noise.balanceClasses) {
      // Carry and no-carry sums equally often (carries dominate as the digits grow).
      const wantCarry = rng.next() < 0.5;
      for (let tries = 0; tries < 64 && hasCarry(a, b) !== wantCarry; tries++) [a, b] = drawOperands(rng, minDigits, digits);
    }
    let sum = a + b;
    if (this.noise.labelNoise > 0 && rng.next() < this.noise.labelNoise) {
      const max = 2 * (10 ** digits - 1);
      const wrong = rng.range(0, max - 1);
      sum = wrong >= sum ? wrong + 1 : wrong;
    }
    const example = encodeAddition(a, b, sum, this.encoding);
    if (this.noise.inputNoise > 0) swapDigits(example.input, this.encoding, this.noise.inputNoise, rng);
    return example;
  }

  evaluationSet(suite: GeneratedSuite, n: number, seed: number): Example[] {
    const rng = Random.fromSeed(seed);
    const { digits, minDigits, width } = this.options;
    const out: Example[] = [];
    for (let i = 0; i < n; i++) {
      if (suite === 'heldout') {
        const [a, b] = drawOperands(rng, minDigits, digits);
        out.push(encodeAddition(a, b, a + b, this.encoding));
      } else if (suite === 'holdout-domain') {
        const longer = Math.min(digits + 1, width);
        const [a, b] = drawOperands(rng, longer, longer);
        out.push(encodeAddition(a, b, a + b, this.encoding));
      } else {
        const [a, b] = drawOperands(rng, minDigits, digits);
        const kind = ADVERSARIAL_KINDS[i % ADVERSARIAL_KINDS.length] ?? 'digit-noise';
        const example = encodeAddition(a, b, a + b, this.encoding, kind === 'leading-zeros' ? { padTo: width } : {});
        if (kind === 'digit-noise') for (let j = 0; j < example.input.length; j++) example.input[j] = (example.input[j] ?? 0) + 0.3 * rng.next();
        if (kind === 'distractor') addDistractors(example.input, this.encoding, rng);
        out.push({ ...example, category: kind });
      }
    }
    return out;
  }

  /** "12+34" with the corrected sum as label ("46"); operands must fit the run's encoding. */
  encodeRow(input: string | readonly number[], label: string, category: string): Example | string {
    if (typeof input !== 'string') return 'expects text like "12+34", got a vector';
    const m = /^\s*(\d{1,9})\s*\+\s*(\d{1,9})\s*$/.exec(input);
    if (!m) return `input "${input.slice(0, 40)}" is not "a+b"`;
    if (!/^\d{1,10}$/.test(label.trim())) return `label "${label.slice(0, 40)}" is not a number`;
    try {
      return { ...encodeAddition(Number(m[1]), Number(m[2]), Number(label.trim()), this.encoding), category };
    } catch (e) {
      return (e as Error).message;
    }
  }

  describeSuite(suite: GeneratedSuite): string {
    const { digits, minDigits, width } = this.options;
    if (suite === 'heldout') return `fresh ${minDigits}-${digits} digit sums from an evaluation seed stream`;
    if (suite === 'holdout-domain') return `${Math.min(digits + 1, width)}-digit sums (longer than trained)`;
    return 'leading zeros, uniform noise on every input, half-strength distractor digits';
  }
}

/** Replaces each written digit by a different random digit with probability `rate`. */
function swapDigits(input: Float32Array, encoding: Encoding, rate: number, rng: Random): void {
  for (let t = 0; t < encoding.timesteps; t++) {
    for (const offset of [0, 10]) {
      const base = t * encoding.features + offset;
      let current = -1;
      for (let d = 0; d < 10; d++) if (input[base + d] === 1) current = d;
      if (current < 0 || rng.next() >= rate) continue;
      const other = (current + 1 + rng.int(9)) % 10;
      input[base + current] = 0;
      input[base + other] = 1;
    }
  }
}

/** At every written position, a wrong digit of one operand lights up at half strength. */
function addDistractors(input: Float32Array, encoding: Encoding, rng: Random): void {
  for (let t = 0; t < encoding.timesteps; t++) {
    const offset = rng.next() < 0.5 ? 0 : 10;
    const base = t * encoding.features + offset;
    let current = -1;
    for (let d = 0; d < 10; d++) if (input[base + d] === 1) current = d;
    if (current < 0) continue;
    input[base + ((current + 1 + rng.int(9)) % 10)] = 0.5;
  }
}
