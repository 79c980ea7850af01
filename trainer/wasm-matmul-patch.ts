// The wasm backend's BatchMatMul is several times slower when an operand is transposed (the
// XNNPACK path only packs the plain layout), and every gradient of a matMul asks for exactly
// that. Transposing explicitly and running the plain kernel is measured 3-4x faster for
// training on this project's models; test/trainer/wasm-matmul-patch.test.ts checks it agrees
// with the unpatched kernel.
import * as tf from '@tensorflow/tfjs';

type KernelConfig = NonNullable<ReturnType<typeof tf.getKernel>>;
type KernelArgs = Parameters<KernelConfig['kernelFunc']>[0];
type TensorInfo = tf.TensorInfo;

interface DisposingBackend {
  disposeData(dataId: object): boolean;
}

let installed: KernelConfig | undefined;

/** Replaces the wasm BatchMatMul kernel (idempotent; needs the wasm backend registered). */
export function installWasmBatchMatMulPatch(): void {
  if (installed) return;
  const original = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!original || !transpose) throw new Error('wasm BatchMatMul or Transpose kernel is not registered');
  const kernelFunc = (args: KernelArgs) => {
    const { inputs, backend, attrs } = args;
    const transposeA = Boolean(attrs?.['transposeA']);
    const transposeB = Boolean(attrs?.['transposeB']);
    if (!transposeA && !transposeB) return original.kernelFunc(args);
    const a = inputs['a'] as TensorInfo;
    const b = inputs['b'] as TensorInfo;
    const swapLast = (x: TensorInfo): TensorInfo => {
      const perm = [...x.shape.keys()];
      const n = perm.length;
      [perm[n - 2], perm[n - 1]] = [n - 1, n - 2];
      return transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as TensorInfo;
    };
    const a2 = transposeA ? swapLast(a) : a;
    const b2 = transposeB ? swapLast(b) : b;
    const out = original.kernelFunc({ inputs: { a: a2, b: b2 }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    // Intermediates made by kernels (not ops) are not tracked by the engine: free them here.
    if (transposeA) (backend as DisposingBackend).disposeData(a2.dataId);
    if (transposeB) (backend as DisposingBackend).disposeData(b2.dataId);
    return out;
  };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ ...original, kernelFunc });
  installed = original;
}

/** Puts the original kernel back (idempotent). */
export function uninstallWasmBatchMatMulPatch(): void {
  if (!installed) return;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel(installed);
  installed = undefined;
}

export function wasmBatchMatMulPatched(): boolean {
  return installed !== undefined;
}
