import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend } from '../../trainer/backend.ts';
import { evaluateCommand, harness, lessonCommand, runConfig, silent, testBackend } from '../trainer/fixtures.ts';
import { runTokenizerDir } from '../../tasks/run-tokenizer.ts';
import { readTokenizerFile, TOKENIZER_FILE } from '../../tasks/tokenizer.ts';
import { buildTaskSet } from '../../tasks/registry.ts';
import type { RunConfig } from '../../schemas/events.ts';

before(async () => {
  await selectBackend(testBackend(), silent);
});

const run: RunConfig = runConfig({
  seed: 21,
  model: { kind: 'text-classifier', embeddingDim: 16, encoder: 'mean-pool', units: 16 },
  tokenizer: { kind: 'word', maxLength: 48, vocabularySize: 1500, minCount: 2, lowercase: true, unknownBuckets: 4 },
  batchSize: 32,
  samplesPerTask: 300,
  tasks: [
    {
      id: 'mail',
      skill: 'spam',
      difficulty: 1,
      generator: { kind: 'spam-assassin', groups: ['easy-ham-2', 'spam-1'], part: 'subject-and-body', heldoutFraction: 0.2 },
      noise: { inputNoise: 0, labelNoise: 0, balanceClasses: true },
    },
  ],
});

test(`mail from the installed SpamAssassin corpus trains a text classifier, evaluated per corpus subset, with the tokenizer stored beside the checkpoints (${testBackend()})`, async () => {
  const h = harness();
  await h.trainer.handle(lessonCommand('mail', run, { lessonId: 'l', steps: 60, taskWeights: { mail: 1 }, learningRate: { kind: 'constant', value: 0.01, warmupSteps: 0 } }));
  await h.evaluator.handle(evaluateCommand('mail', run, { checkpointId: 'l.step-60', suites: ['heldout', 'holdout-domain', 'adversarial'] }));
  assert.deepEqual(h.of('service.error').map((e) => e.payload.message), []);
  const [heldout, domain, adversarial] = h.of('evaluation.results').map((e) => e.payload);
  // 1400 + 500 mails, a fifth held out.
  assert.equal(heldout!.tasks['mail']!.n, 300);
  assert.deepEqual(Object.keys(heldout!.categories).sort(), ['easy-ham-2', 'spam-1']);
  assert.ok(heldout!.tasks['mail']!.accuracy > 0.85, `held-out accuracy ${heldout!.tasks['mail']!.accuracy}`);
  assert.ok(domain!.tasks['mail']!.n === 300 && adversarial!.tasks['mail']!.n === 300);

  const stored = join(runTokenizerDir(h.root, 'mail'), TOKENIZER_FILE);
  assert.ok(existsSync(stored), 'tokenizer.json is written with the run');
  const tokenizer = readTokenizerFile(stored);
  assert.equal(buildTaskSet({ ...run, tokenizerDir: runTokenizerDir(h.root, 'mail') }).encoding.vocabularySize, tokenizer.size);
  assert.equal(JSON.parse(readFileSync(join(h.root, 'mail', 'l.step-60', 'model.json'), 'utf8')).curriculum.encoding.vocabularySize, tokenizer.size);

  // The same seed and commands in a fresh trainer give the same weights, bit for bit.
  const again = harness();
  await again.trainer.handle(lessonCommand('mail', run, { lessonId: 'l', steps: 60, taskWeights: { mail: 1 }, learningRate: { kind: 'constant', value: 0.01, warmupSteps: 0 } }));
  const a = h.trainer.weightsOf('mail')!;
  const b = again.trainer.weightsOf('mail')!;
  assert.equal(a.length, b.length);
  a.forEach((w, i) => assert.deepEqual(b[i], w, `weight ${i}`));
  for (const x of [h, again]) {
    x.trainer.dispose();
    x.evaluator.dispose();
  }
});
