// Plateau actions, step budgets and the fairness guard, driven through applyEvent with scripted
// evaluations; expected mixtures worked out by hand (floor 0.02: p = 0.02 + 0.96 q).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SuiteMetrics } from '../../schemas/events.ts';
import { SimulatedRun } from './support/simulated-executors.ts';
import { spec } from './support/specs.ts';

const TWO_TASKS = [
  { id: 'a', skill: 's', difficulty: 1, generator: { kind: 'permuted-digits', permutation: 0 }, categories: ['x'] },
  { id: 'b', skill: 's', difficulty: 2, generator: { kind: 'permuted-digits', permutation: 1 }, categories: ['y'] },
];

function twoTaskSpec(stage: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return spec({
    tasks: TWO_TASKS,
    stages: [
      { id: 's1', tasks: ['a', 'b'], teacher: { kind: 'uniform' }, learningRate: { kind: 'constant', value: 0.01 }, advance: { gates: [{ metric: 'accuracy', task: 'a', threshold: 0.8 }], consecutive: 1 }, maxSteps: 10000, ...stage },
      { id: 's2', tasks: ['b'], teacher: { kind: 'uniform' }, learningRate: { kind: 'constant', value: 0.01 }, advance: { gates: [{ metric: 'accuracy', task: 'b', threshold: 0.99 }], consecutive: 1 }, maxSteps: 10000 },
    ],
    ...extra,
  });
}

const flat = (task: string) => (task === 'a' ? 0.6 : 0.4);
const lessons = (sim: SimulatedRun) => sim.commands.flatMap((c) => (c.type === 'lesson.start' ? [c.payload] : []));
const close = (a: number | undefined, b: number) => assert.ok(a !== undefined && Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

function plateauRun(action: string): SimulatedRun {
  const sim = new SimulatedRun(twoTaskSpec({ plateau: { window: 2, minSlope: 0.01, action, shiftStrength: 0.5 } }), flat);
  sim.start();
  for (let i = 0; i < 4; i++) sim.answerNext(); // two lessons, two evaluations
  return sim;
}

test('plateau shift-to-weakest moves half the mixture to the weakest task', () => {
  const sim = plateauRun('shift-to-weakest');
  assert.deepEqual(sim.verdicts().map((d) => d.payload.kind), ['start', 'hold', 'plateau']);
  const last = lessons(sim).at(-1)!;
  // q = (0.5, 0.5) -> 0.5 q + 0.5 onehot(b) = (0.25, 0.75)
  close(last.taskWeights.a, 0.26);
  close(last.taskWeights.b, 0.74);
});

test('plateau review reviews the weakest stage task when nothing is mastered yet', () => {
  const sim = plateauRun('review');
  assert.equal(sim.view().state, 'reviewing');
  const last = lessons(sim).at(-1)!;
  // 0.75 (0.5, 0.5) + 0.25 onehot(b) = (0.375, 0.625)
  assert.equal(last.purpose, 'review');
  close(last.taskWeights.a, 0.38);
  close(last.taskWeights.b, 0.62);
});

test('plateau advance and plateau stop', () => {
  const advanced = plateauRun('advance');
  assert.deepEqual([advanced.view().stageId, advanced.view().stages[0]?.outcome], ['s2', 'plateau']);
  const stopped = plateauRun('stop');
  assert.deepEqual([stopped.view().state, stopped.verdicts().at(-1)?.payload.kind], ['stopped', 'plateau']);
});

test('a stage budget clips the last lesson and then applies budgetAction', () => {
  const sim = new SimulatedRun(twoTaskSpec({ maxSteps: 250 }), flat);
  sim.start();
  sim.runUntilQuiet(7);
  assert.deepEqual(lessons(sim).slice(0, 3).map((l) => l.steps), [100, 100, 50]);
  const d = sim.verdicts().find((v) => v.payload.kind === 'budget-exhausted')!;
  const r = d.payload.reasons.find((x) => x.code === 'budget.stage')!;
  assert.deepEqual([r.value, r.threshold, d.payload.to], [250, 250, 'training:s2']);
});

test('the run budget stops the run', () => {
  const sim = new SimulatedRun(twoTaskSpec({}, { training: { batchSize: 32, lessonSteps: 100, metricsEvery: 50, maxSteps: 150 } }), flat);
  sim.start();
  sim.runUntilQuiet();
  assert.deepEqual(lessons(sim).map((l) => l.steps), [100, 50]);
  assert.deepEqual([sim.view().state, sim.verdicts().at(-1)?.payload.kind], ['stopped', 'budget-exhausted']);
});

test('fairness judges the tasks trained so far: a trailing category of the next stage, scored for transfer, blocks nothing', () => {
  const tasks = TWO_TASKS.map((t) => ({ ...t, categories: t.id === 'a' ? ['x', 'z'] : ['y'] }));
  const categories = (task: string): Record<string, SuiteMetrics> =>
    task === 'a' ? { x: { n: 100, accuracy: 0.95, loss: 0.05, ece: 0 }, z: { n: 100, accuracy: 0.93, loss: 0.07, ece: 0 } } : { y: { n: 100, accuracy: 0.5, loss: 0.5, ece: 0 } };
  const stages = (first: string[]) => [
    { id: 's1', tasks: first, teacher: { kind: 'uniform' }, learningRate: { kind: 'constant', value: 0.01 }, advance: { gates: [{ metric: 'accuracy', task: 'a', threshold: 0.8 }], consecutive: 1 }, maxSteps: 10000 },
    { id: 's2', tasks: ['a', 'b'], teacher: { kind: 'uniform' }, learningRate: { kind: 'constant', value: 0.01 }, advance: { gates: [{ metric: 'accuracy', task: 'b', threshold: 0.99 }], consecutive: 1 }, maxSteps: 10000 },
  ];
  const run = (pooledOnly: boolean) => {
    const sim = new SimulatedRun(spec({ tasks, stages: stages(['a']), fairness: { maxGap: 0.1, minSamples: 20 } }), () => 0.95, 'run-1', categories);
    sim.pooledCategoriesOnly = pooledOnly;
    sim.start();
    sim.answerNext();
    sim.answerNext();
    return sim;
  };
  const sim = run(false);
  const evaluated = sim.commands.find((c) => c.type === 'checkpoint.evaluate');
  assert.ok(evaluated?.type === 'checkpoint.evaluate');
  assert.deepEqual(evaluated.payload.tasks, ['a', 'b'], 'the next stage is scored, for transfer');
  const verdict = sim.verdicts().at(-1)!.payload;
  assert.equal(verdict.kind, 'advance', JSON.stringify(verdict.reasons));
  const gap = verdict.reasons.find((r) => r.code === 'fairness.gap')!;
  assert.deepEqual([gap.category, gap.holds], ['z', true], 'only x and z, the categories of a, are compared');
  close(gap.value, 0.01);
  // In s2, b is trained: its trailing category now counts (and fails the gap).
  sim.answerNext();
  sim.answerNext();
  const inS2 = sim.verdicts().at(-1)?.payload.reasons.find((r) => r.code === 'fairness.gap');
  assert.deepEqual([sim.view().stageId, inS2?.category, inS2?.holds], ['s2', 'y', false]);
  // An evaluator that sends only the pooled categories is judged on them, as before.
  assert.equal(run(true).verdicts().at(-1)?.payload.kind, 'fairness-block');
});

test('fairness blocks an advance and shifts sampling toward the trailing category', () => {
  let balanced = false;
  const categories = (task: string): Record<string, SuiteMetrics> =>
    task === 'a' ? { x: { n: 100, accuracy: 0.95, loss: 0.05, ece: 0 } } : { y: { n: 100, accuracy: balanced ? 0.9 : 0.6, loss: 0.4, ece: 0 } };
  const sim = new SimulatedRun(twoTaskSpec({}, { fairness: { maxGap: 0.1, minSamples: 20 } }), () => 0.95, 'run-1', categories);
  sim.start();
  sim.answerNext();
  sim.answerNext();
  const block = sim.verdicts().at(-1)!.payload;
  assert.equal(block.kind, 'fairness-block');
  const gap = block.reasons.find((r) => r.code === 'fairness.gap')!;
  // mean (0.95 + 0.6) / 2 = 0.775, gap 0.175 > 0.1
  close(gap.value, 0.175);
  assert.equal(gap.category, 'y');
  assert.equal(block.reasons.find((r) => r.code === 'advance.consecutive')?.holds, true);
  const next = lessons(sim).at(-1)!;
  close(next.taskWeights.b, 0.74); // half the mixture moved to b, which carries y
  balanced = true;
  sim.answerNext();
  sim.answerNext();
  assert.deepEqual([sim.verdicts().at(-1)?.payload.kind, sim.view().stageId], ['advance', 's2']);
});
