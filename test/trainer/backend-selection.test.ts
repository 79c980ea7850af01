import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import pino from 'pino';
import { selectBackend } from '../../trainer/backend.ts';
import { wasmBatchMatMulPatched } from '../../trainer/wasm-matmul-patch.ts';

// `npm run setup:native` writes this stamp once the addon it built loads.
const stamp = (variant: 'cpu' | 'gpu') => existsSync(join(import.meta.dirname, '..', '..', '.native', variant, '.installed'));
const nativeInstalled = stamp('cpu');
const gpuDevice = existsSync('/dev/nvidia0') || existsSync('/dev/dxg');
// On an NVIDIA machine with `setup:native -- --gpu` (bench/gpu-check.sh), auto goes to the GPU.
const gpuBuild = gpuDevice && stamp('gpu');

function capture() {
  const lines: Array<{ msg: string; backend?: string; device?: string; tried?: string; missing?: string }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) });
  return { lines, logger };
}

test('explicit wasm and cpu run where they say, on the device they name', async () => {
  const { logger } = capture();
  assert.deepEqual(await selectBackend('cpu', logger), { backend: 'cpu', device: 'CPU (pure JS, 1 thread)', version: tf.version_core });
  assert.equal(tf.getBackend(), 'cpu');
  assert.deepEqual(await selectBackend('wasm', logger), { backend: 'wasm', device: 'CPU (wasm SIMD, 1 thread)', version: tf.version_core });
  assert.equal(tf.getBackend(), 'wasm');
  assert.ok(wasmBatchMatMulPatched());
});

test('tensorflow-gpu asked for on a machine without an NVIDIA device is an error naming the setting and the device', { skip: gpuDevice && 'this machine has an NVIDIA device' }, async () => {
  const { logger } = capture();
  await assert.rejects(selectBackend('tensorflow-gpu', logger), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'CUR_BACKEND_UNAVAILABLE');
    assert.match(e.message, /^backend "tensorflow-gpu" \(training\.backend in the spec, --backend, or CURRICULUM_BACKEND\) is unavailable: /);
    assert.match(e.message, /no NVIDIA device is visible \(\/dev\/nvidia0\)/);
    return true;
  });
});

test('without setup:native, tensorflow is an error that says to run it, and auto lands on wasm', { skip: (nativeInstalled || gpuBuild) && 'a native backend is installed (.native)' }, async () => {
  const { lines, logger } = capture();
  await assert.rejects(selectBackend('tensorflow', logger), (e: Error & { code?: string; details?: readonly string[] }) => {
    assert.equal(e.code, 'CUR_BACKEND_UNAVAILABLE');
    assert.match(e.message, /@tensorflow\/tfjs-node is not installed \(run `npm run setup:native`\)/);
    assert.deepEqual(e.details, ['tensorflow: @tensorflow/tfjs-node is not installed (run `npm run setup:native`)']);
    return true;
  });
  lines.length = 0;
  assert.equal((await selectBackend('auto', logger)).backend, 'wasm');
  assert.deepEqual(
    lines.filter((l) => l.msg === 'TensorFlow.js backend unavailable').map((l) => l.tried),
    ['tensorflow-gpu', 'tensorflow'],
  );
  assert.equal(lines.find((l) => l.msg === 'TensorFlow.js backend selected')?.backend, 'wasm');
});

test('with setup:native, auto picks tensorflow on the CPU device TensorFlow reports, and it computes', { skip: (!nativeInstalled || gpuBuild) && 'needs .native/cpu (`npm run setup:native`) and no GPU build on a GPU' }, async () => {
  const { lines, logger } = capture();
  const selected = await selectBackend('auto', logger);
  assert.equal(selected.backend, 'tensorflow');
  assert.match(selected.device, /^CPU \(TensorFlow, \d+ threads\)$/);
  assert.deepEqual(lines.filter((l) => l.msg === 'TensorFlow.js backend unavailable').map((l) => l.tried), ['tensorflow-gpu']);
  assert.equal(tf.getBackend(), 'tensorflow');
  const product = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5], [6]]));
  assert.deepEqual([...(await product.data())], [17, 39]);
  product.dispose();
  // Switching away and back works within one process (the binding is loaded once).
  assert.equal((await selectBackend('wasm', logger)).backend, 'wasm');
  assert.equal((await selectBackend('tensorflow', logger)).backend, 'tensorflow');
});

test('with setup:native -- --gpu on an NVIDIA machine, auto picks tensorflow-gpu on the GPU TensorFlow reports', { skip: !gpuBuild && 'needs an NVIDIA device and .native/gpu (bench/gpu-check.sh)' }, async () => {
  const { logger } = capture();
  const selected = await selectBackend('auto', logger);
  assert.equal(selected.backend, 'tensorflow-gpu');
  assert.match(selected.device, /^GPU:0/);
  const product = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5], [6]]));
  assert.deepEqual([...(await product.data())], [17, 39]);
  product.dispose();
  // The CPU binding cannot join the process the GPU binding holds: a clear error, not a crash.
  await assert.rejects(selectBackend('tensorflow', logger), /already holds the tensorflow backend/);
});
