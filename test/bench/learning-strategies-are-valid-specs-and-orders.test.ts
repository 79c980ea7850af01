// Every (ladder, strategy) of bench:learning is a spec the real loader accepts, the ordering
// controls train the full controller's stages in another order, and milestone counts stop at the
// evaluated checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpecValue } from '../../schemas/spec-loader.ts';
import { ladder, LADDERS, quickStrategies, STRATEGIES, strategySpec } from '../../bench/learning-specs.ts';
import { SamplesLedger } from '../../report/samples-ledger.ts';

test('every strategy on every ladder, quick and full, is a valid spec', () => {
  for (const name of LADDERS) {
    for (const quick of [true, false]) {
      const l = ladder(name, quick);
      for (const strategy of STRATEGIES) assert.doesNotThrow(() => parseSpecValue(strategySpec(l, strategy, 3), `${name}/${strategy}`), `${name} ${strategy}`);
      for (const s of quickStrategies(name)) assert.ok(STRATEGIES.includes(s));
    }
  }
});

test('anti-curriculum runs the full controller stages hard to easy; random order shuffles them by seed', () => {
  const l = ladder('parity', false);
  const stageTasks = (strategy: (typeof STRATEGIES)[number], seed = 3) => strategySpec(l, strategy, seed).stages.map((s) => s.tasks.join('+'));
  assert.deepEqual(stageTasks('full'), ['parity-10', 'parity-10+parity-30', 'parity-10+parity-30+parity-50']);
  assert.deepEqual(stageTasks('anti-curriculum'), ['parity-50', 'parity-50+parity-30', 'parity-50+parity-30+parity-10']);
  const orders = new Set([1, 2, 3, 4, 5].map((seed) => stageTasks('random-order', seed)[2]));
  assert.ok(orders.size > 1, 'the random order depends on the seed');
  for (const seed of [1, 2, 3, 4, 5]) assert.notDeepEqual(stageTasks('random-order', seed), stageTasks('full'));
  // The controls keep everything else of the full controller: gates, mixing, reviews.
  const anti = strategySpec(l, 'anti-curriculum', 3);
  const full = strategySpec(l, 'full', 3);
  assert.deepEqual(anti.review, full.review);
  assert.deepEqual(anti.stages.map((s) => s.mix), full.stages.map((s) => s.mix));
});

test('samples to an evaluation count every abandoned branch and its own branch up to the checkpoint only', () => {
  const windows: Array<[number, number, number]> = [
    [0, 60, 100],
    [0, 120, 100],
    [1, 60, 100], // after a revert to step 0: a new branch
    [1, 120, 100],
    [1, 180, 100], // the next lesson's window, published after the step-120 checkpoint
  ];
  const ledger = new SamplesLedger();
  for (const [branch, step, samples] of windows) ledger.add({ type: 'trainer.metrics', payload: { branch, step, tasks: { t: { samples } } } as never });
  assert.equal(ledger.at(120, 0), 200);
  assert.equal(ledger.at(120, 1), 400);
  assert.equal(ledger.at(180, 1), 500);
});
