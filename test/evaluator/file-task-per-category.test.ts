import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { selectBackend } from '../../trainer/backend.ts';
import { evaluateCommand, harness, lessonCommand, runConfig, silent, testBackend } from '../trainer/fixtures.ts';

before(async () => {
  await selectBackend(testBackend(), silent);
});

test('a JSONL task trains and is evaluated per row category (examples/data/quadrants.jsonl)', async () => {
  const h = harness();
  const run = runConfig({
    model: { kind: 'mlp', hidden: [32, 32], activation: 'relu' },
    batchSize: 32,
    samplesPerTask: 1000,
    baseDir: join(import.meta.dirname, '../../examples'),
    tasks: [{ id: 'quadrants', skill: 'geometry', difficulty: 1, generator: { kind: 'jsonl', path: 'data/quadrants.jsonl', heldoutFraction: 0.2 } }],
  });
  await h.trainer.handle(lessonCommand('file', run, { lessonId: 'l', steps: 150, taskWeights: { quadrants: 1 } }));
  await h.evaluator.handle(evaluateCommand('file', run, { checkpointId: 'l.step-150', suites: ['heldout', 'adversarial'] }));
  assert.equal(h.of('service.error').length, 0);
  const [heldout, adversarial] = h.of('evaluation.results').map((e) => e.payload);
  // 400 rows, a fifth held out; samplesPerTask above that evaluates each held-out row once.
  assert.equal(heldout!.tasks['quadrants']!.n, 80);
  assert.deepEqual(Object.keys(heldout!.categories), ['inner', 'outer']);
  assert.equal(heldout!.categories['inner']!.n + heldout!.categories['outer']!.n, 80);
  assert.ok(heldout!.tasks['quadrants']!.accuracy > 0.85, `accuracy ${heldout!.tasks['quadrants']!.accuracy}`);
  assert.equal(adversarial!.tasks['quadrants']!.n, 80);
  h.trainer.dispose();
  h.evaluator.dispose();
});
