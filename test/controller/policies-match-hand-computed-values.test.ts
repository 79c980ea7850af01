// Gates and policies on small inputs whose answers were worked out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAdvance, checkGates } from '../../controller/core/policies/gates.ts';
import { checkPlateau } from '../../controller/core/policies/plateau.ts';
import { dueTasks, leitnerUpdate, masterTask } from '../../controller/core/policies/review.ts';
import { assessRegression, bestGatedCheckpoint, checkRevert } from '../../controller/core/policies/regression.ts';
import { updateEarlyStop } from '../../controller/core/policies/early-stopping.ts';
import { checkFairness } from '../../controller/core/policies/fairness.ts';
import { budgetReason, lessonLength } from '../../controller/core/policies/budget.ts';
import { clMetrics } from '../../controller/core/cl-metrics.ts';
import { normalQuantile, percentile, slope, wilsonInterval } from '../../controller/core/stats.ts';
import type { Gate } from '../../schemas/spec.ts';

const close = (actual: number | undefined | null, expected: number, eps = 1e-9) => assert.ok(actual !== undefined && actual !== null && Math.abs(actual - expected) < eps, `${actual} vs ${expected}`);
const m = (accuracy: number, n = 200) => ({ n, accuracy, loss: 1 - accuracy, ece: 0.05 });
const gate = (g: Partial<Gate>): Gate => ({ metric: 'accuracy', suite: 'heldout', task: 'a', op: '>=', threshold: 0.8, ...g });

test('normal quantiles and the Wilson interval', () => {
  close(normalQuantile(0.975), 1.959963984540054, 1e-8);
  close(normalQuantile(0.95), 1.6448536269514722, 1e-8);
  close(wilsonInterval(0.85, 200, 0.95).lower, 0.7939442071583332);
  close(wilsonInterval(0.1, 100, 0.95).upper, 0.17436566150491348);
  assert.deepEqual(wilsonInterval(0.85, 200, 0), { lower: 0.85, upper: 0.85 });
});

test('an accuracy gate compares the Wilson lower bound, not the point estimate', () => {
  const results = { heldout: { tasks: { a: m(0.85), b: m(0.9) }, categories: {} } };
  const fails = checkGates([gate({})], 0.95, ['a'], results);
  assert.equal(fails.holds, false); // 0.85 > 0.8 but the bound is 0.7939
  close(fails.reasons[0]?.bound, 0.7939442071583332);
  assert.equal(checkGates([gate({})], 0.9, ['a'], results).holds, true); // bound 0.8038 at 90 %
  assert.equal(checkGates([gate({})], 0, ['a'], results).holds, true);
});

test('gates on each task, on the pooled mean, on loss, and on a missing suite', () => {
  const results = { heldout: { tasks: { a: m(0.8), b: m(0.9) }, categories: {} } };
  const each = checkGates([gate({ task: 'each', threshold: 0.78 })], 0, ['a', 'b'], results);
  assert.deepEqual(each.reasons.map((r) => [r.task, r.holds]), [['a', true], ['b', true]]);
  const mean = checkGates([gate({ task: 'mean', threshold: 0.8 })], 0.95, ['a', 'b'], results);
  close(mean.reasons[0]?.value, 0.85);
  close(mean.reasons[0]?.bound, 0.8116863892693679); // n = 400 pooled
  assert.equal(mean.holds, true);
  const loss = checkGates([gate({ metric: 'loss', op: '<=', threshold: 0.15 })], 0.95, ['a'], results);
  assert.deepEqual([loss.reasons[0]?.code, loss.holds], ['gate.point', false]); // loss 0.2
  const missing = checkGates([gate({ suite: 'adversarial' })], 0.95, ['a'], results);
  assert.deepEqual([missing.reasons[0]?.code, missing.holds], ['gate.no-data', false]);
});

test('advancing needs W consecutive passes and the minimum stage steps', () => {
  assert.deepEqual([checkAdvance(true, 0, 2, 500, 0).advance, checkAdvance(true, 0, 2, 500, 0).streak], [false, 1]);
  assert.equal(checkAdvance(true, 1, 2, 500, 0).advance, true);
  assert.equal(checkAdvance(true, 1, 2, 500, 600).advance, false);
  assert.equal(checkAdvance(false, 5, 2, 500, 0).streak, 0);
});

test('plateau: least-squares slope over the window against minSlope', () => {
  close(slope([0.5, 0.6, 0.605, 0.607]), 0.0326); // mean .578: (-1.5*-.078 + -.5*.022 + .5*.027 + 1.5*.029) / 5 = .163 / 5
  const p = checkPlateau({ metric: 'accuracy', window: 3, minSlope: 0.01, action: 'lower-lr' }, [0.5, 0.6, 0.605, 0.607]);
  assert.equal(p.plateaued, true);
  close(p.improvement, 0.0035);
  const filling = checkPlateau({ metric: 'accuracy', window: 3, minSlope: 0.01, action: 'lower-lr' }, [0.6, 0.6]);
  assert.deepEqual([filling.plateaued, filling.reason.code], [false, 'plateau.window-filling']);
  // For loss, improvement is the negative slope: a falling loss is progress.
  const loss = checkPlateau({ metric: 'loss', window: 2, minSlope: 0.01, action: 'stop' }, [0.9, 0.8]);
  assert.equal(loss.plateaued, false);
  close(loss.improvement, 0.1);
});

test('Leitner boxes: retention moves a task up a box, forgetting sends it back to box 0', () => {
  const intervals = [1, 2, 4, 8];
  const t = masterTask(0.95, intervals, 10, 0);
  assert.deepEqual(t, { best: 0.95, box: 0, dueLesson: 11, regressed: false, stageIndex: 0 });
  const up = leitnerUpdate('a', { ...t, box: 2 }, 0.93, 0.9, intervals, 20);
  assert.deepEqual([up.mastered.box, up.mastered.dueLesson, up.reason.code], [3, 28, 'review.retained']);
  const top = leitnerUpdate('a', { ...t, box: 3 }, 0.93, 0.9, intervals, 20);
  assert.deepEqual([top.mastered.box, top.mastered.dueLesson], [3, 28]);
  const down = leitnerUpdate('a', { ...t, box: 3 }, 0.7, 0.9, intervals, 20);
  assert.deepEqual([down.mastered.box, down.mastered.dueLesson, down.reason.code], [0, 21, 'review.forgotten']);
  assert.deepEqual(dueTasks(['a', 'b', 'c'], { a: { ...t, dueLesson: 5 }, c: { ...t, dueLesson: 4 }, b: { ...t, dueLesson: 9 } }, 5), ['a', 'c']);
});

test('regression: forgetting band with hysteresis, severe drops, best kept', () => {
  const policy = { forgetThreshold: 0.05, revertThreshold: 0.15, cooldownSteps: 500, maxReverts: 2, hysteresis: 0.02 };
  const base = { best: 0.9, box: 1, dueLesson: 9, regressed: false, stageIndex: 0 };
  const a1 = assessRegression(['a'], { a: base }, { a: 0.84 }, policy);
  assert.deepEqual([a1.entered, a1.severe, a1.mastered.a?.regressed], [['a'], [], true]);
  // Still in the band (drop 0.04 > 0.03): stays regressed, no second entry.
  const a2 = assessRegression(['a'], a1.mastered, { a: 0.86 }, policy);
  assert.deepEqual([a2.entered, a2.mastered.a?.regressed, a2.allRecovered], [[], true, false]);
  // Drop 0.03 <= 0.05 - 0.02: recovered.
  const a3 = assessRegression(['a'], a2.mastered, { a: 0.87 }, policy);
  assert.deepEqual([a3.mastered.a?.regressed, a3.allRecovered], [false, true]);
  const severe = assessRegression(['a'], { a: base }, { a: 0.7 }, policy);
  assert.deepEqual(severe.severe, ['a']);
  close(severe.reasons[0]?.value, 0.2);
  assert.equal(assessRegression(['a'], { a: base }, { a: 0.95 }, policy).mastered.a?.best, 0.95);
});

test('reverts: cooldown, maximum count, hysteresis and a target are all required', () => {
  const policy = { forgetThreshold: 0.05, revertThreshold: 0.15, cooldownSteps: 500, maxReverts: 2, hysteresis: 0.02 };
  const target = { checkpointId: 'c', step: 100, branch: 0, stageIndex: 0, score: 0.9 };
  assert.equal(checkRevert(policy, 0, 1000, null, true, target).allowed, true);
  const cooling = checkRevert(policy, 1, 1400, 1000, true, target);
  assert.deepEqual([cooling.allowed, cooling.reasons[0]?.value], [false, 400]);
  assert.equal(checkRevert(policy, 1, 1500, 1000, true, target).allowed, true);
  assert.equal(checkRevert(policy, 2, 9000, 1000, true, target).allowed, false);
  assert.equal(checkRevert(policy, 1, 9000, 1000, false, target).allowed, false);
  assert.equal(checkRevert(policy, 0, 1000, null, true, null).allowed, false);
});

test('the best gated checkpoint is the furthest stage, then the best score, then the latest', () => {
  const g = (checkpointId: string, stageIndex: number, score: number, step: number) => ({ checkpointId, stageIndex, score, step, branch: 0 });
  assert.equal(bestGatedCheckpoint([g('x', 0, 0.99, 100), g('y', 1, 0.7, 200), g('z', 1, 0.8, 150)])?.checkpointId, 'z');
  assert.equal(bestGatedCheckpoint([g('x', 1, 0.8, 100), g('y', 1, 0.8, 200)])?.checkpointId, 'y');
  assert.equal(bestGatedCheckpoint([]), null);
});

test('early stopping counts evaluations without an improvement above minDelta', () => {
  const policy = { enabled: true, patience: 2, minDelta: 0.01 };
  let s = updateEarlyStop({ best: null, evalsWithoutImprovement: 0 }, 0.5, policy);
  s = updateEarlyStop(s.state, 0.505, policy); // not > 0.51
  assert.deepEqual([s.state.evalsWithoutImprovement, s.stop], [1, false]);
  const improved = updateEarlyStop(s.state, 0.52, policy);
  assert.deepEqual(improved.state, { best: 0.52, evalsWithoutImprovement: 0 });
  s = updateEarlyStop(s.state, 0.4, policy);
  assert.deepEqual([s.state.evalsWithoutImprovement, s.stop], [2, true]);
  assert.equal(updateEarlyStop(s.state, 0.4, { ...policy, enabled: false }).stop, false);
});

test('fairness blocks when the worst category trails the unweighted mean by more than maxGap', () => {
  const cats = { x: m(0.9, 50), y: m(0.85, 50), z: m(0.6, 50), tiny: m(0.1, 5) };
  const f = checkFairness({ maxGap: 0.1, minSamples: 20 }, cats);
  // mean of x, y, z = 0.7833; gap to z = 0.1833 (tiny ignored: n < 20)
  assert.deepEqual([f.blocked, f.worst], [true, 'z']);
  close(f.reasons[0]?.value, 0.7833333333333333 - 0.6);
  assert.equal(checkFairness({ maxGap: 0.2, minSamples: 20 }, cats).blocked, false);
  assert.deepEqual(checkFairness({ maxGap: null, minSamples: 20 }, cats).reasons, []);
});

test('budgets clip lessons and report exhaustion', () => {
  assert.equal(lessonLength(100, 40, 1000), 40);
  assert.equal(lessonLength(100, 0, 1000), 1);
  assert.deepEqual([budgetReason('stage', 500, 500).holds, budgetReason('run', 499, 500).holds], [true, false]);
  close(percentile([1, 2, 3, 4], 0.5), 2.5);
});

test('CL metrics on the Lopez-Paz & Ranzato example with one task per stage', () => {
  // R[i][j]; b = accuracies of the untrained tasks
  const R = [
    [0.9, 0.2, 0.1],
    [0.8, 0.85, 0.3],
    [0.7, 0.8, 0.9],
  ];
  const got = clMetrics(R, [0, 1, 2], [0.1, 0.1, 0.1]);
  close(got.averageAccuracy, (0.7 + 0.8 + 0.9) / 3);
  close(got.backwardTransfer, (0.7 - 0.9 + (0.8 - 0.85)) / 2);
  close(got.forwardTransfer, (0.2 - 0.1 + (0.3 - 0.1)) / 2);
  close(got.forgetting, (0.9 - 0.7 + (0.85 - 0.8)) / 2);
  // After the first stage only: no transfer yet.
  assert.deepEqual(clMetrics([R[0]!], [0, 1, 2], [null, 0.1, 0.1]), { averageAccuracy: 0.9, backwardTransfer: null, forwardTransfer: null, forgetting: null });
});
