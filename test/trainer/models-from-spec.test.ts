import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../trainer/backend.ts';
import { buildModel } from '../../trainer/models.ts';
import { additionEncoding } from '../../tasks/addition.ts';
import { DIGITS_ENCODING } from '../../tasks/permuted-digits.ts';
import { silent, testBackend } from './fixtures.ts';
import type { ModelSpec } from '../../schemas/spec.ts';
import type { Encoding } from '../../tasks/task.ts';

before(async () => {
  await selectBackend(testBackend(), silent);
});

const addition = additionEncoding(4); // 5 steps of 20 features -> 5 digit positions of 10 classes

// Determinism on the backend named in the test title: the runner runs this file on wasm and again
// on tensorflow (CURRICULUM_TEST_BACKEND), and it holds on both.
test('models from the spec have the expected shapes and parameter counts', () => {
  const cases: Array<{ spec: ModelSpec; encoding: Encoding; params: number; out: number[] }> = [
    // flatten 100 -> dense 8 (808) -> dense 50 (450)
    { spec: { kind: 'mlp', hidden: [8], activation: 'relu' }, encoding: addition, params: 1258, out: [2, 5, 10] },
    // GRU kernel 20x24 + recurrent 8x24 + bias 24 = 696; per-step dense 8x10+10 = 90
    { spec: { kind: 'seq2seq', cell: 'gru', units: 8 }, encoding: addition, params: 786, out: [2, 5, 10] },
    // LSTM kernel 20x32 + recurrent 8x32 + bias 32 = 928; dense 90
    { spec: { kind: 'seq2seq', cell: 'lstm', units: 8 }, encoding: addition, params: 1018, out: [2, 5, 10] },
    // encoder GRU on 28 rows of 28 pixels (888) -> repeat -> decoder GRU (408) -> dense 90: one label position
    { spec: { kind: 'seq2seq', cell: 'gru', units: 8 }, encoding: DIGITS_ENCODING, params: 1386, out: [2, 1, 10] },
  ];
  for (const c of cases) {
    const model = buildModel(c.spec, c.encoding, 1);
    assert.equal(model.countParams(), c.params, JSON.stringify(c.spec));
    const y = tf.tidy(() => model.predict(tf.zeros([2, c.encoding.timesteps, c.encoding.features])) as tf.Tensor);
    assert.deepEqual(y.shape, c.out);
    y.dispose();
    model.dispose();
  }
});

test(`a fresh model is a function of the run seed (${testBackend()})`, () => {
  const weights = (seed: number) => {
    const m = buildModel({ kind: 'seq2seq', cell: 'gru', units: 8 }, addition, seed);
    const values = m.getWeights().map((w) => Array.from(w.dataSync()));
    m.dispose();
    return values;
  };
  assert.deepEqual(weights(5), weights(5));
  assert.notDeepEqual(weights(5), weights(6));
});
