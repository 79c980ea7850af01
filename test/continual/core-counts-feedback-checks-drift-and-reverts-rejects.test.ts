// The controller core in the continual phase, on simulated executors: it counts feedback (also
// before the phase) so commands can name their cut of the service-side pool, it checks the
// deployed model for held-out drift, compares candidates with the deployed model measured on the
// same feedback hold-out, reverts rejected candidates, and its snapshot stays small.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AnyEvent, EnvelopeOf, Feedback } from '../../schemas/events.ts';
import { restoreSnapshot } from '../../controller/core/index.ts';
import { goldenFile } from '../controller/support/write-fixtures.ts';
import { SimulatedRun } from '../controller/support/simulated-executors.ts';
import { spec } from '../controller/support/specs.ts';

const ONE_TASK = [{ id: 'a', skill: 's', difficulty: 1, generator: { kind: 'permuted-digits', permutation: 0 } }];
const STAGE = { id: 'only', tasks: ['a'], teacher: { kind: 'uniform' }, learningRate: { kind: 'constant', value: 0.01 }, advance: { gates: [{ metric: 'accuracy', task: 'a', threshold: 0.8 }], consecutive: 1 }, maxSteps: 10000 };

/** Heldout of task a: 0.95 for the deployed model; the feedback suite scores `feedback` for any checkpoint. */
function run(continual: Record<string, unknown>, feedback: (checkpointId: string) => number, candidateHeldout = 0.95): SimulatedRun {
  const s = spec({ tasks: ONE_TASK, stages: [STAGE], continual: { enabled: true, minFeedback: 10, errorRate: 1, retrainSteps: 50, minFeedbackGain: 0.05, ...continual } });
  return new SimulatedRun(s, (_task, ctx) => (ctx.suite === 'feedback' ? feedback(ctx.checkpointId) : ctx.index === 0 ? 0.95 : candidateHeldout));
}

function item(sim: SimulatedRun, id: string, deploymentId = 'default'): EnvelopeOf<'feedback'> {
  const payload: Feedback = { feedbackId: id, deploymentId, input: '1+2', prediction: '3', label: '3', source: 'user', severity: 'low', observedAt: '2026-01-01T00:00:00.000Z' };
  return sim.event('feedback', payload);
}

/** Answers every queued command; a feedback evaluation also scores the deployed baseline it names. */
function settle(sim: SimulatedRun, baseline: number | null): void {
  for (let i = 0; i < 100 && sim.pending() > 0; i++) {
    const queue = (sim as unknown as { queue: AnyEvent[] }).queue;
    const command = queue.shift() as AnyEvent;
    for (const e of sim.responsesTo(command)) {
      if (e.type === 'evaluation.results' && e.payload.suite === 'feedback' && command.type === 'checkpoint.evaluate' && command.payload.feedback?.baselineCheckpointId && baseline !== null) {
        sim.feed({ ...e, payload: { ...e.payload, baseline: { checkpointId: command.payload.feedback.baselineCheckpointId, metrics: { n: 40, accuracy: baseline, loss: 1, ece: 0 } } } });
      } else sim.feed(e);
    }
  }
}

test('feedback that arrives before the continual phase is counted, and the retraining lesson names the pool cut', () => {
  const sim = run({ poolLimit: 300, feedbackHoldoutFraction: 0.3, feedbackFraction: 0.4 }, () => 0.9);
  sim.start();
  sim.feed(item(sim, 'early-1'));
  sim.feed(item(sim, 'early-2'));
  sim.feed(item(sim, 'elsewhere', 'other-deployment'));
  settle(sim, null);
  assert.equal(sim.view().detailedState, 'continual.monitoring');
  assert.equal(sim.view().continual?.feedbackTotal, 2, 'the other deployment has its own pool and is not counted');
  for (let i = 0; i < 10; i++) sim.feed(item(sim, `f${i}`));
  const lesson = sim.commands.at(-1);
  assert.ok(lesson?.type === 'lesson.start');
  assert.deepEqual(lesson.payload.feedback, { deploymentId: 'default', upToCount: 12, poolLimit: 300, holdoutFraction: 0.3, fraction: 0.4 });
  settle(sim, 0.5);
  const evaluate = sim.commands.filter((c) => c.type === 'checkpoint.evaluate').at(-1);
  assert.ok(evaluate?.type === 'checkpoint.evaluate');
  assert.deepEqual(evaluate.payload.feedback, { deploymentId: 'default', upToCount: 12, poolLimit: 300, holdoutFraction: 0.3, baselineCheckpointId: 'ckpt-0-b0' });
});

test('a repeated feedback event is a duplicate, yet moves the pool position like the pool records it', () => {
  const sim = run({}, () => 0.9);
  sim.start();
  settle(sim, null);
  const e = item(sim, 'f1');
  sim.feed(e);
  const again = sim.feed(e);
  assert.equal(again.outcome, 'duplicate');
  assert.equal(sim.view().continual?.feedbackTotal, 2);
  assert.equal(sim.view().continual?.feedbackSinceRetrain, 1, 'a repeat is not new feedback for the triggers');
});

test('a drift check scores the deployed model on the feedback hold-out and a large drop triggers retraining', () => {
  const sim = run({ minFeedback: 1000, driftCheckEvery: 4, heldoutDrift: 0.2 }, (ckpt) => (ckpt === 'ckpt-0-b0' ? 0.3 : 0.8));
  sim.start();
  settle(sim, null);
  for (let i = 0; i < 4; i++) sim.feed(item(sim, `f${i}`));
  const check = sim.commands.at(-1);
  assert.ok(check?.type === 'checkpoint.evaluate');
  assert.deepEqual([check.payload.checkpointId, check.payload.suites, check.payload.feedback?.upToCount], ['ckpt-0-b0', ['feedback'], 4]);
  assert.equal(sim.decisions.at(-1)?.payload.reasons[0]?.code, 'continual.drift-check');
  sim.answerNext();
  const retrain = sim.decisions.find((d) => d.payload.kind === 'retrain');
  assert.ok(retrain);
  const drift = retrain.payload.reasons[0];
  assert.equal(drift?.code, 'continual.heldout-drift');
  assert.ok(drift.holds && Math.abs((drift.value ?? 0) - 0.65) < 1e-12, JSON.stringify(drift));
  assert.equal(sim.view().detailedState, 'continual.retraining');
  // The candidate is compared with the drift check's score when no baseline comes back.
  settle(sim, null);
  const promote = sim.decisions.find((d) => d.payload.kind === 'promote');
  const gain = promote?.payload.reasons.find((r) => r.code === 'continual.feedback-gain');
  assert.ok(gain && Math.abs((gain.value ?? 0) - 0.5) < 1e-12, JSON.stringify(promote?.payload.reasons));
  assert.match(promote?.payload.reasons[0]?.message ?? '', /deploy ckpt-1-b0/);
  assert.equal(sim.view().continual?.deployedCheckpointId, 'ckpt-1-b0');
});

test('no drift within the threshold holds the deployed model, and the next check waits for new items', () => {
  const sim = run({ minFeedback: 1000, driftCheckEvery: 4, heldoutDrift: 0.2 }, () => 0.9);
  sim.start();
  settle(sim, null);
  for (let i = 0; i < 4; i++) sim.feed(item(sim, `f${i}`));
  sim.answerNext();
  const hold = sim.decisions.at(-1)?.payload;
  assert.equal(hold?.kind, 'hold');
  assert.equal(hold?.reasons[0]?.code, 'continual.heldout-drift');
  assert.equal(hold?.reasons[0]?.holds, false);
  assert.equal(sim.view().detailedState, 'continual.monitoring');
  const evaluations = sim.commands.filter((c) => c.type === 'checkpoint.evaluate').length;
  for (let i = 4; i < 7; i++) sim.feed(item(sim, `f${i}`));
  assert.equal(sim.commands.filter((c) => c.type === 'checkpoint.evaluate').length, evaluations);
  sim.feed(item(sim, 'f7'));
  assert.equal(sim.commands.filter((c) => c.type === 'checkpoint.evaluate').length, evaluations + 1);
});

test('the candidate is judged against the deployed model measured on the same hold-out, and a rejection reverts to it', () => {
  // Production reported no errors (1 - error rate = 1.0), but measured on the hold-out the deployed model scores 0.6.
  const sim = run({}, (ckpt) => (ckpt === 'ckpt-0-b0' ? 0.6 : 0.62));
  sim.start();
  settle(sim, null);
  for (let i = 0; i < 10; i++) sim.feed(item(sim, `f${i}`));
  settle(sim, 0.6);
  const reject = sim.decisions.find((d) => d.payload.kind === 'reject')?.payload;
  assert.ok(reject, sim.decisions.map((d) => d.payload.kind).join(' '));
  assert.equal(reject.reasons[0]?.code, 'continual.feedback-gain');
  assert.equal(reject.reasons[0]?.holds, false);
  assert.match(reject.reasons[0]?.message ?? '', /0\.6200 vs 0\.6000 of the deployed ckpt-0-b0 on the same 40 items/);
  const revert = sim.commands.find((c) => c.type === 'checkpoint.revert');
  assert.ok(revert?.type === 'checkpoint.revert');
  assert.deepEqual([revert.payload.checkpointId, revert.payload.branch, revert.payload.step], ['ckpt-0-b0', 1, 100]);
  assert.match(revert.payload.reason, /candidate ckpt-1-b0 rejected: continual\.feedback-gain/);
  assert.equal(sim.view().step, 100, 'the run continues from the deployed model');
  for (let i = 10; i < 20; i++) sim.feed(item(sim, `f${i}`));
  const next = sim.commands.filter((c) => c.type === 'lesson.start').at(-1);
  assert.ok(next?.type === 'lesson.start');
  assert.deepEqual([next.payload.fromCheckpointId, next.payload.startStep, next.payload.branch, next.payload.feedback?.upToCount], ['ckpt-0-b0', 100, 1, 20]);
});

test('an idle continual run keeps a snapshot under 20 KB', () => {
  const sim = run({}, () => 0.9);
  sim.start();
  settle(sim, null);
  for (let i = 0; i < 9; i++) sim.feed(item(sim, `f${i}`));
  const bytes = Buffer.byteLength(JSON.stringify(sim.snapshot));
  assert.equal(sim.view().detailedState, 'continual.monitoring');
  assert.ok(bytes < 20_000, `${bytes} bytes`);
});

test('a v2 snapshot upgrades to v3 with the feedback counters at zero and the deployed step from its last checkpoint', () => {
  const v2 = JSON.parse(readFileSync(goldenFile(2), 'utf8')) as { machineVersion: number; data: { continual: Record<string, unknown>; lastCheckpoint: { step: number } } };
  assert.equal(v2.machineVersion, 2);
  assert.equal('feedbackTotal' in v2.data.continual, false);
  const restored = restoreSnapshot(v2);
  assert.equal(restored.machineVersion, 3);
  assert.deepEqual(restored.data.continual, { ...v2.data.continual, deployedStep: v2.data.lastCheckpoint.step, feedbackTotal: 0, lastDriftCheckAt: 0, lastDrift: null });
  assert.deepEqual({ ...restored.data, continual: null }, { ...v2.data, continual: null });
});

test('a failed drift check is dropped and an unanswered one is superseded by the next', () => {
  const sim = run({ minFeedback: 1000, driftCheckEvery: 2, heldoutDrift: 0.2 }, () => 0.9);
  sim.start();
  settle(sim, null);
  const checks = () => sim.commands.filter((c) => c.type === 'checkpoint.evaluate' && c.payload.suites.join() === 'feedback');
  sim.feed(item(sim, 'f0'));
  sim.feed(item(sim, 'f1'));
  const first = checks().at(-1);
  assert.ok(first?.type === 'checkpoint.evaluate');
  sim.feed(sim.event('service.error', { commandId: first.payload.commandId, service: 'evaluator', code: 'CUR_CHECKPOINT_MISSING', message: 'gone' }));
  assert.equal(sim.view().counters['drift-check.failed'], 1);
  assert.equal(sim.view().detailedState, 'continual.monitoring');
  sim.feed(item(sim, 'f2'));
  sim.feed(item(sim, 'f3'));
  const second = checks().at(-1);
  assert.ok(second?.type === 'checkpoint.evaluate' && second.payload.commandId !== first.payload.commandId);
  // Never answered: two items later a new check replaces it, and a late answer to it is stale.
  sim.feed(item(sim, 'f4'));
  sim.feed(item(sim, 'f5'));
  const third = checks().at(-1);
  assert.ok(third?.type === 'checkpoint.evaluate' && third.payload.commandId !== second.payload.commandId);
  const late = sim.responsesTo(second)[0];
  assert.ok(late);
  assert.equal(sim.feed(late).outcome, 'stale');
});
