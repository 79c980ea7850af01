// The promotion gate guards classes and categories (continual.categoryRegression, on by default in a continual run): a candidate
// whose held-out accuracy on any class drops by more than maxDrop plus z standard errors (from
// each side's sample count) is rejected with a reason naming the class and both values, even when
// the task-level accuracy stays inside maxRegression (two swapped labels cost a 10-class task
// little on average). A small drop on a small class is noise and does not block the promotion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyEvent, EnvelopeOf, Feedback, SuiteMetrics } from '../../schemas/events.ts';
import { SimulatedRun, type EvaluationContext } from '../controller/support/simulated-executors.ts';
import { spec } from '../controller/support/specs.ts';

const ONE_TASK = [{ id: 'a', skill: 's', difficulty: 1, generator: { kind: 'permuted-digits', permutation: 0 } }];
const STAGE = { id: 'only', tasks: ['a'], teacher: { kind: 'uniform' }, learningRate: { kind: 'constant', value: 0.01 }, advance: { gates: [{ metric: 'accuracy', task: 'a', threshold: 0.8 }], consecutive: 1 }, maxSteps: 10000 };
const DIGITS = [...Array(10).keys()].map((i) => `digit-${i}`);

/** Deployed: every class at 0.95 on 100 items. The candidate: `candidate(class)` on `n` items; task accuracy 0.95 -> 0.93. */
function run(categoryRegression: Record<string, number> | undefined, candidate: (category: string) => number, n = 100): SimulatedRun {
  const s = spec({ tasks: ONE_TASK, stages: [STAGE], continual: { enabled: true, minFeedback: 10, errorRate: 1, retrainSteps: 50, maxRegression: 0.05, ...(categoryRegression ? { categoryRegression } : {}) } });
  const categories = (_task: string, ctx: EvaluationContext): Record<string, SuiteMetrics> =>
    ctx.suite !== 'heldout' ? {} : Object.fromEntries(DIGITS.map((c) => [c, ctx.index === 0 ? { n: 100, accuracy: 0.95, loss: 0.1, ece: 0 } : { n, accuracy: candidate(c), loss: 0.1, ece: 0 }]));
  return new SimulatedRun(s, (_task, ctx) => (ctx.suite === 'feedback' ? 0.9 : ctx.index === 0 ? 0.95 : 0.93), 'run-1', categories);
}

/** Deploys, sends minFeedback items, answers the retraining; the deployed model scores 0.5 on the feedback hold-out. */
function retrain(sim: SimulatedRun): EnvelopeOf<'decision'>['payload'] {
  sim.start();
  drain(sim);
  assert.equal(sim.view().detailedState, 'continual.monitoring');
  for (let i = 0; i < 10; i++) {
    const payload: Feedback = { feedbackId: `f${i}`, deploymentId: 'default', input: '1+2', prediction: '4', label: '3', source: 'user', severity: 'low', observedAt: '2026-01-01T00:00:00.000Z' };
    sim.feed(sim.event('feedback', payload));
  }
  drain(sim);
  const verdict = sim.decisions.map((d) => d.payload).find((d) => d.kind === 'promote' || d.kind === 'reject');
  assert.ok(verdict, sim.decisions.map((d) => d.payload.kind).join(' '));
  return verdict;
}

function drain(sim: SimulatedRun): void {
  for (let i = 0; i < 100 && sim.pending() > 0; i++) {
    const command = (sim as unknown as { queue: AnyEvent[] }).queue.shift() as AnyEvent;
    for (const e of sim.responsesTo(command)) {
      const baseline = command.type === 'checkpoint.evaluate' ? command.payload.feedback?.baselineCheckpointId : undefined;
      if (e.type === 'evaluation.results' && e.payload.suite === 'feedback' && baseline) sim.feed({ ...e, payload: { ...e.payload, baseline: { checkpointId: baseline, metrics: { n: 40, accuracy: 0.5, loss: 1, ece: 0 } } } });
      else sim.feed(e);
    }
  }
}

const swapped = (c: string) => (c === 'digit-3' || c === 'digit-5' ? 0.52 : 0.97);

test('two collapsed classes reject the candidate although the task stays within maxRegression; the reason names the class and both values', () => {
  const verdict = retrain(run({ maxDrop: 0.05 }, swapped));
  assert.equal(verdict.kind, 'reject', JSON.stringify(verdict.reasons));
  const task = verdict.reasons.find((r) => r.code === 'continual.regression');
  assert.ok(task?.holds, 'the task-level drop (0.02) is inside maxRegression');
  const failed = verdict.reasons.filter((r) => r.code === 'continual.category-regression' && !r.holds);
  assert.deepEqual(failed.map((r) => r.category), ['digit-3', 'digit-5']);
  assert.equal(verdict.reasons[0]?.code, 'continual.category-regression', 'the decisive reason comes first');
  const r = failed[0];
  assert.ok(r);
  assert.ok(Math.abs((r.value ?? 0) - 0.43) < 1e-9);
  // The margin: 0.05 + 1.96 * sqrt(0.95*0.05/100 + 0.52*0.48/100).
  assert.ok(Math.abs((r.threshold ?? 0) - (0.05 + 1.96 * Math.sqrt((0.95 * 0.05) / 100 + (0.52 * 0.48) / 100))) < 1e-9);
  assert.match(r.message, /^digit-3: 0\.5200 on 100 items vs deployed 0\.9500 on 100/);
});

test('a drop inside the noise margin of a small class does not block the promotion', () => {
  // 0.95 -> 0.85 on 20 items: margin 0.05 + 1.96 * sqrt(0.95*0.05/100 + 0.85*0.15/20) = 0.21.
  const verdict = retrain(run({ maxDrop: 0.05, minSamples: 20 }, (c) => (c === 'digit-3' ? 0.85 : 0.95), 20));
  assert.equal(verdict.kind, 'promote', JSON.stringify(verdict.reasons));
  const guard = verdict.reasons.filter((r) => r.code === 'continual.category-regression');
  assert.deepEqual(guard.map((r) => [r.category, r.holds]), [['digit-3', true]], 'one holding reason: the largest drop');
});

test('a continual run guards classes by default; maxDrop: 1 turns the guard off and the gate judges whole tasks only', () => {
  const byDefault = retrain(run(undefined, swapped));
  assert.equal(byDefault.kind, 'reject', JSON.stringify(byDefault.reasons));
  assert.deepEqual(byDefault.reasons.filter((r) => r.code === 'continual.category-regression' && !r.holds).map((r) => r.category), ['digit-3', 'digit-5']);
  const off = retrain(run({ maxDrop: 1 }, swapped));
  assert.equal(off.kind, 'promote', JSON.stringify(off.reasons));
  assert.ok(off.reasons.every((r) => r.holds));
});
