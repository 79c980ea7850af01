import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../trainer/backend.ts';
import { describeInputs, exportRunModels } from '../../trainer/export-model.ts';
import { loadLayersModelFile } from '../../trainer/layers-io.ts';
import { buildTaskSet, runTaskSetConfig } from '../../tasks/registry.ts';
import { runTokenizerDir } from '../../tasks/run-tokenizer.ts';
import { readTokenizerFile, TOKENIZER_FILE } from '../../tasks/tokenizer.ts';
import type { JsonlTask } from '../../tasks/jsonl.ts';
import { evaluateCommand, harness, lessonCommand, runConfig, silent } from './fixtures.ts';

before(async () => {
  await selectBackend('wasm', silent);
});

const SPAM = ['free', 'prize', 'offer', 'winner', 'cash', 'click', 'cheap', 'deal'];
const HAM = ['meeting', 'agenda', 'report', 'lunch', 'project', 'notes', 'review', 'team'];

test('an exported text model carries the run tokenizer, and with it scores the held-out rows as the evaluator did', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'text-export-'));
  const rows = Array.from({ length: 160 }, (_, i) => {
    const words = i % 2 ? SPAM : HAM;
    const text = Array.from({ length: 3 + (i % 5) }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' ');
    return { input: `${text} id${i}`, label: i % 2 ? 'spam' : 'ham', category: i % 4 < 2 ? 'short' : 'long' };
  });
  writeFileSync(join(dir, 'mail.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
  const run = runConfig({
    model: { kind: 'text-classifier', embeddingDim: 8, encoder: 'gru', units: 8 },
    tokenizer: { kind: 'word', maxLength: 10, vocabularySize: 100, minCount: 1, lowercase: true, unknownBuckets: 2 },
    tasks: [{ id: 'mail', skill: 'text', difficulty: 1, generator: { kind: 'jsonl', path: 'mail.jsonl', heldoutFraction: 0.25 } }],
    baseDir: dir,
    batchSize: 16,
    samplesPerTask: 1000,
  });
  const h = harness();
  await h.trainer.handle(lessonCommand('mail', run, { lessonId: 'l', steps: 40, taskWeights: { mail: 1 }, learningRate: { kind: 'constant', value: 0.02, warmupSteps: 0 } }));
  await h.evaluator.handle(evaluateCommand('mail', run, { checkpointId: 'l.step-40' }));
  assert.deepEqual(h.of('service.error').map((e) => e.payload.message), []);
  const reported = h.of('evaluation.results')[0]!.payload.tasks['mail']!;

  const taskSet = buildTaskSet(runTaskSetConfig(run, h.root, 'mail'));
  const runDir = mkdtempSync(join(tmpdir(), 'text-export-run-'));
  const written = exportRunModels({
    runDir,
    checkpointRoot: h.root,
    runId: 'mail',
    checkpoints: { final: 'l.step-40' },
    inputs: describeInputs({ tasks: run.tasks, tokenizer: run.tokenizer }, dir, taskSet.encoding),
    ...(taskSet.tokenizer ? { tokenizer: taskSet.tokenizer } : {}),
  });
  const exported = written.final!;
  assert.equal(
    readFileSync(join(exported, TOKENIZER_FILE), 'utf8'),
    readFileSync(join(runTokenizerDir(h.root, 'mail'), TOKENIZER_FILE), 'utf8'),
    'the exported tokenizer is the one the run trained with',
  );
  const inputs = JSON.parse(readFileSync(join(exported, 'input.json'), 'utf8')) as { encoding: { vocabularySize?: number }; datasets: Record<string, { classes: string[] }> };
  assert.deepEqual(inputs.datasets['mail']!.classes, ['ham', 'spam']);

  // What a user does elsewhere: load the model and the tokenizer, encode, predict.
  const tokenizer = readTokenizerFile(join(exported, TOKENIZER_FILE));
  assert.equal(inputs.encoding.vocabularySize, tokenizer.size);
  const model = await loadLayersModelFile(exported);
  const heldout = (taskSet.tasks.get('mail') as JsonlTask).heldoutRows;
  const x = tf.tensor3d(Float32Array.from(heldout.flatMap((r) => [...tokenizer.encode(r.input as string)])), [heldout.length, tokenizer.settings.maxLength, 1]);
  const predicted = tf.tidy(() => tf.argMax(model.predict(x) as tf.Tensor, -1).dataSync());
  const correct = heldout.filter((r, i) => inputs.datasets['mail']!.classes[predicted[i]!] === r.label).length;
  assert.equal(heldout.length, reported.n);
  assert.equal(correct / heldout.length, reported.accuracy, 'the exported model and tokenizer score what the run reported');
  assert.ok(reported.accuracy > 0.6, `held-out accuracy ${reported.accuracy}`);
  tf.dispose([x]);
  model.dispose();
  h.trainer.dispose();
  h.evaluator.dispose();
});
