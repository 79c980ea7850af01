// The retraining lesson's task weights follow the Leitner schedule: the feedback share of each
// batch is unchanged (continual.feedbackFraction), and the rest rehearses the mastered tasks due
// by the end of the lesson, or, when none is, the one due soonest. Every other trained task keeps
// the last stage's teacher floor, and the lesson decision names the rehearsed tasks and boxes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FLOOR, LeitnerRun, TASKS, assertWeights, rehearsedWeight } from './support/leitner-run.ts';

test('the first retraining rehearses every task the last stage mastered: all in box 0, due by its end', () => {
  const run = new LeitnerRun();
  assert.equal(run.sim.view().detailedState, 'continual.monitoring');
  const lessons = run.lessons();
  for (const t of TASKS) assert.deepEqual([run.mastered()[t]?.box, run.mastered()[t]?.dueLesson], [0, lessons + 1], t);
  const lesson = run.triggerRetrain();
  assertWeights(lesson.payload.taskWeights, { a: 1 / 3, b: 1 / 3, c: 1 / 3 });
  assert.equal(lesson.payload.feedback?.fraction, 0.5, 'the feedback share is the spec default, untouched');
  const reasons = run.retrainDecision().payload.reasons;
  assert.deepEqual(reasons.filter((r) => r.code === 'review.due').map((r) => [r.task, r.message]), TASKS.map((t) => [t, `${t} (box 0) due at lesson ${lessons + 1}`]));
  const inFlight = run.sim.snapshot.data.inFlight;
  assert.deepEqual(inFlight?.kind === 'lesson' ? inFlight.reviewTasks : null, ['a', 'b', 'c']);
});

test('only the due mastered tasks share the non-feedback part of the batch; the others keep the floor', () => {
  const run = new LeitnerRun();
  // b falls due while the retraining runs (box 0 comes back every retraining), c is overdue, a is not due.
  run.setBoxes({ a: { box: 2, dueIn: 3 }, b: { box: 0, dueIn: 1 }, c: { box: 1, dueIn: 0 } });
  const lesson = run.triggerRetrain();
  assertWeights(lesson.payload.taskWeights, { a: FLOOR, b: rehearsedWeight(2), c: rehearsedWeight(2) });
  const reasons = run.retrainDecision().payload.reasons;
  const mixture = reasons.find((r) => r.code === 'continual.retrain-mixture');
  assert.equal(mixture?.message, `50% of each batch from the feedback pool; the rest rehearses b (box 0), c (box 1), with the floor ${FLOOR} for a`);
  assert.deepEqual(reasons.filter((r) => r.code === 'review.due').map((r) => [r.task, r.holds]), [['b', true], ['c', true]]);
  // The evaluation of the candidate carries the rehearsed tasks, whose boxes it will move.
  run.sim.answerNext();
  const ev = run.sim.snapshot.data.inFlight;
  assert.deepEqual(ev?.kind === 'evaluate' ? [ev.purpose, ev.reviewTasks] : null, ['retrain', ['b', 'c']]);
});

test('with nothing due the soonest-due task is rehearsed (the lowest box on a tie), so retraining is never feedback alone', () => {
  const run = new LeitnerRun();
  run.setBoxes({ a: { box: 3, dueIn: 5 }, b: { box: 2, dueIn: 3 }, c: { box: 1, dueIn: 3 } });
  const lesson = run.triggerRetrain();
  assertWeights(lesson.payload.taskWeights, { a: FLOOR, b: FLOOR, c: rehearsedWeight(1) });
  const reasons = run.retrainDecision().payload.reasons;
  assert.deepEqual(reasons.filter((r) => r.code.startsWith('review.')).map((r) => [r.code, r.task]), [['review.soonest', 'c']]);
  assert.match(reasons.find((r) => r.code === 'review.soonest')?.message ?? '', /^c \(box 1\) due at lesson \d+, the soonest: no mastered task is due by lesson \d+$/);
});

test('with spaced review disabled the retraining stays uniform over the trained tasks and no box moves', () => {
  const run = new LeitnerRun({ enabled: false });
  const before = structuredClone(run.mastered());
  const lesson = run.triggerRetrain();
  assertWeights(lesson.payload.taskWeights, { a: 1 / 3, b: 1 / 3, c: 1 / 3 });
  assert.match(run.retrainDecision().payload.reasons.find((r) => r.code === 'continual.retrain-mixture')?.message ?? '', /uniform over every trained task \(a, b, c\): spaced review is disabled/);
  const verdict = run.judge();
  assert.equal(verdict.payload.kind, 'promote');
  assert.ok(!verdict.payload.reasons.some((r) => r.code.startsWith('review.')));
  assert.deepEqual(run.mastered(), before);
});
