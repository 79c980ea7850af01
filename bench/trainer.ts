// bench:trainer — training throughput per backend and model, the harness's overhead against a
// bare TF.js loop on the same model and data, and achieved GFLOP/s against this machine's peak.
//
//   npm run bench:trainer [-- --steps 120] [--quick]
//
// "Harness" is the real Trainer executing a lesson.start command (on-the-fly sampling from the
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
import { selectBackend } from '../trainer/backend.ts';
import { buildModel, perExampleLoss } from '../trainer/models.ts';
import { buildOptimizer } from '../trainer/optimizer.ts';
import { BatchSampler, type Batch } from '../trainer/sampler.ts';
import { installWasmBatchMatMulPatch, uninstallWasmBatchMatMulPatch } from '../trainer/wasm-matmul-patch.ts';
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

async function harnessRate(run: RunConfig, n: number): Promise<Rate> {
  const h = harness();
  await h.trainer.handle(lessonCommand('bench', run, { lessonId: 'warm', steps: 10, metricsEvery: 10, taskWeights: weightsOf(run) }));
  const t0 = performance.now();
  const c0 = cpuSeconds();
  await h.trainer.handle(lessonCommand('bench', run, { lessonId: 'timed', startStep: 10, steps: n, metricsEvery: Math.max(1, Math.floor(n / 5)), fromCheckpointId: 'warm.step-10', taskWeights: weightsOf(run) }));
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

/** Peak of the path the wasm backend runs: one thread of 128-bit SIMD, no FMA in wasm SIMD. */
function peak(): { mhz: number; flopsPerCycle: number; perCoreGflops: number; allCoresGflops: number; derivation: string } {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const mhz = Number(/cpu MHz\s*:\s*([\d.]+)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.speed ?? NaN);
  // f32x4: 4 lanes; Zen-class cores issue two FP multiplies and two FP adds per cycle, and wasm
  // SIMD has no fused multiply-add, so a mul+add pair per lane per pipe pair: 2 x 2 x 4 = 16.
  const flopsPerCycle = 16;
  const perCoreGflops = (mhz * 1e6 * flopsPerCycle) / 1e9;
  return {
    mhz,
    flopsPerCycle,
    perCoreGflops,
    allCoresGflops: perCoreGflops * os.cpus().length,
    derivation: `${mhz.toFixed(0)} MHz (/proc/cpuinfo) x 16 FP32 FLOPs/cycle (128-bit wasm SIMD = 4 lanes; 2 mul + 2 add pipes; no FMA in wasm SIMD) = ${perCoreGflops.toFixed(1)} GFLOP/s per core; the tfjs wasm backend runs single-threaded on Node, so one core is its peak (${os.cpus().length} cores: ${(perCoreGflops * os.cpus().length).toFixed(1)}). For scale, native AVX2 FMA would be 32 FLOPs/cycle.`,
  };
}

async function main(): Promise<void> {
  const cpus = os.cpus();
  const machine = { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, loadAverage: os.loadavg(), node: process.version };
  console.log(`bench:trainer  ${machine.cpu} x${machine.cores}, load ${machine.loadAverage.map((x) => x.toFixed(1)).join('/')}, ${steps} steps per measurement`);

  // 1. samples/s per backend and model (the harness, end to end).
  const configurations: Array<{ name: string; setup: () => Promise<void>; steps: number }> = [
    { name: 'wasm (patched BatchMatMul)', setup: async () => void (await selectBackend('wasm', logger), installWasmBatchMatMulPatch()), steps },
    { name: 'wasm (stock kernels)', setup: async () => void (await selectBackend('wasm', logger), uninstallWasmBatchMatMulPatch()), steps },
    { name: 'cpu (pure JS)', setup: async () => void (await selectBackend('cpu', logger)), steps: Math.max(10, Math.round(steps / 6)) },
  ];
  const table: Array<{ backend: string; model: string; samplesPerSecond: number; samplesPerCpuSecond: number; steps: number }> = [];
  console.log('\n1. harness samples/s per backend and model (wall clock; per CPU-second in brackets)');
  for (const c of configurations) {
    await c.setup();
    for (const [model, run] of Object.entries(models)) {
      const r = await harnessRate(run, c.steps);
      table.push({ backend: c.name, model, samplesPerSecond: r.wall, samplesPerCpuSecond: r.cpu, steps: c.steps });
      console.log(`  ${model.padEnd(36)} ${c.name.padEnd(28)} ${r.wall.toFixed(0).padStart(7)} samples/s (${r.cpu.toFixed(0)} per CPU-s)  (${c.steps} steps, batch ${run.batchSize}, backend ${tf.getBackend()})`);
    }
  }

  // 2. overhead against a bare loop, and 3. GFLOP/s, on the default backend. The overhead is
  // computed per CPU-second (this process's user + system time), which other processes' load
  // does not dilute; wall-clock figures are reported beside it.
  await selectBackend('wasm', logger);
  installWasmBatchMatMulPatch();
  const p = peak();
  const rounds = quick ? 3 : 11;
  console.log(`\n2./3. harness vs bare TF.js loop (wasm, patched), ${rounds} alternating rounds, medians; peak: ${p.derivation}`);
  const overhead: Array<{ model: string; bare: Rate; harness: Rate; overheadCpu: number; overheadWall: number; roundOverheadsCpu: number[]; flopsPerSample: number; bareGflopsCpu: number; harnessGflopsCpu: number; harnessGflopsWall: number; ofPeak: number }> = [];
  for (const [model, run] of Object.entries(models)) {
    const bare: Rate[] = [];
    const harn: Rate[] = [];
    let flopsPerSample = NaN;
    for (let round = 0; round < rounds; round++) {
      const b = bareRate(run, steps);
      flopsPerSample = trainingFlopsPerSample(b.model, buildTaskSet(run).encoding.timesteps);
      b.model.dispose();
      bare.push(b.rate);
      const h = await harnessRate(run, steps);
      harn.push(h);
      console.log(`  ${model.padEnd(36)} round ${round + 1}: bare ${b.rate.wall.toFixed(0)} samples/s (${b.rate.cpu.toFixed(0)}/CPU-s), harness ${h.wall.toFixed(0)} samples/s (${h.cpu.toFixed(0)}/CPU-s)`);
    }
    const b: Rate = { wall: median(bare.map((r) => r.wall)), cpu: median(bare.map((r) => r.cpu)) };
    const h: Rate = { wall: median(harn.map((r) => r.wall)), cpu: median(harn.map((r) => r.cpu)) };
    const row = {
      model,
      bare: b,
      harness: h,
      overheadCpu: 1 - h.cpu / b.cpu,
      overheadWall: 1 - h.wall / b.wall,
      // Each round's own ratio, to show the spread the medians smooth over.
      roundOverheadsCpu: bare.map((r, i) => 1 - (harn[i] as Rate).cpu / r.cpu),
      flopsPerSample,
      bareGflopsCpu: (b.cpu * flopsPerSample) / 1e9,
      harnessGflopsCpu: (h.cpu * flopsPerSample) / 1e9,
      harnessGflopsWall: (h.wall * flopsPerSample) / 1e9,
      ofPeak: (h.cpu * flopsPerSample) / 1e9 / p.perCoreGflops,
    };
    overhead.push(row);
    console.log(
      `  ${model.padEnd(36)} overhead per CPU-s ${(row.overheadCpu * 100).toFixed(1)}% (target <= 10%: ${row.overheadCpu <= 0.1 ? 'MET' : 'NOT MET'}; wall clock ${(row.overheadWall * 100).toFixed(1)}%; single rounds ${(Math.min(...row.roundOverheadsCpu) * 100).toFixed(0)}% to ${(Math.max(...row.roundOverheadsCpu) * 100).toFixed(0)}%);  ${formatNumber(flopsPerSample)} FLOPs/sample -> bare ${row.bareGflopsCpu.toFixed(2)}, harness ${row.harnessGflopsCpu.toFixed(2)} GFLOP/CPU-s = ${(row.ofPeak * 100).toFixed(1)}% of one core's ${p.perCoreGflops.toFixed(1)} GFLOP/s (wall clock ${row.harnessGflopsWall.toFixed(2)})`,
    );
  }

  const generatedAt = new Date().toISOString();
  mkdirSync(join(here, 'results'), { recursive: true });
  const suffix = quick ? '-quick' : '';
  writeFileSync(join(here, 'results', `trainer${suffix}.json`), `${JSON.stringify({ generatedAt, command: `npm run bench:trainer${quick ? ' -- --quick' : ''}`, machine, steps, table, overhead, peak: p }, null, 2)}\n`);
  const panels: Panel[] = [
    { title: 'Harness throughput per backend and model', unit: 'samples/s, log scale', log: true, bars: table.map((r) => ({ label: `${r.model.split(', ')[0]} / ${r.backend.split(' (')[0]}${r.backend.includes('stock') ? ' stock' : r.backend.includes('patched') ? ' patched' : ''}`, value: r.samplesPerSecond })) },
    {
      title: 'Bare TF.js loop vs harness (wasm, patched)',
      unit: 'samples per CPU-second, median of the rounds',
      bars: overhead.flatMap((o) => [
        { label: `${o.model.split(', ')[0]} bare`, value: o.bare.cpu, colour: '#999' },
        { label: `${o.model.split(', ')[0]} harness`, value: o.harness.cpu, note: `${formatNumber(o.harness.cpu)} (overhead ${(o.overheadCpu * 100).toFixed(1)}%)`, colour: '#f58518' },
      ]),
    },
    { title: 'Achieved GFLOP per CPU-second (harness) vs one core wasm-SIMD peak', unit: `GFLOP/s; peak ${p.perCoreGflops.toFixed(1)}`, bars: overhead.map((o) => ({ label: o.model.split(', ')[0] ?? o.model, value: o.harnessGflopsCpu, note: `${o.harnessGflopsCpu.toFixed(2)} = ${(o.ofPeak * 100).toFixed(1)}% of peak` })), reference: { value: p.perCoreGflops, label: 'peak (1 core)' } },
  ];
  writeFileSync(join(here, 'results', `trainer${suffix}.svg`), renderPanels(`bench:trainer${quick ? ' (quick)' : ''}`, `${machine.cpu}, ${machine.cores} cores shared, load ${machine.loadAverage.map((x) => x.toFixed(1)).join('/')}; ${generatedAt}`, panels));
  console.log(`\nwrote bench/results/trainer${suffix}.json and trainer${suffix}.svg`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
