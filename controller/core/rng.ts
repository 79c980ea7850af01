// The run's only source of randomness: a 32-bit generator (mulberry32) whose whole state is one
// unsigned integer, so it lives in the snapshot and a replay draws the same numbers.

/** Initial generator state for a spec seed (scrambled so that seeds 1 and 2 do not start alike). */
export function seedState(seed: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** One draw: an unsigned 32-bit integer and the next state. */
export function nextUint32(state: number): [value: number, state: number] {
  const next = (state + 0x6d2b79f5) >>> 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return [(t ^ (t >>> 14)) >>> 0, next];
}

/** One draw in [0, 1) and the next state. */
export function nextFloat(state: number): [value: number, state: number] {
  const [v, s] = nextUint32(state);
  return [v / 4294967296, s];
}

/** Index drawn from a probability vector (sums to 1) and the next state. */
export function drawIndex(probabilities: readonly number[], state: number): [index: number, state: number] {
  const [u, s] = nextFloat(state);
  let acc = 0;
  for (let i = 0; i < probabilities.length; i++) {
    acc += probabilities[i] ?? 0;
    if (u < acc) return [i, s];
  }
  return [probabilities.length - 1, s];
}
