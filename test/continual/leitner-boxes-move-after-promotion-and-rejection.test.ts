// After a candidate is judged, the boxes of the tasks its retraining rehearsed move on its
// held-out accuracies, and the promote or reject decision says how. A promoted candidate is the
// deployed model: retained moves a task up, forgotten sends it to box 0. A rejected one can only
// send a task down (what it forgot is rehearsed in the very next retraining); what it retained
// keeps its box and waits its interval again. The report lists the rehearsed tasks per cycle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { continualCycles } from '../../report/continual-phase.ts';
import { FLOOR, INTERVALS, LeitnerRun, assertWeights, rehearsedWeight } from './support/leitner-run.ts';

test('a promotion moves a retained rehearsed task up a box and a forgotten one to box 0; the next retraining rehearses the forgotten one', () => {
  const run = new LeitnerRun();
  run.setBoxes({ a: { box: 2, dueIn: 5 }, b: { box: 1, dueIn: 0 }, c: { box: 2, dueIn: 0 } });
  const untouched = run.mastered().a;
  run.triggerRetrain();
  // c falls below retention (0.9) yet within maxRegression (0.1) of the deployed 0.95: promoted.
  run.candidate = { heldout: { b: 0.95, c: 0.88 }, feedback: 0.9 };
  const verdict = run.judge();
  assert.equal(verdict.payload.kind, 'promote');
  const lessons = run.lessons();
  assert.deepEqual([run.mastered().b?.box, run.mastered().b?.dueLesson], [2, lessons + (INTERVALS[2] ?? 0)]);
  assert.deepEqual([run.mastered().c?.box, run.mastered().c?.dueLesson], [0, lessons + (INTERVALS[0] ?? 0)]);
  assert.deepEqual(run.mastered().a, untouched, 'a task the retraining did not rehearse keeps its box');
  const reasons = verdict.payload.reasons;
  assert.equal(reasons[0]?.code, 'continual.promoted-checkpoint');
  assert.deepEqual(
    reasons.filter((r) => r.code.startsWith('review.')).map((r) => [r.code, r.task, r.message]),
    [
      ['review.retained', 'b', 'b: 0.9500 retained; box 1 -> 2, next review in 4 lesson(s)'],
      ['review.forgotten', 'c', 'c: 0.8800 forgotten; box 2 -> 0, next review in 1 lesson(s)'],
    ],
  );
  // The next retraining (from the newly deployed model) rehearses c only.
  const next = run.triggerRetrain();
  assert.equal(next.payload.fromCheckpointId, run.sim.view().continual?.deployedCheckpointId);
  assertWeights(next.payload.taskWeights, { a: FLOOR, b: FLOOR, c: rehearsedWeight(1) });
});

test('a rejection sends what the candidate forgot to box 0 and keeps the box of what it retained; the next retraining rehearses the forgotten task', () => {
  const run = new LeitnerRun();
  run.setBoxes({ a: { box: 2, dueIn: 0 }, b: { box: 1, dueIn: 0 }, c: { box: 3, dueIn: 6 } });
  run.triggerRetrain();
  // No feedback gain over the deployed model's 0.5: rejected.
  run.candidate = { heldout: { a: 0.97, b: 0.86 }, feedback: 0.5 };
  const verdict = run.judge();
  assert.equal(verdict.payload.kind, 'reject');
  const lessons = run.lessons();
  assert.deepEqual([run.mastered().a?.box, run.mastered().a?.dueLesson], [2, lessons + (INTERVALS[2] ?? 0)], 'retained by a candidate that is not deployed: same box, interval restarted');
  assert.deepEqual([run.mastered().b?.box, run.mastered().b?.dueLesson], [0, lessons + (INTERVALS[0] ?? 0)]);
  const reasons = verdict.payload.reasons;
  assert.deepEqual([reasons[0]?.code, reasons[0]?.holds], ['continual.feedback-gain', false], 'the decisive reason still comes first');
  assert.deepEqual(
    reasons.slice(-2).map((r) => [r.code, r.task, r.holds, r.message]),
    [
      ['review.retained', 'a', true, 'a: 0.9700 retained; box 2 -> 2 (kept: the candidate was not deployed), next review in 4 lesson(s)'],
      ['review.forgotten', 'b', false, 'b: 0.8600 forgotten; box 1 -> 0, next review in 1 lesson(s)'],
    ],
  );
  assert.deepEqual(run.sim.snapshot.data.heldout, { a: 0.95, b: 0.95, c: 0.95 }, 'the run shows the deployed model\'s accuracies, not the rejected candidate\'s');
  const revert = run.sim.commands.find((c) => c.type === 'checkpoint.revert');
  assert.ok(revert?.type === 'checkpoint.revert');
  assert.match(revert.payload.reason, /rejected: continual\.feedback-gain$/, 'box moves are not why the candidate was dropped');
  const next = run.triggerRetrain();
  assert.equal(next.payload.fromCheckpointId, revert.payload.checkpointId);
  assertWeights(next.payload.taskWeights, { a: FLOOR, b: rehearsedWeight(1), c: FLOOR });
});

test('the report lists each cycle\'s rehearsed tasks with their box moves, apart from the gates that failed', () => {
  const run = new LeitnerRun();
  run.setBoxes({ a: { box: 2, dueIn: 0 }, b: { box: 1, dueIn: 0 }, c: { box: 3, dueIn: 6 } });
  run.triggerRetrain();
  run.candidate = { heldout: { a: 0.97, b: 0.86 }, feedback: 0.5 };
  run.judge();
  const [cycle] = continualCycles(run.sim.decisions.map((d) => d.payload), []);
  assert.ok(cycle);
  assert.equal(cycle.outcome, 'reject');
  assert.deepEqual(cycle.failed, ['continual.feedback-gain']);
  assert.deepEqual(cycle.rehearsed, [
    { task: 'a', retained: true, from: 2, to: 2 },
    { task: 'b', retained: false, from: 1, to: 0 },
  ]);
});
