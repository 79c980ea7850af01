// One scripted run through three stages, with the held-out accuracies of every evaluation
// written down, and the decisions (and their reasons) the policies must take, worked out by hand:
//   eval 0-2  stage s1: 0.70 holds (Wilson lower bound below 0.8), 0.90 passes once, 0.92 passes
//             twice -> advance (consecutive 2); a is mastered in box 0, due at lesson 3 + 1 = 4
//   eval 3    s2, lesson 4: a is due -> review
//   eval 4    review shows a retained (0.90 >= 0.85): box 0 -> 1, next in 2 lessons (due 7)
//   eval 6    b: 0.6, 0.605, 0.607 -> slope 0.0035 < 0.01 -> plateau, lower-lr halves the scale
//   eval 7    a due at 7 -> review; eval 8 retained: box 1 -> 2, interval 4 (due 13)
//   eval 9    a 0.84 is 0.08 below its best 0.92 (>= 0.05) -> regression review
//   eval 10   b 0.86 (lower bound 0.827 >= 0.8) -> advance to s3
//   eval 11   a 0.60, 0.32 below best (>= 0.15) -> revert to the best gated checkpoint: the one of
//             eval 10 (stage s2, lesson 10, step 1100), not the s1 one
//   eval 14   a 0.70 severe again 300 steps after the revert (< cooldown 500) -> revert-blocked,
//             then a regression review
//   eval 15-17 c stuck at 0.36: 3 evaluations without improvement -> early stop
// (the table of accuracies is SCENARIO_HELDOUT in support/scenario.ts)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Reason } from '../../schemas/events.ts';
import { scenarioRun } from './support/scenario.ts';

const run = scenarioRun;

function find(reasons: readonly Reason[], code: string, task?: string): Reason {
  const r = reasons.find((x) => x.code === code && (task === undefined || x.task === task));
  assert.ok(r, `reason ${code}${task ? ` for ${task}` : ''} in ${reasons.map((x) => x.code).join(', ')}`);
  return r;
}

test('the verdicts follow the hand-worked script, in order', () => {
  const sim = run();
  assert.deepEqual(
    sim.verdicts().map((d) => `${d.payload.kind} ${d.payload.from} -> ${d.payload.to}`),
    [
      'start pending:s1 -> training:s1',
      'hold evaluating:s1 -> training:s1',
      'hold evaluating:s1 -> training:s1',
      'advance evaluating:s1 -> training:s2',
      'review evaluating:s2 -> reviewing:s2',
      'hold evaluating:s2 -> training:s2',
      'hold evaluating:s2 -> training:s2',
      'plateau evaluating:s2 -> training:s2',
      'review evaluating:s2 -> reviewing:s2',
      'hold evaluating:s2 -> training:s2',
      'regression-review evaluating:s2 -> reviewing:s2',
      'advance evaluating:s2 -> training:s3',
      'revert evaluating:s3 -> training:s3',
      'review evaluating:s3 -> reviewing:s3',
      'hold evaluating:s3 -> training:s3',
      'revert-blocked evaluating:s3 -> evaluating:s3',
      'regression-review evaluating:s3 -> reviewing:s3',
      'review evaluating:s3 -> reviewing:s3',
      'hold evaluating:s3 -> training:s3',
      'early-stop evaluating:s3 -> stopped:s3',
    ],
  );
});

test('a stage holds below the Wilson bound and advances after two consecutive passes', () => {
  const v = run().verdicts();
  const firstHold = find(v[1]!.payload.reasons, 'gate.lower-bound', 'a');
  assert.equal(firstHold.holds, false);
  assert.equal(firstHold.value, 0.7);
  // Wilson lower bound of 0.7 with n = 500 at 95 % (z = 1.959964): (0.7 + z²/1000 - z sqrt(0.21/500 + z²/10^6)) / (1 + z²/500)
  assert.ok(Math.abs((firstHold.bound ?? 0) - 0.6584322) < 1e-6, String(firstHold.bound));
  const secondHold = v[2]!.payload.reasons;
  assert.equal(find(secondHold, 'gate.lower-bound', 'a').holds, true);
  assert.deepEqual([find(secondHold, 'advance.consecutive').value, find(secondHold, 'advance.consecutive').holds], [1, false]);
  const advance = v[3]!.payload.reasons;
  assert.deepEqual([find(advance, 'advance.consecutive').value, find(advance, 'advance.consecutive').threshold], [2, 2]);
  assert.ok(Math.abs((find(advance, 'gate.lower-bound', 'a').bound ?? 0) - 0.8928937) < 1e-6);
});

test('a review is scheduled when due and its interval grows with each retention', () => {
  const v = run().verdicts();
  const due = find(v[4]!.payload.reasons, 'review.due', 'a');
  assert.deepEqual([due.value, due.threshold], [4, 4]);
  const first = find(v[5]!.payload.reasons, 'review.retained', 'a');
  assert.equal(first.message, 'a: 0.9000 retained; box 0 -> 1, next review in 2 lesson(s)');
  const second = find(v[9]!.payload.reasons, 'review.retained', 'a');
  assert.equal(second.message, 'a: 0.8900 retained; box 1 -> 2, next review in 4 lesson(s)');
});

test('a plateau lowers the learning rate', () => {
  const sim = run();
  const plateau = sim.verdicts()[7]!.payload.reasons;
  const slope = find(plateau, 'plateau.slope');
  assert.equal(slope.holds, true);
  assert.ok(Math.abs((slope.value ?? 0) - 0.0035) < 1e-12); // (0.607 - 0.6) / 2
  assert.equal(slope.threshold, 0.01);
  assert.equal(find(plateau, 'plateau.lower-lr').value, 0.5);
  // Lessons of s2 after the plateau (the 4th evaluation of the stage) carry the halved scale.
  const scales = sim.commands.flatMap((c) => (c.type === 'lesson.start' && c.payload.stage === 's2' ? [c.payload.learningRateScale] : []));
  assert.deepEqual(scales, [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5]);
});

test('forgetting a mastered task schedules an immediate review of it', () => {
  const sim = run();
  const d = sim.verdicts()[10]!.payload;
  const r = find(d.reasons, 'regression.forgetting', 'a');
  assert.ok(Math.abs((r.value ?? 0) - 0.08) < 1e-12);
  assert.equal(r.threshold, 0.05);
  const lesson = sim.commands.find((c) => c.type === 'lesson.start' && c.payload.purpose === 'review' && c.payload.stage === 's2' && c.payload.startStep === 1000);
  assert.ok(lesson && lesson.type === 'lesson.start');
  // 25 % review share on a, 75 % on the stage task b, then the 0.02 floor over both: 0.02 + 0.96 * 0.25.
  assert.ok(Math.abs((lesson.payload.taskWeights.a ?? 0) - 0.26) < 1e-12);
});

test('a severe regression reverts to the best checkpoint that met every gate', () => {
  const sim = run();
  const d = sim.verdicts()[12]!.payload;
  assert.ok(Math.abs((find(d.reasons, 'regression.severe', 'a').value ?? 0) - 0.32) < 1e-12);
  assert.equal(find(d.reasons, 'revert.target').value, 1100);
  const reverts = sim.commands.filter((c) => c.type === 'checkpoint.revert');
  assert.equal(reverts.length, 1);
  assert.deepEqual(reverts[0]!.payload, { commandId: reverts[0]!.eventId, checkpointId: 'ckpt-10-b0', branch: 1, step: 1100, reason: 'severe regression of a' });
  const after = sim.commands[sim.commands.indexOf(reverts[0]!) + 1];
  assert.ok(after && after.type === 'lesson.start');
  assert.deepEqual([after.payload.fromCheckpointId, after.payload.branch, after.payload.startStep], ['ckpt-10-b0', 1, 1100]);
});

test('the cooldown blocks a second revert', () => {
  const sim = run();
  const d = sim.verdicts()[15]!.payload;
  const cooldown = find(d.reasons, 'revert.cooldown');
  assert.deepEqual([cooldown.holds, cooldown.value, cooldown.threshold], [false, 300, 500]);
  assert.equal(sim.view().reverts, 1);
});

test('stagnation of the stage mean stops the run early', () => {
  const sim = run();
  const d = sim.verdicts()[19]!.payload;
  const r = find(d.reasons, 'early-stop.patience');
  assert.deepEqual([r.holds, r.value, r.threshold], [true, 3, 3]);
  const view = sim.view();
  assert.equal(view.state, 'stopped');
  assert.equal(view.earlyStopped, true);
  assert.deepEqual(view.stages.map((s) => s.outcome), ['advanced', 'advanced', 'early-stop']);
  assert.equal(sim.commands.at(-1)?.type, 'run.stop');
});

test('the continual-learning matrix and its metrics match the script', () => {
  const cl = run().view().continualLearning;
  assert.deepEqual(cl.matrix, [
    [0.92, 0.32, null],
    [0.9, 0.86, 0.2],
    [0.91, 0.86, 0.36],
  ]);
  const close = (a: number | null, b: number) => assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  close(cl.averageAccuracy, (0.91 + 0.86 + 0.36) / 3);
  close(cl.backwardTransfer, (0.91 - 0.92 + (0.86 - 0.86)) / 2);
  // b first seen untrained at 0.30 (eval 0), c at 0.10 (eval 3)
  close(cl.forwardTransfer, (0.32 - 0.3 + (0.2 - 0.1)) / 2);
  close(cl.forgetting, (0.92 - 0.91 + 0) / 2);
  assert.deepEqual(run().view().forwardTransferBaseline, { b: 0.3, c: 0.1 });
});
