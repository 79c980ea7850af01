// After the last stage a run with continual learning enabled monitors production feedback,
// retrains when enough arrives (or the error rate is high), and promotes or rejects candidates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedRun } from './support/simulated-executors.ts';
import { spec } from './support/specs.ts';

const ONE_TASK = [{ id: 'a', skill: 's', difficulty: 1, generator: { kind: 'permuted-digits', permutation: 0 } }];

function oneStage(continual: Record<string, unknown>, feedbackAccuracy: number, aAfter: number): SimulatedRun {
  const s = spec({
    tasks: ONE_TASK,
    stages: [
      { id: 'only', tasks: ['a'], teacher: { kind: 'uniform' }, learningRate: { kind: 'constant', value: 0.01 }, advance: { gates: [{ metric: 'accuracy', task: 'a', threshold: 0.8 }], consecutive: 1 }, maxSteps: 10000 },
    ],
    continual: { enabled: true, minFeedback: 10, errorRate: 0.3, maxRegression: 0.02, minFeedbackGain: 0.05, retrainSteps: 50, ...continual },
  });
  const sim = new SimulatedRun(s, (task, ctx) => (ctx.suite === 'feedback' ? feedbackAccuracy : ctx.index === 0 ? 0.95 : aAfter));
  sim.start();
  sim.runUntilQuiet();
  return sim;
}

function feedback(sim: SimulatedRun, n: number, wrong: number): void {
  for (let i = 0; i < n; i++) {
    sim.feed(
      sim.event('feedback', {
        feedbackId: `f${sim.inputs.length}`,
        deploymentId: 'default',
        input: 'x',
        prediction: i < wrong ? 'no' : 'yes',
        label: 'yes',
        source: 'user',
        severity: 'low',
        observedAt: '2026-01-01T00:00:00.000Z',
      }),
    );
  }
}

test('the last stage leads to the continual phase, and enough feedback triggers a retrain', () => {
  const sim = oneStage({}, 0.9, 0.95);
  assert.equal(sim.view().detailedState, 'continual.monitoring');
  feedback(sim, 9, 0);
  assert.equal(sim.view().detailedState, 'continual.monitoring');
  feedback(sim, 1, 0);
  assert.equal(sim.view().detailedState, 'continual.retraining');
  const retrain = sim.decisions.find((d) => d.payload.kind === 'retrain')!;
  assert.deepEqual(retrain.payload.reasons.map((r) => [r.code, r.holds, r.value]), [
    ['continual.feedback-count', true, 10],
    ['continual.error-rate', false, 0],
  ]);
  const lesson = sim.commands.at(-1)!;
  assert.ok(lesson.type === 'lesson.start');
  assert.deepEqual([lesson.payload.purpose, lesson.payload.steps, lesson.payload.fromCheckpointId], ['retrain', 50, 'ckpt-0-b0']);
});

test('a high error rate over minFeedback/5 items triggers retraining early', () => {
  const sim = oneStage({}, 0.9, 0.95);
  feedback(sim, 2, 1); // 2 = ceil(10 / 5) items, error rate 0.5 >= 0.3
  assert.equal(sim.view().detailedState, 'continual.retraining');
});

test('a candidate that improves feedback accuracy without regressions is promoted', () => {
  const sim = oneStage({}, 0.9, 0.95);
  feedback(sim, 2, 1); // baseline feedback accuracy 1 - 0.5 = 0.5
  sim.runUntilQuiet();
  const promote = sim.decisions.find((d) => d.payload.kind === 'promote');
  assert.ok(promote);
  const gain = promote.payload.reasons.find((r) => r.code === 'continual.feedback-gain')!;
  assert.ok(Math.abs((gain.value ?? 0) - 0.4) < 1e-12);
  assert.equal(sim.view().detailedState, 'continual.monitoring');
  const evaluate = sim.commands.filter((c) => c.type === 'checkpoint.evaluate').at(-1)!;
  assert.ok(evaluate.type === 'checkpoint.evaluate');
  assert.deepEqual(evaluate.payload.suites, ['heldout', 'feedback']);
});

test('a candidate that forgets a mastered task is rejected and the next retrain starts from the deployed model', () => {
  const sim = oneStage({}, 0.9, 0.9); // a drops 0.95 -> 0.90 after retraining: 0.05 > 0.02
  feedback(sim, 2, 1);
  sim.runUntilQuiet();
  const reject = sim.decisions.find((d) => d.payload.kind === 'reject');
  assert.ok(reject);
  const r = reject.payload.reasons.find((x) => x.code === 'continual.regression')!;
  assert.equal(r.holds, false);
  feedback(sim, 2, 2);
  const lesson = sim.commands.at(-1)!;
  assert.ok(lesson.type === 'lesson.start');
  assert.equal(lesson.payload.fromCheckpointId, 'ckpt-0-b0');
  assert.equal(lesson.payload.branch, 1);
});

test('without continual learning the last stage completes the run', () => {
  const s = spec({
    tasks: ONE_TASK,
    stages: [
      { id: 'only', tasks: ['a'], teacher: { kind: 'uniform' }, learningRate: { kind: 'constant', value: 0.01 }, advance: { gates: [{ metric: 'accuracy', task: 'a', threshold: 0.8 }], consecutive: 1 }, maxSteps: 10000 },
    ],
  });
  const sim = new SimulatedRun(s, () => 0.95);
  sim.start();
  sim.runUntilQuiet();
  assert.equal(sim.view().state, 'completed');
  assert.deepEqual(sim.verdicts().map((d) => d.payload.kind), ['start', 'advance', 'complete']);
  assert.equal(sim.commands.at(-1)?.type, 'run.stop');
});
