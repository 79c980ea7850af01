// What only the trainer can find out (the files changed after validate, tfjs refusing the
// weights) becomes a service.error naming the file and the cause; the run's checkpoints stay.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend } from '../../trainer/backend.ts';
import { buildModel } from '../../trainer/models.ts';
import { fileModelWriter } from '../../trainer/layers-io.ts';
import { buildTaskSet } from '../../tasks/registry.ts';
import { checkpointDir } from '../../trainer/checkpoint-store.ts';
import { additionTask, harness, lessonCommand, runConfig, silent, tempRoot, testBackend } from './fixtures.ts';

before(async () => {
  await selectBackend(testBackend(), silent);
});

const tasks = [additionTask('add-1', 1)];

test('a missing, truncated or mismatched pretrained model is a service.error naming it; earlier checkpoints are kept', async () => {
  const data = tempRoot();
  const encoding = buildTaskSet({ seed: 1, tasks, baseDir: data }).encoding;
  const mlp = buildModel({ kind: 'mlp', hidden: [6], activation: 'relu' }, encoding, 3);
  await mlp.save(fileModelWriter(join(data, 'base')));
  const run = runConfig({ model: { kind: 'pretrained', path: 'base', head: 'auto', bodyLearningRateFactor: 1 }, tasks, batchSize: 8, baseDir: data });
  const h = harness();
  await h.trainer.handle(lessonCommand('ft', run, { lessonId: 'good', steps: 3 }));
  assert.equal(h.of('service.error').length, 0);
  const kept = checkpointDir(h.root, 'ft', 'good.step-3');
  const before = Object.fromEntries(readdirSync(kept).map((f) => [f, readFileSync(join(kept, f))]));

  const modelJson = join(data, 'base', 'model.json');
  const original = readFileSync(modelJson, 'utf8');
  const weights = join(data, 'base', 'weights.bin');
  const size = readFileSync(weights).length;
  const attempt = async (lessonId: string) => {
    await h.trainer.handle(lessonCommand(`ft-${lessonId}`, run, { lessonId, steps: 2 }));
    const error = h.of('service.error').at(-1);
    assert.ok(error && error.payload.commandId === `${lessonId}:cmd`, `${lessonId}: a service.error`);
    assert.equal(error.payload.code, 'CUR_MODEL_FILE');
    return error.payload.message;
  };

  // Shapes swapped in the manifest: the same bytes, but not the topology's kernel.
  const json = JSON.parse(original) as { weightsManifest: Array<{ weights: Array<{ shape: number[] }> }> };
  const kernel = json.weightsManifest[0]!.weights[0]!;
  kernel.shape = [...kernel.shape].reverse();
  writeFileSync(modelJson, JSON.stringify(json));
  assert.match(await attempt('swapped'), new RegExp(`${modelJson}: TF.js cannot build the model: .*`));
  writeFileSync(modelJson, original);

  truncateSync(weights, size - 4);
  assert.equal(await attempt('truncated'), `${modelJson}: the weight shards hold ${size - 4} bytes, the manifest's weights need ${size}`);

  rmSync(join(data, 'base'), { recursive: true });
  assert.equal(await attempt('missing'), `${join(data, 'base')}: no such model file`);

  const wrongInput = buildModel({ kind: 'mlp', hidden: [6], activation: 'relu' }, { ...encoding, timesteps: encoding.timesteps + 1 }, 3);
  await wrongInput.save(fileModelWriter(join(data, 'base')));
  assert.match(await attempt('shape'), /^model\.path: .*model\.json: the model reads inputs shaped \[batch, \d+, \d+\], the tasks encode \[batch, \d+, \d+\]$/);

  const after = Object.fromEntries(readdirSync(kept).map((f) => [f, readFileSync(join(kept, f))]));
  assert.deepEqual(Object.keys(after), Object.keys(before));
  for (const [f, bytes] of Object.entries(before)) assert.ok(bytes.equals(after[f]!), `${f} unchanged`);
  // The trainer serves on: the good run continues from its checkpoint.
  await h.trainer.handle(lessonCommand('ft', run, { lessonId: 'next', startStep: 3, steps: 2, fromCheckpointId: 'good.step-3' }));
  assert.equal(h.of('command.ack').at(-1)?.payload.commandId, 'next:cmd');
});
