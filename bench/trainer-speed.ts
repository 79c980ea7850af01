// Trainer throughput (samples/s, median of 5 metrics windows) per backend and model, measured
// in one run, printed with ratios. Usage: npx tsx bench/trainer-speed.ts [steps]   (cpu runs a quarter of the steps)
import * as tf from '@tensorflow/tfjs';
import pino from 'pino';
import type { RunConfig } from '../schemas/events.ts';
import { selectBackend } from '../trainer/backend.ts';
import { installWasmBatchMatMulPatch, uninstallWasmBatchMatMulPatch } from '../trainer/wasm-matmul-patch.ts';
import { additionTask, digitsTask, harness, lessonCommand, runConfig } from '../test/trainer/fixtures.ts';

const steps = Number(process.argv[2] ?? 80);
const logger = pino({ level: 'warn' });

const models: Record<string, RunConfig> = {
  'mlp [100,100] on permuted digits': runConfig({
    model: { kind: 'mlp', hidden: [100, 100], activation: 'relu' },
    batchSize: 64,
    tasks: [digitsTask('perm-0', 0), digitsTask('perm-1', 1)],
  }),
  'seq2seq gru-64 on 1-3 digit addition': runConfig({
    model: { kind: 'seq2seq', cell: 'gru', units: 64 },
    batchSize: 64,
    tasks: [additionTask('add-1', 1), additionTask('add-2', 2), additionTask('add-3', 3)],
  }),
};

async function samplesPerSecond(run: RunConfig, n: number): Promise<number> {
  const h = harness();
  const weights = Object.fromEntries(run.tasks.map((t) => [t.id, 1 / run.tasks.length]));
  // Warm-up lesson (JIT, lazily created optimizer slots), then one measured metrics window.
  await h.trainer.handle(lessonCommand('bench', run, { lessonId: 'warm', steps: 10, metricsEvery: 10, taskWeights: weights }));
  const windows = 5;
  const before = h.of('trainer.metrics').length;
  await h.trainer.handle(
    lessonCommand('bench', run, { lessonId: 'timed', startStep: 10, steps: n, metricsEvery: Math.max(1, Math.floor(n / windows)), fromCheckpointId: 'warm.step-10', taskWeights: weights }),
  );
  const errors = h.of('service.error');
  if (errors.length > 0) throw new Error(errors.map((e) => e.payload.message).join('; '));
  h.trainer.dispose();
  // The median window: the machine is shared, and one slow window should not decide the ratio.
  const rates = h.of('trainer.metrics').slice(before).map((e) => e.payload.samplesPerSecond).sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)] ?? NaN;
}

const configurations: Array<{ name: string; setup: () => Promise<void>; steps: number }> = [
  { name: 'wasm (patched BatchMatMul)', setup: async () => void (await selectBackend('wasm', logger), installWasmBatchMatMulPatch()), steps },
  { name: 'wasm (stock kernels)', setup: async () => void (await selectBackend('wasm', logger), uninstallWasmBatchMatMulPatch()), steps },
  { name: 'cpu (pure JS)', setup: async () => void (await selectBackend('cpu', logger)), steps: Math.max(10, Math.round(steps / 4)) },
];

const table: Record<string, Record<string, number>> = {};
for (const c of configurations) {
  await c.setup();
  for (const [model, run] of Object.entries(models)) {
    const sps = await samplesPerSecond(run, c.steps);
    (table[model] ??= {})[c.name] = sps;
    console.log(`${model.padEnd(40)} ${c.name.padEnd(28)} ${sps.toFixed(0).padStart(7)} samples/s  (${c.steps} steps, batch ${run.batchSize}, backend ${tf.getBackend()})`);
  }
}
installWasmBatchMatMulPatch();
console.log('\nratios (higher is faster):');
for (const [model, row] of Object.entries(table)) {
  const patched = row['wasm (patched BatchMatMul)'] ?? NaN;
  const stock = row['wasm (stock kernels)'] ?? NaN;
  const cpu = row['cpu (pure JS)'] ?? NaN;
  console.log(`${model.padEnd(40)} patched/stock wasm ${(patched / stock).toFixed(2)}x   patched wasm/cpu ${(patched / cpu).toFixed(2)}x`);
}
