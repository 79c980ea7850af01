import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import pino from 'pino';
import { selectBackend } from '../../trainer/backend.ts';
import { buildModel } from '../../trainer/models.ts';
import { buildOptimizer } from '../../trainer/optimizer.ts';
import { trainStep } from '../../trainer/train-step.ts';
import { unsortedSegmentSum } from '../../trainer/wasm-segment-sum.ts';
import { Random } from '../../tasks/random.ts';
import type { Encoding } from '../../tasks/task.ts';
import type { TextClassifierModel } from '../../schemas/text.ts';

const logger = pino({ level: 'silent' });
const encoding: Encoding = { timesteps: 12, features: 1, positions: 1, classes: 3, vocabularySize: 40 };

/** Token-id batches where the class is carried by which ids occur (ids 0..39, some padding). */
function batches(n: number, size: number): Array<{ x: Float32Array; y: Int32Array }> {
  const rng = Random.fromSeed(99);
  return Array.from({ length: n }, () => {
    const x = new Float32Array(size * encoding.timesteps);
    const y = new Int32Array(size);
    for (let b = 0; b < size; b++) {
      const label = rng.int(3);
      y[b] = label;
      const pad = rng.int(4);
      for (let t = pad; t < encoding.timesteps; t++) x[b * encoding.timesteps + t] = 2 + label * 12 + rng.int(12);
    }
    return { x, y };
  });
}

/** Trains a fresh model of the seed on the backend; returns the embedding before and after, and the losses. */
async function train(backend: 'cpu' | 'wasm', spec: TextClassifierModel): Promise<{ before: Float32Array; after: Float32Array; losses: number[] }> {
  assert.equal((await selectBackend(backend, logger)).backend, backend);
  const model = buildModel(spec, encoding, 5);
  const optimizer = buildOptimizer('adam', 0.02);
  const embedding = () => model.getLayer('token_embedding').getWeights()[0]?.dataSync() as Float32Array;
  const before = embedding().slice();
  const losses: number[] = [];
  for (const batch of batches(15, 16)) {
    const r = trainStep(model, optimizer, encoding, batch, 16, { clipNorm: 1, measureNorm: false });
    losses.push(r.loss);
    tf.dispose([r.losses, r.correct, r.gradientNorm]);
  }
  const after = embedding().slice();
  model.dispose();
  optimizer.dispose();
  return { before, after, losses };
}

for (const encoder of ['mean-pool', 'gru'] as const) {
  test(`a ${encoder} text classifier's embedding trains on wasm and agrees with the cpu backend`, async () => {
    const spec: TextClassifierModel = { kind: 'text-classifier', embeddingDim: 8, encoder, units: 16 };
    const cpu = await train('cpu', spec);
    const wasm = await train('wasm', spec);
    assert.deepEqual(wasm.before, cpu.before, 'the same seed gives the same initial embedding on both backends');
    let moved = 0;
    let worst = 0;
    for (let i = 0; i < wasm.after.length; i++) {
      if (Math.abs(wasm.after[i]! - wasm.before[i]!) > 1e-3) moved++;
      worst = Math.max(worst, Math.abs(wasm.after[i]! - cpu.after[i]!));
    }
    // Ids 2..37 occur in the batches: their rows (8 values each) must move; id 1 (unknown) and 38-39 never occur.
    assert.ok(moved >= 36 * 8 * 0.9, `embedding values that moved on wasm: ${moved}`);
    for (const id of [1, 38, 39]) {
      for (let d = 0; d < 8; d++) assert.equal(wasm.after[id * 8 + d], wasm.before[id * 8 + d], `row ${id} of an id never seen stays put`);
    }
    assert.ok(worst < 1e-3, `wasm and cpu embeddings differ by at most ${worst}`);
    assert.ok(wasm.losses.at(-1)! < wasm.losses[0]!, `the loss falls on wasm: ${wasm.losses[0]} -> ${wasm.losses.at(-1)}`);
  });
}

test('the segment sum adds rows by segment id and drops ids outside the range', () => {
  const out = new Float32Array(3 * 2);
  unsortedSegmentSum([1, 2, 3, 4, 5, 6, 7, 8], [2, 0, 2, 5], 3, out);
  assert.deepEqual([...out], [3, 4, 0, 0, 6, 8]);
});
