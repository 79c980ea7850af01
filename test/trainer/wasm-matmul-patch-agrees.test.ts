import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import pino from 'pino';
import { selectBackend } from '../../trainer/backend.ts';
import { installWasmBatchMatMulPatch, uninstallWasmBatchMatMulPatch, wasmBatchMatMulPatched } from '../../trainer/wasm-matmul-patch.ts';
import { Random } from '../../tasks/random.ts';

test('patched wasm BatchMatMul agrees with the unpatched kernel on random shapes and every transpose combination', async () => {
  assert.equal((await selectBackend('wasm', pino({ level: 'silent' }))).backend, 'wasm');
  assert.ok(wasmBatchMatMulPatched(), 'selecting wasm installs the patch');
  const rng = Random.fromSeed(2024);
  const before = tf.memory().numTensors;
  const dataIdsBefore = tf.engine().backend.numDataIds();
  let compared = 0;
  for (let trial = 0; trial < 12; trial++) {
    const batch = trial % 3 === 0 ? [] : [1 + rng.int(3)];
    const [m, k, n] = [1 + rng.int(40), 1 + rng.int(40), 1 + rng.int(40)];
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        const aShape = [...batch, ...(transposeA ? [k, m] : [m, k])];
        const bShape = [...batch, ...(transposeB ? [n, k] : [k, n])];
        const a = tf.tensor(Float32Array.from({ length: aShape.reduce((x, y) => x * y, 1) }, () => rng.gaussian()), aShape);
        const b = tf.tensor(Float32Array.from({ length: bShape.reduce((x, y) => x * y, 1) }, () => rng.gaussian()), bShape);
        installWasmBatchMatMulPatch();
        const patched = tf.matMul(a, b, transposeA, transposeB);
        uninstallWasmBatchMatMulPatch();
        const original = tf.matMul(a, b, transposeA, transposeB);
        installWasmBatchMatMulPatch();
        assert.deepEqual(patched.shape, [...batch, m, n]);
        assert.deepEqual(original.shape, patched.shape);
        const p = patched.dataSync();
        const o = original.dataSync();
        for (let i = 0; i < p.length; i++) {
          assert.ok(Math.abs(p[i]! - o[i]!) <= 1e-4, `${aShape} x ${bShape} tA=${transposeA} tB=${transposeB} at ${i}: ${p[i]} vs ${o[i]}`);
        }
        compared++;
        tf.dispose([a, b, patched, original]);
      }
    }
  }
  assert.equal(compared, 48);
  assert.equal(tf.memory().numTensors, before);
  assert.equal(tf.engine().backend.numDataIds(), dataIdsBefore, 'the patch frees its transposed intermediates');
});
