// Trainer and evaluator call buildTaskSet for every command; building a permuted-digits set
// shuffles pools and (first time) reads the image store, so equal configs must share one set,
// and any difference in seed, tasks or baseDir must give its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTaskSet } from '../../tasks/registry.ts';
import { additionTask, digitsTask, runConfig } from '../trainer/fixtures.ts';

test('buildTaskSet returns one set per (seed, baseDir, tasks) and a new one when any differs', () => {
  const run = runConfig({ tasks: [digitsTask('p0', 0, 100), digitsTask('p1', 1, 100)] });
  const set = buildTaskSet(run);
  assert.equal(buildTaskSet({ ...run, tasks: run.tasks.map((t) => ({ ...t })) }), set);
  assert.notEqual(buildTaskSet({ ...run, seed: run.seed + 1 }), set);
  assert.notEqual(buildTaskSet({ ...run, tasks: [digitsTask('p0', 0, 100), digitsTask('p1', 2, 100)] }), set);
  assert.notEqual(buildTaskSet({ ...run, baseDir: '/elsewhere' }), set);
  const addition = runConfig({ tasks: [additionTask('a1', 1)] });
  assert.notEqual(buildTaskSet(addition), buildTaskSet(run));
  assert.equal(buildTaskSet(addition), buildTaskSet({ ...addition }));
});
