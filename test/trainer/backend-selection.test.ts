import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import pino from 'pino';
import { selectBackend } from '../../trainer/backend.ts';
import { wasmBatchMatMulPatched } from '../../trainer/wasm-matmul-patch.ts';

function installed(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}

test('backends: explicit choices, the auto fallback chain, and a clear error for a missing native binding', async () => {
  const lines: Array<{ msg: string; backend?: string; tried?: string }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) });
  assert.equal(await selectBackend('cpu', logger), 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  assert.equal(await selectBackend('wasm', logger), 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.ok(wasmBatchMatMulPatched());
  if (!installed('@tensorflow/tfjs-node')) {
    await assert.rejects(selectBackend('tensorflow', logger), { code: 'CUR_BACKEND_UNAVAILABLE', message: 'backend "tensorflow" is not installed or found no device' });
  }
  if (!installed('@tensorflow/tfjs-node') && !installed('@tensorflow/tfjs-node-gpu')) {
    lines.length = 0;
    // Neither native binding here: auto walks past both and lands on wasm, and says so.
    assert.equal(await selectBackend('auto', logger), 'wasm');
    assert.deepEqual(
      lines.filter((l) => l.msg === 'TensorFlow.js backend unavailable').map((l) => l.tried),
      ['tensorflow-gpu', 'tensorflow'],
    );
    assert.equal(lines.find((l) => l.msg === 'TensorFlow.js backend selected')?.backend, 'wasm');
  }
});
