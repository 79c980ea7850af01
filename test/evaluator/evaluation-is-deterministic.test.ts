import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend } from '../../trainer/backend.ts';
import { additionTask, digitsTask, evaluateCommand, harness, lessonCommand, runConfig, silent, testBackend } from '../trainer/fixtures.ts';

before(async () => {
  await selectBackend(testBackend(), silent);
});

const strip = (r: { tasks: unknown; categories: unknown }) => JSON.stringify([r.tasks, r.categories]);

// Determinism on the backend named in the test title: the runner runs this file on wasm and again
// on tensorflow (CURRICULUM_TEST_BACKEND), and it holds on both.
test(`evaluating the same checkpoint twice, by any evaluator instance, gives identical numbers (${testBackend()})`, async () => {
  const h = harness();
  const run = runConfig({
    model: { kind: 'mlp', hidden: [32], activation: 'relu' },
    batchSize: 32,
    samplesPerTask: 100,
    tasks: [digitsTask('perm-0', 0, 500), digitsTask('perm-1', 1, 500)],
  });
  await h.trainer.handle(lessonCommand('eval', run, { lessonId: 'l', steps: 30, taskWeights: { 'perm-0': 0.5, 'perm-1': 0.5 } }));
  const suites = ['heldout', 'holdout-domain', 'adversarial'] as const;
  await h.evaluator.handle(evaluateCommand('eval', run, { checkpointId: 'l.step-30', commandId: 'first', suites: [...suites] }));
  await h.evaluator.handle(evaluateCommand('eval', run, { checkpointId: 'l.step-30', commandId: 'second', suites: [...suites] }));
  const other = harness(h.root);
  await other.evaluator.handle(evaluateCommand('eval', run, { checkpointId: 'l.step-30', commandId: 'third', suites: [...suites] }));
  const results = [...h.of('evaluation.results'), ...other.of('evaluation.results')];
  assert.equal(results.length, 9);
  for (const suite of suites) {
    const bySuite = results.filter((e) => e.payload.suite === suite).map((e) => strip(e.payload));
    assert.equal(new Set(bySuite).size, 1, `${suite} differs between evaluations`);
  }
  const first = results.filter((e) => e.payload.commandId === 'first');
  assert.deepEqual(first.map((e) => e.eventId), ['first:results:heldout', 'first:results:holdout-domain', 'first:results:adversarial']);
  const heldout = first[0]!.payload;
  assert.deepEqual(Object.keys(heldout.tasks), ['perm-0', 'perm-1']);
  assert.equal(heldout.tasks['perm-0']!.n, 100);
  assert.deepEqual(Object.keys(heldout.categories).sort(), [...Array(10).keys()].map((d) => `digit-${d}`));
  assert.equal(Object.values(heldout.categories).reduce((s, m) => s + m.n, 0), 200);
  assert.deepEqual(Object.keys(first[2]!.payload.categories), ['occlusion', 'pixel-noise']);
  // 30 steps of an MLP already beat chance on the trained permutations; the unseen one stays near chance.
  assert.ok(heldout.tasks['perm-0']!.accuracy > 0.5, `perm-0 ${heldout.tasks['perm-0']!.accuracy}`);
  assert.ok(first[1]!.payload.tasks['perm-0']!.accuracy < 0.3, `unseen permutation ${first[1]!.payload.tasks['perm-0']!.accuracy}`);
  for (const m of Object.values(heldout.tasks)) assert.ok(m.ece >= 0 && m.ece <= 1 && m.loss > 0);
  h.trainer.dispose();
  h.evaluator.dispose();
  other.evaluator.dispose();
});

test('addition evaluation uses carry categories and one more digit for the hold-out domain', async () => {
  const h = harness();
  const run = runConfig({ model: { kind: 'mlp', hidden: [32], activation: 'relu' }, batchSize: 32, samplesPerTask: 60, tasks: [additionTask('add-1', 1), additionTask('add-2', 2)] });
  await h.trainer.handle(lessonCommand('eval-add', run, { lessonId: 'l', steps: 3, taskWeights: { 'add-1': 0.5, 'add-2': 0.5 } }));
  await h.evaluator.handle(evaluateCommand('eval-add', run, { checkpointId: 'l.step-3', suites: ['heldout', 'feedback'], tasks: ['add-2'] }));
  const results = h.of('evaluation.results');
  // 'feedback' has no generator: only the held-out suite is published.
  assert.deepEqual(results.map((e) => e.payload.suite), ['heldout']);
  assert.deepEqual(Object.keys(results[0]!.payload.tasks), ['add-2']);
  assert.deepEqual(Object.keys(results[0]!.payload.categories).sort(), ['carry', 'no-carry']);
  assert.equal(h.of('command.ack').at(-1)!.payload.outcome, 'executed');
  h.trainer.dispose();
  h.evaluator.dispose();
});
