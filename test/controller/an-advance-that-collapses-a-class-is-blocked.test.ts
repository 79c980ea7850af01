// The per-class guard of the promotion gate, for the curriculum's own advances: with
// fairness.categoryRegression, an advance is blocked (fairness-block) while any class or category
// of an earlier task has lost more than its margin since the last advance; the reason names the
// class and both values. Without it, the same run advances (spec fields are optional).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SuiteMetrics } from '../../schemas/events.ts';
import { SimulatedRun, type EvaluationContext } from './support/simulated-executors.ts';
import { spec } from './support/specs.ts';

const TASKS = [
  { id: 'a', skill: 's', difficulty: 1, generator: { kind: 'permuted-digits', permutation: 0 }, categories: ['a-x', 'a-y'] },
  { id: 'b', skill: 's', difficulty: 2, generator: { kind: 'permuted-digits', permutation: 1 }, categories: ['b-x'] },
];
const stage = (id: string, tasks: string[], gate: string) => ({ id, tasks, teacher: { kind: 'uniform' }, learningRate: { kind: 'constant', value: 0.01 }, advance: { gates: [{ metric: 'accuracy', task: gate, threshold: 0.8 }], consecutive: 1 }, maxSteps: 400 });

function run(fairness: Record<string, unknown>): SimulatedRun {
  const s = spec({ tasks: TASKS, stages: [stage('first', ['a'], 'a'), stage('second', ['a', 'b'], 'b')], fairness, review: { enabled: false } });
  const m = (accuracy: number): SuiteMetrics => ({ n: 100, accuracy, loss: 0.1, ece: 0 });
  // Task a's class a-y collapses once the second stage trains (every evaluation after the first).
  const categories = (task: string, ctx: EvaluationContext): Record<string, SuiteMetrics> =>
    ctx.suite !== 'heldout' ? {} : task === 'a' ? { 'a-x': m(0.9), 'a-y': m(ctx.index === 0 ? 0.9 : 0.5) } : { 'b-x': m(0.9) };
  return new SimulatedRun(s, () => 0.9, 'run-1', categories);
}

test('an advance that collapses a class of an earlier task is blocked, naming the class and both values', () => {
  const sim = run({ categoryRegression: { maxDrop: 0.05 } });
  sim.start();
  sim.runUntilQuiet(40);
  const verdicts = sim.verdicts().map((d) => d.payload);
  assert.equal(verdicts[0]?.kind, 'start');
  assert.equal(verdicts[1]?.kind, 'advance', 'the first advance has nothing to compare with');
  const blocked = verdicts.slice(2).find((d) => d.kind === 'fairness-block');
  assert.ok(blocked, verdicts.map((d) => d.kind).join(' '));
  assert.ok(!verdicts.slice(2).some((d) => d.kind === 'advance' || d.kind === 'complete'), 'never advances while the class stays collapsed');
  const reason = blocked.reasons[0];
  assert.equal(reason?.code, 'fairness.category-regression');
  assert.equal(reason?.category, 'a-y');
  assert.equal(reason?.holds, false);
  assert.match(reason?.message ?? '', /^a-y: 0\.5000 on 100 items vs the last advance 0\.9000 on 100/);
});

test('without fairness.categoryRegression the same run advances', () => {
  const sim = run({});
  sim.start();
  sim.runUntilQuiet(40);
  const kinds = sim.verdicts().map((d) => d.payload.kind);
  assert.ok(!kinds.includes('fairness-block'), kinds.join(' '));
  assert.ok(kinds.includes('complete'), kinds.join(' '));
});
