// Choosing the TensorFlow.js backend, and saying truthfully which one runs where. The native
// bindings are not npm dependencies (their install scripts download from a host the machines
// here cannot reach): `npm run setup:native [-- --gpu]` builds them into .native/<cpu|gpu>/,
// outside the node_modules that `npm ci` replaces, and they are loaded from there (or from
// node_modules, where an image installed them the usual way). `auto` walks native GPU -> native
// CPU -> wasm (SIMD binary from the npm package) -> pure-JS cpu and takes the first that loads
// and, for the GPU, on which TensorFlow itself reports a GPU device.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Logger } from 'pino';
import { CurriculumError } from '../schemas/errors.ts';
import { installWasmBatchMatMulPatch } from './wasm-matmul-patch.ts';
import { installWasmSegmentSum } from './wasm-segment-sum.ts';
import { BACKEND_NAMES, type BackendName } from '../schemas/common.ts';

export { BACKEND_NAMES, type BackendName };

export function isBackendName(value: string): value is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(value);
}

/** The backend a process computes on, as reported in run data, reports, the live view and /metrics. */
export interface SelectedBackend {
  /** tensorflow-gpu, tensorflow, wasm or cpu. */
  readonly backend: Exclude<BackendName, 'auto'>;
  /** Where its kernels run, e.g. `GPU:0 (NVIDIA H200)`, `CPU (TensorFlow, 2 threads)`, `CPU (wasm SIMD, 1 thread)`. */
  readonly device: string;
  /** TensorFlow.js version (one for every backend package here: they are released together). */
  readonly version: string;
}

const repoRoot = join(import.meta.dirname, '..');

const NATIVE = {
  'tensorflow-gpu': { pkg: '@tensorflow/tfjs-node-gpu', dir: 'gpu', setup: 'npm run setup:native -- --gpu' },
  tensorflow: { pkg: '@tensorflow/tfjs-node', dir: 'cpu', setup: 'npm run setup:native' },
} as const;
type NativeName = keyof typeof NATIVE;

/** What tfjs-node's backend object exposes beyond tfjs-core's KernelBackend. */
interface NodeKernelBackend {
  isUsingGpuDevice?: boolean;
}

type Attempt = { ok: true; device: string } | { ok: false; missing: string };

/** Loads a native binding once per process; the outcome (or why not) is remembered. */
const nativeLoads = new Map<NativeName, { ok: true } | { ok: false; missing: string }>();

function loadNative(name: NativeName): { ok: true } | { ok: false; missing: string } {
  const known = nativeLoads.get(name);
  if (known) return known;
  const { pkg, dir, setup } = NATIVE[name];
  // The first place that has the package wins: .native/<dir> (setup:native), then node_modules.
  const from = [join(repoRoot, '.native', dir, 'package.json'), join(repoRoot, 'package.json')];
  let outcome: { ok: true } | { ok: false; missing: string } = { ok: false, missing: `${pkg} is not installed (run \`${setup}\`)` };
  for (const base of from) {
    const require = createRequire(base);
    let resolved: string;
    try {
      resolved = require.resolve(pkg);
    } catch {
      continue;
    }
    try {
      // TensorFlow's C++ info lines (CPU feature notes) would otherwise go to stderr unasked.
      process.env['TF_CPP_MIN_LOG_LEVEL'] ??= '2';
      require(resolved);
      outcome = { ok: true };
    } catch (e) {
      outcome = { ok: false, missing: `${pkg} (${resolved}) does not load: ${e instanceof Error ? e.message.split('\n')[0] : String(e)} (rerun \`${setup}\`)` };
    }
    break;
  }
  nativeLoads.set(name, outcome);
  return outcome;
}

function gpuVisible(): boolean {
  return existsSync('/dev/nvidia0') || existsSync('/dev/dxg');
}

/** The NVIDIA driver's name for its first GPU, when /proc has it. */
function gpuModel(): string | undefined {
  try {
    const dir = '/proc/driver/nvidia/gpus';
    const first = readdirSync(dir).sort()[0];
    if (first === undefined) return undefined;
    return /^Model:\s*(.+)$/m.exec(readFileSync(join(dir, first, 'information'), 'utf8'))?.[1]?.trim();
  } catch {
    return undefined;
  }
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

async function tryNative(choice: NativeName): Promise<Attempt> {
  if (choice === 'tensorflow-gpu' && !gpuVisible()) return { ok: false, missing: 'no NVIDIA device is visible (/dev/nvidia0)' };
  // Both bindings register the backend name `tensorflow`: once one has, the other cannot.
  const other = nativeLoads.get(choice === 'tensorflow' ? 'tensorflow-gpu' : 'tensorflow');
  if (other?.ok) return { ok: false, missing: `${NATIVE[choice === 'tensorflow' ? 'tensorflow-gpu' : 'tensorflow'].pkg} already holds the tensorflow backend in this process` };
  const loaded = loadNative(choice);
  if (!loaded.ok) return loaded;
  if (!(await activate('tensorflow'))) return { ok: false, missing: `${NATIVE[choice].pkg} loaded but the tensorflow backend did not initialise` };
  const onGpu = (tf.backend() as unknown as NodeKernelBackend).isUsingGpuDevice === true;
  if (choice === 'tensorflow-gpu') {
    if (!onGpu) return { ok: false, missing: 'TensorFlow (tfjs-node-gpu) reports no GPU device: check the driver and the CUDA libraries in .native/gpu' };
    const model = gpuModel();
    return { ok: true, device: `GPU:0${model ? ` (${model})` : ''}` };
  }
  return { ok: true, device: onGpu ? 'GPU:0' : `CPU (TensorFlow, ${availableParallelism()} threads)` };
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

async function tryBackend(choice: Exclude<BackendName, 'auto'>): Promise<Attempt> {
  switch (choice) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      return tryNative(choice);
    case 'wasm': {
      try {
        await import('@tensorflow/tfjs-backend-wasm');
      } catch (e) {
        return { ok: false, missing: `@tensorflow/tfjs-backend-wasm does not load: ${e instanceof Error ? e.message : String(e)} (run npm ci)` };
      }
      // The threaded binary needs browser workers; on Node the single-threaded SIMD one is used.
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      if (!(await withoutAddedProcessHandlers(() => activate('wasm')))) return { ok: false, missing: 'the wasm backend did not initialise' };
      installWasmBatchMatMulPatch();
      // Embeddings train on wasm only with this kernel (the gradient of gather).
      installWasmSegmentSum();
      return { ok: true, device: 'CPU (wasm SIMD, 1 thread)' };
    }
    case 'cpu':
      return (await activate('cpu')) ? { ok: true, device: 'CPU (pure JS, 1 thread)' } : { ok: false, missing: 'the cpu backend did not initialise' };
  }
}

/**
 * Makes `requested` the process's backend (TensorFlow.js has one global backend, shared by a
 * trainer and an evaluator in the same process) and returns the backend actually in use and its
 * device. An explicit choice that cannot run is an error that names the setting and what is missing.
 */
export async function selectBackend(requested: BackendName, logger: Logger): Promise<SelectedBackend> {
  const order: Array<Exclude<BackendName, 'auto'>> =
    requested === 'auto' ? ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] : [requested];
  const missing: string[] = [];
  for (const choice of order) {
    const attempt = await tryBackend(choice);
    if (attempt.ok) {
      const selected: SelectedBackend = { backend: choice, device: attempt.device, version: tf.version_core };
      logger.info({ requested, ...selected }, 'TensorFlow.js backend selected');
      return selected;
    }
    missing.push(`${choice}: ${attempt.missing}`);
    logger.info({ requested, tried: choice, missing: attempt.missing }, 'TensorFlow.js backend unavailable');
  }
  throw new CurriculumError(
    'CUR_BACKEND_UNAVAILABLE',
    `backend "${requested}" (training.backend in the spec, --backend, or CURRICULUM_BACKEND) is unavailable: ${missing.join('; ')}`,
    missing,
  );
}
