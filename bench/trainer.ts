// bench:trainer — training throughput per backend, model and batch size, the harness's overhead
// against a bare TF.js loop on the same model and data, and achieved GFLOP/s against this
// machine's peak.
//
//   npm run bench:trainer [-- --quick] [--steps 120] [--backends tensorflow,wasm,cpu] [--out PATH]
//   (--out PATH: the results go to PATH.json and PATH.svg; a trailing .json or .svg is dropped)
//
// Backends: tensorflow (the native tfjs-node build, `npm run setup:native`), tensorflow-gpu
// (`-- --gpu`, bench/gpu-check.sh), wasm (patched BatchMatMul, the default without a native
// build) and pure-JS cpu. One process can hold only one native binding, so tensorflow and
// tensorflow-gpu are never in the same run. A backend named by --backends that does not load is
// an error; the default list leaves out a native one that is not installed and says so.
//
// 1. Each backend x model x batch (64, 512, 4096): the real Trainer over one lesson after a
//    warm-up lesson, a budget of samples per cell (steps x 64, a sixth of it on cpu, at least 3
//    steps), samples/s wall clock and per CPU-second, GFLOP/s.
// 2. "Harness" is the real Trainer executing a lesson.start command (on-the-fly sampling from the
// task generators, per-example loss and exact-match for per-task metrics, read back once per
// metrics window, the gradient norm the metrics report, learning-rate schedule, metrics events,
// the lesson-end checkpoint on disk), timed end to end. "Bare" is the minimal TF.js loop a person
// would write: the same model (buildModel, same seed), the same optimizer and loss, over batches
// drawn beforehand from the same sampler (so sampling counts as harness cost), `optimizer.minimize`
// and a loss read back per step. Gradient clipping is off on both sides (it is extra math, not
// overhead), so the difference is what the harness adds. Bare and harness alternate (11 rounds,
// 3 with --quick) and the medians are compared, because the cores are shared and load drifts: a
// 120-step MLP round lasts half a second, and single rounds differ by up to 20% (5 rounds left
// the median a few points from run to run, too coarse for a 10% target).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { pino } from 'pino';
import type { RunConfig } from '../schemas/events.ts';
import { Random } from '../tasks/random.ts';
import { buildTaskSet } from '../tasks/registry.ts';
import { isBackendName, selectBackend, type BackendName, type SelectedBackend } from '../trainer/backend.ts';
import { buildModel, perExampleLoss } from '../trainer/models.ts';
import { buildOptimizer } from '../trainer/optimizer.ts';
import { BatchSampler, type Batch } from '../trainer/sampler.ts';
import { additionTask, digitsTask, harness, lessonCommand, runConfig } from '../test/trainer/fixtures.ts';
import { renderPanels, formatNumber, type Panel } from './lib/svg.ts';

const here = dirname(fileURLToPath(import.meta.url));
const logger = pino({ level: 'silent' });
const quick = process.argv.includes('--quick');
const stepsArg = process.argv.indexOf('--steps');
const steps = stepsArg >= 0 ? Number(process.argv[stepsArg + 1]) : quick ? 40 : 120;

const models: Record<string, RunConfig> = {
  'mlp [100,100], permuted digits': runConfig({
    model: { kind: 'mlp', hidden: [100, 100], activation: 'relu' },
    optimizer: { kind: 'adam', gradientClipNorm: 0 },
    batchSize: 64,
    tasks: [digitsTask('perm-0', 0), digitsTask('perm-1', 1)],
  }),
  'seq2seq gru-64, 1-3 digit addition': runConfig({
    model: { kind: 'seq2seq', cell: 'gru', units: 64 },
    optimizer: { kind: 'adam', gradientClipNorm: 0 },
    batchSize: 128,
    tasks: [additionTask('add-1', 1), additionTask('add-2', 2), additionTask('add-3', 3)],
  }),
};

const weightsOf = (run: RunConfig) => Object.fromEntries(run.tasks.map((t) => [t.id, 1 / run.tasks.length]));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Samples/s of the real Trainer over one lesson of `n` steps (after a warm-up lesson), wall clock end to end. */
interface Rate {
  /** Samples per wall-clock second. */
  wall: number;
  /** Samples per CPU-second of this process (user + system): what other engineers' load cannot take away. */
  cpu: number;
}

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function harnessRate(run: RunConfig, n: number, warm = 10): Promise<Rate> {
  const h = harness();
  await h.trainer.handle(lessonCommand('bench', run, { lessonId: 'warm', steps: warm, metricsEvery: warm, taskWeights: weightsOf(run) }));
  const t0 = performance.now();
  const c0 = cpuSeconds();
  await h.trainer.handle(lessonCommand('bench', run, { lessonId: 'timed', startStep: warm, steps: n, metricsEvery: Math.max(1, Math.floor(n / 5)), fromCheckpointId: `warm.step-${warm}`, taskWeights: weightsOf(run) }));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - c0;
  const errors = h.of('service.error');
  h.trainer.dispose();
  if (errors.length > 0) throw new Error(errors.map((e) => e.payload.message).join('; '));
  return { wall: (n * run.batchSize) / seconds, cpu: (n * run.batchSize) / cpu };
}

/** Samples/s of a bare TF.js loop: same model, optimizer, loss and data, nothing else. */
function bareRate(run: RunConfig, n: number): { rate: Rate; model: tf.LayersModel } {
  const taskSet = buildTaskSet(run);
  const enc = taskSet.encoding;
  const sampler = new BatchSampler(taskSet, weightsOf(run), Random.fromSeed(11));
  const batches: Batch[] = Array.from({ length: n + 10 }, () => sampler.next(run.batchSize));
  const model = buildModel(run.model, enc, run.seed);
  const optimizer = buildOptimizer(run.optimizer.kind, 0.001);
  const step = (b: Batch) => {
    const x = tf.tensor3d(b.x, [run.batchSize, enc.timesteps, enc.features]);
    const y = tf.tensor2d(b.y, [run.batchSize, enc.positions], 'int32');
    const loss = optimizer.minimize(() => tf.mean(perExampleLoss(model.apply(x, { training: true }) as tf.Tensor, y, enc.classes)) as tf.Scalar, true);
    loss?.dataSync();
    loss?.dispose();
    x.dispose();
    y.dispose();
  };
  for (let i = 0; i < 10; i++) step(batches[i] as Batch); // warm-up: kernels, optimizer slots
  const t0 = performance.now();
  const c0 = cpuSeconds();
  for (let i = 10; i < n + 10; i++) step(batches[i] as Batch);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - c0;
  optimizer.dispose();
  return { rate: { wall: (n * run.batchSize) / seconds, cpu: (n * run.batchSize) / cpu }, model };
}

/**
 * Training FLOPs per sample: 2 FLOPs per multiply-accumulate of every weight matrix (a recurrent
 * or time-distributed one once per time step), times 3 for forward + backward (input and weight
 * gradients). Element-wise work (activations, gates, biases, the optimizer) is left out, so this
 * is the matrix-multiply work, a slight under-count.
 */
function trainingFlopsPerSample(model: tf.LayersModel, timesteps: number): number {
  let macs = 0;
  const size = (s: number[] | undefined) => (s ?? []).reduce((a, b) => a * b, 1);
  for (const layer of model.layers) {
    const shapes = layer.getWeights().map((w) => w.shape);
    const cls = layer.getClassName();
    if (cls === 'Dense') macs += size(shapes[0]);
    else if (cls === 'TimeDistributed') macs += size(shapes[0]) * timesteps;
    else if (cls === 'GRU' || cls === 'LSTM') macs += (size(shapes[0]) + size(shapes[1])) * timesteps;
  }
  return 3 * 2 * macs;
}

/** The peaks GFLOP/s are judged against, from /proc/cpuinfo's clock. */
function peaks(): { mhz: number; cores: number; machineGflops: number; wasmGflops: number; derivation: string } {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const mhz = Number(/cpu MHz\s*:\s*([\d.]+)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.speed ?? NaN);
  const cores = os.cpus().length;
  // Machine: a Zen 4 core (AMD family 25 model 17 here) has two 256-bit FMA pipes, AVX-512 runs
  // as two halves: 2 pipes x 8 FP32 lanes x 2 FLOPs (multiply + add) = 32 per cycle, on every core.
  const machineGflops = (mhz * 1e6 * 32 * cores) / 1e9;
  // wasm: 128-bit SIMD = 4 lanes, no fused multiply-add, 2 mul + 2 add pipes: 16 per cycle, and
  // the tfjs wasm backend is single-threaded on Node, so one core.
  const wasmGflops = (mhz * 1e6 * 16) / 1e9;
  return {
    mhz,
    cores,
    machineGflops,
    wasmGflops,
    derivation: `machine peak ${mhz.toFixed(0)} MHz (/proc/cpuinfo) x 32 FP32 FLOPs/cycle (Zen 4: 2 x 256-bit FMA pipes x 8 lanes x 2) x ${cores} cores = ${machineGflops.toFixed(1)} GFLOP/s; the wasm path's own ceiling is 16 FLOPs/cycle on one core (128-bit SIMD, no FMA, single-threaded) = ${wasmGflops.toFixed(1)}`,
  };
}

const BATCHES = [64, 512, 4096] as const;
const isNative = (b: BackendName) => b === 'tensorflow' || b === 'tensorflow-gpu';

/** Steps per cell: a budget of samples (a sixth on the pure-JS backend), at least 3 steps (1 on cpu, where a 4096 step takes seconds). */
function cellSteps(backend: BackendName, batch: number): { steps: number; warm: number } {
  const budget = backend === 'cpu' ? (steps * 64) / 6 : steps * 64;
  const n = Math.max(backend === 'cpu' ? 1 : 3, Math.round(budget / batch));
  return { steps: n, warm: Math.max(1, Math.min(10, Math.round(n / 4))) };
}

function parseBackends(): { list: Array<Exclude<BackendName, 'auto'>>; explicit: boolean } {
  const i = process.argv.indexOf('--backends');
  if (i < 0) return { list: ['tensorflow', 'wasm', 'cpu'], explicit: false };
  const list = (process.argv[i + 1] ?? '').split(',').filter((b) => b !== '');
  for (const b of list) if (!isBackendName(b) || b === 'auto') throw new Error(`--backends: "${b}" is not one of tensorflow-gpu, tensorflow, wasm, cpu`);
  if (list.includes('tensorflow') && list.includes('tensorflow-gpu')) throw new Error('--backends: tensorflow and tensorflow-gpu cannot share a process (both bindings register "tensorflow")');
  return { list: list as Array<Exclude<BackendName, 'auto'>>, explicit: true };
}

interface Cell {
  backend: string;
  device: string;
  model: string;
  batch: number;
  steps: number;
  samplesPerSecond: number;
  samplesPerCpuSecond: number;
  gflopsWall: number;
  ofMachinePeak: number;
}

interface Overhead {
  backend: string;
  model: string;
  batch: number;
  bare: Rate;
  harness: Rate;
  overheadCpu: number;
  overheadWall: number;
  roundOverheadsCpu: number[];
  overheadWallMedianOfRounds: number;
}

async function main(): Promise<void> {
  const cpus = os.cpus();
  const machine = { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, loadAverage: os.loadavg(), node: process.version };
  const p = peaks();
  const { list, explicit } = parseBackends();
  console.log(`bench:trainer  ${machine.cpu} x${machine.cores}, load ${machine.loadAverage.map((x) => x.toFixed(1)).join('/')}, budget ${steps} x 64 samples per cell; ${p.derivation}`);

  // 1. samples/s per backend, model and batch (the harness, end to end).
  const backends: SelectedBackend[] = [];
  const flopsPerSample: Record<string, number> = {};
  const notes: string[] = [];
  const table: Cell[] = [];
  console.log('\n1. harness samples/s per backend, model and batch (wall clock; per CPU-second in brackets)');
  for (const name of list) {
    let selected: SelectedBackend;
    try {
      selected = await selectBackend(name, logger);
    } catch (e) {
      if (explicit || !isNative(name)) throw e;
      notes.push(`${name} left out: ${e instanceof Error ? e.message : String(e)}`);
      console.log(`  ${name}: left out (${notes.at(-1)})`);
      continue;
    }
    backends.push(selected);
    if (Object.keys(flopsPerSample).length === 0) {
      for (const [model, run] of Object.entries(models)) {
        const built = buildModel(run.model, buildTaskSet(run).encoding, run.seed);
        flopsPerSample[model] = trainingFlopsPerSample(built, buildTaskSet(run).encoding.timesteps);
        built.dispose();
      }
    }
    for (const [model, base] of Object.entries(models)) {
      for (const batch of BATCHES) {
        const { steps: n, warm } = cellSteps(name, batch);
        const r = await harnessRate({ ...base, batchSize: batch }, n, warm);
        const gflopsWall = (r.wall * (flopsPerSample[model] ?? NaN)) / 1e9;
        const cell: Cell = { backend: name, device: selected.device, model, batch, steps: n, samplesPerSecond: r.wall, samplesPerCpuSecond: r.cpu, gflopsWall, ofMachinePeak: gflopsWall / p.machineGflops };
        table.push(cell);
        console.log(`  ${model.padEnd(36)} ${name.padEnd(14)} batch ${String(batch).padStart(4)}: ${r.wall.toFixed(0).padStart(7)} samples/s (${r.cpu.toFixed(0)} per CPU-s), ${gflopsWall.toFixed(2)} GFLOP/s = ${(cell.ofMachinePeak * 100).toFixed(1)}% of machine peak  (${n} steps)`);
      }
    }
  }

  // Ratios against wasm, cell by cell, measured in this run.
  const ratios: Array<{ backend: string; model: string; batch: number; vsWasm: number }> = [];
  for (const c of table.filter((t) => t.backend !== 'wasm')) {
    const w = table.find((t) => t.backend === 'wasm' && t.model === c.model && t.batch === c.batch);
    if (w) ratios.push({ backend: c.backend, model: c.model, batch: c.batch, vsWasm: c.samplesPerSecond / w.samplesPerSecond });
  }
  if (ratios.length > 0) {
    console.log('\n   vs wasm (samples/s wall, same run)');
    for (const r of ratios) console.log(`  ${r.model.padEnd(36)} ${r.backend.padEnd(14)} batch ${String(r.batch).padStart(4)}: ${r.vsWasm.toFixed(2)}x`);
  }
  const target = ratios.find((r) => isNative(r.backend as BackendName) && r.model.startsWith('seq2seq') && r.batch === 512);
  if (target) console.log(`  target: native >= 3x wasm at batch 512 on the sequence model: ${target.vsWasm.toFixed(2)}x ${target.vsWasm >= 3 ? 'MET' : 'NOT MET'}`);

  // 2./3. overhead against a bare loop on each native backend and on wasm, at the models' own
  // batch sizes, judged per CPU-second (this process's user + system time), which other
  // processes' load does not dilute; wall-clock figures beside it.
  const rounds = quick ? 3 : 11;
  const overhead: Overhead[] = [];
  for (const selected of backends.filter((b) => b.backend !== 'cpu')) {
    await selectBackend(selected.backend, logger);
    console.log(`\n2. harness vs bare TF.js loop on ${selected.backend} (${selected.device}), ${rounds} alternating rounds, medians`);
    for (const [model, run] of Object.entries(models)) {
      const bare: Rate[] = [];
      const harn: Rate[] = [];
      for (let round = 0; round < rounds; round++) {
        const b = bareRate(run, steps);
        b.model.dispose();
        bare.push(b.rate);
        const h = await harnessRate(run, steps);
        harn.push(h);
        console.log(`  ${model.padEnd(36)} round ${round + 1}: bare ${b.rate.wall.toFixed(0)} samples/s (${b.rate.cpu.toFixed(0)}/CPU-s), harness ${h.wall.toFixed(0)} samples/s (${h.cpu.toFixed(0)}/CPU-s)`);
      }
      const b: Rate = { wall: median(bare.map((r) => r.wall)), cpu: median(bare.map((r) => r.cpu)) };
      const h: Rate = { wall: median(harn.map((r) => r.wall)), cpu: median(harn.map((r) => r.cpu)) };
      const row: Overhead = {
        backend: selected.backend,
        model,
        batch: run.batchSize,
        bare: b,
        harness: h,
        overheadCpu: 1 - h.cpu / b.cpu,
        overheadWall: 1 - h.wall / b.wall,
        // Each round's own ratio, to show the spread the medians smooth over.
        roundOverheadsCpu: bare.map((r, i) => 1 - (harn[i] as Rate).cpu / r.cpu),
        overheadWallMedianOfRounds: median(bare.map((r, i) => 1 - (harn[i] as Rate).wall / r.wall)),
      };
      overhead.push(row);
      console.log(
        `  ${model.padEnd(36)} overhead per CPU-s ${(row.overheadCpu * 100).toFixed(1)}% (target <= 10%: ${row.overheadCpu <= 0.1 ? 'MET' : 'NOT MET'}; wall clock ${(row.overheadWall * 100).toFixed(1)}%, median of round ratios ${(row.overheadWallMedianOfRounds * 100).toFixed(1)}%; single rounds per CPU-s ${(Math.min(...row.roundOverheadsCpu) * 100).toFixed(0)}% to ${(Math.max(...row.roundOverheadsCpu) * 100).toFixed(0)}%)`,
      );
    }
  }

  const generatedAt = new Date().toISOString();
  const outArg = process.argv.indexOf('--out');
  const out = outArg >= 0 ? (process.argv[outArg + 1] ?? '').replace(/\.(json|svg)$/, '') : join(here, 'results', `trainer${quick ? '-quick' : ''}`);
  mkdirSync(dirname(out), { recursive: true });
  const command = `npm run bench:trainer${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  writeFileSync(`${out}.json`, `${JSON.stringify({ generatedAt, command, machine, steps, backends, notes, flopsPerSample, table, ratios, overhead, peak: p }, null, 2)}\n`);
  const label = (c: { model: string; backend: string; batch: number }) => `${c.model.split(' ')[0]} b${c.batch} / ${c.backend}`;
  const panels: Panel[] = [
    { title: 'Harness throughput per backend, model and batch', unit: 'samples/s (wall), log scale', log: true, bars: table.map((c) => ({ label: label(c), value: c.samplesPerSecond })) },
    { title: 'Achieved GFLOP/s (wall) vs the machine peak', unit: `GFLOP/s; peak ${p.machineGflops.toFixed(0)} (${p.cores} cores)`, log: true, bars: table.map((c) => ({ label: label(c), value: c.gflopsWall, note: `${c.gflopsWall.toFixed(2)} = ${(c.ofMachinePeak * 100).toFixed(1)}%` })) },
    {
      title: 'Bare TF.js loop vs harness',
      unit: 'samples per CPU-second, median of the rounds',
      bars: overhead.flatMap((o) => [
        { label: `${o.model.split(' ')[0]} / ${o.backend} bare`, value: o.bare.cpu, colour: '#999' },
        { label: `${o.model.split(' ')[0]} / ${o.backend} harness`, value: o.harness.cpu, note: `${formatNumber(o.harness.cpu)} (overhead ${(o.overheadCpu * 100).toFixed(1)}%)`, colour: '#f58518' },
      ]),
    },
  ];
  writeFileSync(`${out}.svg`, renderPanels(`bench:trainer${quick ? ' (quick)' : ''}`, `${machine.cpu}, ${machine.cores} cores shared, load ${machine.loadAverage.map((x) => x.toFixed(1)).join('/')}; ${generatedAt}`, panels));
  for (const n of notes) console.log(`note: ${n}`);
  console.log(`\nwrote ${out}.json and ${out}.svg`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
