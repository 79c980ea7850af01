// The wasm backend has no UnsortedSegmentSum kernel, and the gradient of tf.gather (so of
// every Embedding layer) is an unsorted segment sum: without it an embedding cannot train on
// wasm ("Kernel 'UnsortedSegmentSum' not registered for backend 'wasm'"). This registers one:
// the sums are done in JavaScript over the backend's buffers, in index order, which is what
// the cpu backend computes up to float rounding (test/trainer/embedding-trains-on-wasm.test.ts
// checks both the moving weights and the agreement).
import * as tf from '@tensorflow/tfjs';

type KernelArgs = Parameters<NonNullable<ReturnType<typeof tf.getKernel>>['kernelFunc']>[0];

interface WasmBackendLike {
  readSync(dataId: object): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.TypedArray): tf.TensorInfo;
}

export const SEGMENT_SUM_KERNEL = 'UnsortedSegmentSum';

/** out[s, ...] = sum of x[i, ...] over every i whose segment id is s (ids outside [0, numSegments) are dropped, as in TensorFlow). */
export function unsortedSegmentSum(x: ArrayLike<number>, ids: ArrayLike<number>, numSegments: number, out: Float32Array | Int32Array): void {
  const inner = ids.length === 0 ? 0 : x.length / ids.length;
  out.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i] ?? -1;
    if (s < 0 || s >= numSegments) continue;
    const from = i * inner;
    const to = s * inner;
    for (let j = 0; j < inner; j++) out[to + j] = (out[to + j] ?? 0) + (x[from + j] ?? 0);
  }
}

function kernelFunc({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const x = inputs['x'] as tf.TensorInfo;
  const segmentIds = inputs['segmentIds'] as tf.TensorInfo;
  const numSegments = Number(attrs?.['numSegments']);
  const wasm = backend as unknown as WasmBackendLike;
  const shape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const size = shape.reduce((a, b) => a * b, 1);
  const values = x.dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
  unsortedSegmentSum(wasm.readSync(x.dataId), wasm.readSync(segmentIds.dataId), numSegments, values);
  return wasm.makeOutput(shape, x.dtype === 'int32' ? 'int32' : 'float32', undefined, values);
}

/** Registers the kernel on the wasm backend (idempotent; a no-op once tfjs ships its own). */
export function installWasmSegmentSum(): void {
  if (tf.getKernel(SEGMENT_SUM_KERNEL, 'wasm')) return;
  tf.registerKernel({ kernelName: SEGMENT_SUM_KERNEL, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}
