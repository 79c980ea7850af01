import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeEvent } from '../../schemas/envelope.ts';
import { selectBackend } from '../../trainer/backend.ts';
import { checkpointDir, loadCheckpointModel } from '../../trainer/checkpoint-store.ts';
import { additionTask, harness, lessonCommand, runConfig, silent, testBackend } from './fixtures.ts';

before(async () => {
  await selectBackend(testBackend(), silent);
});

const bytes = (weights: Float32Array[]) => Buffer.concat(weights.map((w) => Buffer.from(w.buffer, w.byteOffset, w.byteLength)));

// Determinism on the backend named in the test title: the runner runs this file on wasm and again
// on tensorflow (CURRICULUM_TEST_BACKEND), and it holds on both.
test(`a checkpoint reloads bit-identical; a revert restores its weights exactly after more training (${testBackend()})`, async () => {
  const h = harness();
  const run = runConfig({ model: { kind: 'seq2seq', cell: 'gru', units: 16 }, batchSize: 16, tasks: [additionTask('add-1', 1), additionTask('add-2', 2)] });
  await h.trainer.handle(lessonCommand('run-a', run, { lessonId: 'l1', steps: 12, metricsEvery: 5, checkpointEvery: 5, taskWeights: { 'add-1': 0.5, 'add-2': 0.5 } }));
  const saved = h.of('checkpoint.saved');
  // Mid-lesson checkpoints at steps 5 and 10, the lesson-end one at 12, chained by parent.
  assert.deepEqual(saved.map((e) => [e.payload.checkpointId, e.payload.step, e.payload.lessonComplete, e.payload.parentCheckpointId]), [
    ['l1.step-5', 5, false, null],
    ['l1.step-10', 10, false, 'l1.step-5'],
    ['l1.step-12', 12, true, 'l1.step-10'],
  ]);
  assert.deepEqual(h.of('trainer.metrics').map((e) => e.payload.step), [5, 10, 12]);
  const m = h.of('trainer.metrics')[0]!.payload;
  assert.equal(m.backend, testBackend());
  assert.equal((m.tasks['add-1']?.samples ?? 0) + (m.tasks['add-2']?.samples ?? 0), 5 * 16);
  assert.equal(h.of('command.ack').at(-1)!.payload.outcome, 'executed');

  const dir = checkpointDir(h.root, 'run-a', 'l1.step-12');
  assert.equal(saved[2]!.payload.location, dir);
  for (const f of ['model.json', 'weights.bin', 'optimizer.json', 'sampler.json']) assert.ok(existsSync(join(dir, f)), f);
  const sampler = JSON.parse(readFileSync(join(dir, 'sampler.json'), 'utf8')) as { lessonStep: number; random: number[] };
  assert.equal(sampler.lessonStep, 12);
  assert.equal(sampler.random.length, 4);
  const optimizer = JSON.parse(readFileSync(join(dir, 'optimizer.json'), 'utf8')) as { kind: string; weights: unknown[] };
  assert.equal(optimizer.kind, 'adam');
  // iterations + first and second moments of each of the 4 trainable weights (GRU kernel, recurrent, bias; dense kernel, bias = 5).
  assert.equal(optimizer.weights.length, 1 + 2 * 5);

  const atSave = h.trainer.weightsOf('run-a')!;
  const { model } = await loadCheckpointModel(dir);
  assert.ok(bytes(model.getWeights().map((w) => w.dataSync() as Float32Array)).equals(bytes(atSave)), 'reload is bit-identical');
  model.dispose();

  // Train on from the checkpoint (the in-memory fast path), then revert to it.
  await h.trainer.handle(lessonCommand('run-a', run, { lessonId: 'l2', startStep: 12, steps: 10, fromCheckpointId: 'l1.step-12' }));
  assert.equal(h.trainer.checkpointInMemory('run-a'), 'l2.step-22');
  assert.ok(!bytes(h.trainer.weightsOf('run-a')!).equals(bytes(atSave)), 'training changed the weights');
  await h.trainer.handle(
    makeEvent('checkpoint.revert', { eventId: 'rv', runId: 'run-a', producer: 'test', sequence: 0, producedAt: new Date().toISOString() }, {
      commandId: 'revert-1',
      checkpointId: 'l1.step-12',
      branch: 1,
      step: 12,
      reason: 'test',
    }),
  );
  assert.deepEqual(h.of('command.ack').at(-1)!.payload, { commandId: 'revert-1', service: 'trainer', outcome: 'executed' });
  assert.ok(bytes(h.trainer.weightsOf('run-a')!).equals(bytes(atSave)), 'revert is bit-identical');
  assert.equal(h.trainer.checkpointInMemory('run-a'), 'l1.step-12');
  assert.equal(h.of('service.error').length, 0);
  h.trainer.dispose();
});

test(`fine-tuning from a checkpoint another trainer wrote loads it from disk, and a fresh model depends only on the seed (${testBackend()})`, async () => {
  const first = harness();
  const run = runConfig({ model: { kind: 'mlp', hidden: [32], activation: 'relu' }, batchSize: 16, tasks: [additionTask('add-1', 1)] });
  await first.trainer.handle(lessonCommand('run-b', run, { lessonId: 'a', steps: 5 }));
  const second = harness(first.root);
  await second.trainer.handle(lessonCommand('run-b', run, { lessonId: 'b', startStep: 5, steps: 5, fromCheckpointId: 'a.step-5' }));
  assert.equal(second.of('service.error').length, 0);
  assert.equal(second.of('checkpoint.saved')[0]!.payload.parentCheckpointId, 'a.step-5');
  // Same seed, same sampler seed, same steps: the same weights, bit for bit.
  const third = harness();
  await third.trainer.handle(lessonCommand('run-b', run, { lessonId: 'a', steps: 5 }));
  const fourth = harness();
  await fourth.trainer.handle(lessonCommand('run-b', run, { lessonId: 'a', steps: 5 }));
  assert.ok(bytes(third.trainer.weightsOf('run-b')!).equals(bytes(fourth.trainer.weightsOf('run-b')!)));
  for (const h of [first, second, third, fourth]) h.trainer.dispose();
});
