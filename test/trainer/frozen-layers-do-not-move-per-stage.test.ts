import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { selectBackend } from '../../trainer/backend.ts';
import { buildModel } from '../../trainer/models.ts';
import { fileModelWriter } from '../../trainer/layers-io.ts';
import { buildTaskSet } from '../../tasks/registry.ts';
import type { PretrainedModel } from '../../schemas/spec.ts';
import type { RunConfig } from '../../schemas/events.ts';
import { additionTask, harness, lessonCommand, runConfig, silent, tempRoot, testBackend } from './fixtures.ts';

before(async () => {
  await selectBackend(testBackend(), silent);
});

const tasks = [additionTask('add-1', 1)];

/** A saved MLP (dense 12, dense 8, output dense) and a run config fine-tuning it. */
async function pretrainedRun(model: Partial<PretrainedModel>, optimizer: RunConfig['optimizer'] = { kind: 'adam', gradientClipNorm: 1 }): Promise<RunConfig> {
  const root = tempRoot();
  const mlp = buildModel({ kind: 'mlp', hidden: [12, 8], activation: 'relu' }, encoding, 3);
  await mlp.save(fileModelWriter(join(root, 'base')));
  mlp.dispose();
  return runConfig({
    model: { kind: 'pretrained', path: 'base', head: 'auto', bodyLearningRateFactor: 1, ...model },
    optimizer,
    tasks,
    batchSize: 16,
    baseDir: root,
  });
}

const encoding = buildTaskSet({ seed: 1, tasks, baseDir: process.cwd() }).encoding;

/**
 * Weights per layer: [dense 12 kernel, bias], [dense 8 ...], [head ...], found by size (each is
 * unique here): getWeights() lists trainable weights first, so freezing reorders it.
 */
function layers(weights: Float32Array[]): Float32Array[][] {
  const bySize = (n: number) => weights.find((w) => w.length === n)!;
  const input = encoding.timesteps * encoding.features;
  const out = encoding.positions * encoding.classes;
  return [
    [bySize(input * 12), bySize(12)],
    [bySize(12 * 8), bySize(8)],
    [bySize(8 * out), bySize(out)],
  ];
}
const bytes = (w: Float32Array) => Buffer.from(w.buffer, w.byteOffset, w.byteLength);
const same = (a: Float32Array[], b: Float32Array[]) => a.every((w, i) => bytes(w).equals(bytes(b[i]!)));

test('gradual unfreezing: stage 1 trains the head alone, stage 2 the top body layer too, stage 3 everything', async () => {
  const run = await pretrainedRun({ unfreeze: { head: 0, top: 1, all: 'all' } });
  const h = harness();
  await h.trainer.handle(lessonCommand('ulm', run, { lessonId: 'l1', stage: 'head', steps: 5 }));
  assert.equal(h.of('service.error').length, 0, JSON.stringify(h.of('service.error')[0]?.payload));
  const at0 = layers(h.trainer.weightsOf('ulm')!);
  // The model as loaded, in a second trainer: one step at a vanishing rate moves only the head's zero biases.
  const fresh = harness();
  await fresh.trainer.handle(lessonCommand('ref', run, { lessonId: 'l0', stage: 'head', steps: 1, learningRate: { kind: 'constant', value: 1e-30, warmupSteps: 0 } }));
  const loaded = layers(fresh.trainer.weightsOf('ref')!);
  assert.ok(same(at0[0]!, loaded[0]!) && same(at0[1]!, loaded[1]!), 'stage head: the body did not move');
  assert.ok(!same(at0[2]!, loaded[2]!), 'stage head: the head moved');

  await h.trainer.handle(lessonCommand('ulm', run, { lessonId: 'l2', stage: 'top', startStep: 5, steps: 5, fromCheckpointId: 'l1.step-5' }));
  const at1 = layers(h.trainer.weightsOf('ulm')!);
  assert.ok(same(at1[0]!, at0[0]!), 'stage top: the lowest layer did not move');
  assert.ok(!same(at1[1]!, at0[1]!) && !same(at1[2]!, at0[2]!), 'stage top: the top body layer and the head moved');

  // A reload from the checkpoint (optimizer slots restored, a fresh model object) and the last stage.
  const other = harness(h.root);
  await other.trainer.handle(lessonCommand('ulm', run, { lessonId: 'l3', stage: 'all', startStep: 10, steps: 5, fromCheckpointId: 'l2.step-10' }));
  assert.equal(other.of('service.error').length, 0, JSON.stringify(other.of('service.error')[0]?.payload));
  const at2 = layers(other.trainer.weightsOf('ulm')!);
  assert.ok(at2.every((l, i) => !same(l, at1[i]!)), 'stage all: every layer moved');
});

test('the body learns at bodyLearningRateFactor times the head rate', async () => {
  // One SGD step without clipping: the update is -lr * gradient, so the body's is exactly scaled.
  const sgd = { kind: 'sgd' as const, gradientClipNorm: 0 };
  const lr = { kind: 'constant' as const, value: 0.1, warmupSteps: 0 };
  const deltas = async (factor: number) => {
    const run = await pretrainedRun({ bodyLearningRateFactor: factor }, sgd);
    const base = harness();
    await base.trainer.handle(lessonCommand('b', run, { lessonId: 'z', steps: 1, learningRate: { ...lr, value: 1e-30 } }));
    const h = harness();
    await h.trainer.handle(lessonCommand('b', run, { lessonId: 'one', steps: 1, learningRate: lr }));
    const before = base.trainer.weightsOf('b')!;
    return h.trainer.weightsOf('b')!.map((w, i) => w.map((v, j) => v - (before[i]![j] ?? 0)));
  };
  const full = await deltas(1);
  const quarter = await deltas(0.25);
  const norm = (ws: Float32Array[]) => Math.sqrt(ws.reduce((a, w) => a + w.reduce((b, v) => b + v * v, 0), 0));
  const body = (ws: Float32Array[]) => layers(ws).slice(0, 2).flat();
  const head = (ws: Float32Array[]) => layers(ws)[2]!;
  assert.ok(norm(body(full)) > 0, 'the body moved');
  assert.ok(Math.abs(norm(body(quarter)) / norm(body(full)) - 0.25) < 1e-3, `body ratio ${norm(body(quarter)) / norm(body(full))}`);
  assert.ok(Math.abs(norm(head(quarter)) / norm(head(full)) - 1) < 1e-3, `head ratio ${norm(head(quarter)) / norm(head(full))}`);
});
