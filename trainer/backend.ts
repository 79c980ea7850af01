// Choosing the TensorFlow.js backend. Neither native binding is a dependency (they do not
// install everywhere), so they are loaded by a dynamic import that may fail; `auto` walks
// native GPU -> native CPU -> wasm (SIMD binary from the npm package) -> pure-JS cpu.
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { Logger } from 'pino';
import { CurriculumError } from '../schemas/errors.ts';
import { installWasmBatchMatMulPatch } from './wasm-matmul-patch.ts';

import { BACKEND_NAMES, type BackendName } from '../schemas/common.ts';

export { BACKEND_NAMES, type BackendName };

export function isBackendName(value: string): value is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(value);
}

async function tryImport(specifier: string): Promise<boolean> {
  try {
    // A variable specifier: the package is optional and absent from the type graph.
    await import(specifier);
    return true;
  } catch {
    return false;
  }
}

function gpuVisible(): boolean {
  return existsSync('/dev/nvidia0') || existsSync('/dev/dxg');
}

async function activate(name: string): Promise<boolean> {
  if (tf.getBackend() === name) return true;
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}


/**
 * Emscripten's Node glue in the wasm backend adds process-wide handlers that rethrow any
 * uncaught error from inside its minified bundle: Node then prints that 39 KB source line
 * above the real error and exits 7. How a process reports its own errors is the CLI's job,
 * so whatever handlers `init` adds are removed again.
 */
async function withoutAddedProcessHandlers<T>(init: () => Promise<T>): Promise<T> {
  const uncaught = new Set(process.listeners('uncaughtException'));
  const unhandled = new Set(process.listeners('unhandledRejection'));
  try {
    return await init();
  } finally {
    for (const l of process.listeners('uncaughtException')) if (!uncaught.has(l)) process.off('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection')) if (!unhandled.has(l)) process.off('unhandledRejection', l);
  }
}

async function tryBackend(choice: Exclude<BackendName, 'auto'>, logger: Logger): Promise<boolean> {
  switch (choice) {
    case 'tensorflow-gpu':
      if (!gpuVisible()) {
        logger.info({ backend: choice }, 'no GPU device visible');
        return false;
      }
      return (await tryImport('@tensorflow/tfjs-node-gpu')) && activate('tensorflow');
    case 'tensorflow':
      return (await tryImport('@tensorflow/tfjs-node')) && activate('tensorflow');
    case 'wasm': {
      if (!(await tryImport('@tensorflow/tfjs-backend-wasm'))) return false;
      // The threaded binary needs browser workers; on Node the single-threaded SIMD one is used.
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      if (!(await withoutAddedProcessHandlers(() => activate('wasm')))) return false;
      installWasmBatchMatMulPatch();
      return true;
    }
    case 'cpu':
      return activate('cpu');
  }
}

/**
 * Makes `requested` the process's backend (TensorFlow.js has one global backend, shared by a
 * trainer and an evaluator in the same process) and returns the backend actually in use.
 */
export async function selectBackend(requested: BackendName, logger: Logger): Promise<string> {
  const order: Array<Exclude<BackendName, 'auto'>> =
    requested === 'auto' ? ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] : [requested];
  for (const choice of order) {
    if (await tryBackend(choice, logger)) {
      const inUse = choice === 'tensorflow-gpu' ? 'tensorflow-gpu' : tf.getBackend();
      logger.info({ requested, backend: inUse }, 'TensorFlow.js backend selected');
      return inUse;
    }
    logger.info({ requested, tried: choice }, 'TensorFlow.js backend unavailable');
  }
  throw new CurriculumError('CUR_BACKEND_UNAVAILABLE', `backend "${requested}" is not installed or found no device`);
}
