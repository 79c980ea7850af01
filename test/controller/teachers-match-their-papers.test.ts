// Each teacher against its paper's formula, with the expected values worked out by hand
// (and checked with a calculator), never by running the code under test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFloor, shiftToward } from '../../controller/core/teachers/floor.ts';
import { proposeFixed } from '../../controller/core/teachers/fixed.ts';
import { proposeUniform } from '../../controller/core/teachers/uniform.ts';
import { competence, difficultyCdf, proposeCompetence } from '../../controller/core/teachers/competence.ts';
import { learningProgress, observeTscl, proposeTscl } from '../../controller/core/teachers/tscl-window.ts';
import { exp3sPolicy, exp3sUpdate, observeExp3s, offerToReservoir, proposeExp3s, rescaleReward } from '../../controller/core/teachers/exp3s.ts';
import { drawIndex, nextUint32, seedState } from '../../controller/core/rng.ts';
import type { ProposeInput } from '../../controller/core/teachers/types.ts';

const close = (actual: number | undefined, expected: number, eps = 1e-9) => assert.ok(actual !== undefined && Math.abs(actual - expected) < eps, `${actual} vs ${expected}`);
const input = (tasks: string[], extra: Partial<ProposeInput> = {}): ProposeInput => ({ tasks, state: {}, rng: 1, stageSteps: 0, difficulty: { a: 1, b: 2, c: 3 }, ...extra });

test('the floor keeps every task at or above it and the mixture sums to 1', () => {
  const p = applyFloor({ a: 1, b: 0, c: 0 }, ['a', 'b', 'c'], 0.02);
  assert.deepEqual(Object.keys(p), ['a', 'b', 'c']);
  close(p.a, 0.96);
  close(p.b, 0.02);
  close(p.c, 0.02);
  // A floor too large for the task count degrades to uniform.
  const q = applyFloor({ a: 1, b: 0, c: 0 }, ['a', 'b', 'c'], 0.4);
  close(q.a, 1 / 3);
  close(q.c, 1 / 3);
});

test('a shift moves its share of the mass onto the target tasks', () => {
  const s = shiftToward({ a: 0.8, b: 0.2 }, ['a', 'b'], ['b'], 0.5);
  close(s.a, 0.4);
  close(s.b, 0.6);
});

test('fixed weights are normalised over the stage tasks', () => {
  const p = proposeFixed({ a: 3, b: 1, z: 5 }, input(['a', 'b']));
  close(p.distribution.a, 0.75);
  close(p.distribution.b, 0.25);
  const floored = applyFloor(p.distribution, ['a', 'b'], 0.02);
  close(floored.a, 0.74);
  close(floored.b, 0.26);
});

test('uniform gives every stage task the same share', () => {
  const p = proposeUniform(input(['a', 'b', 'c', 'd']));
  assert.deepEqual(p.distribution, { a: 0.25, b: 0.25, c: 0.25, d: 0.25 });
});

test('competence pacing: sqrt(t (1 - c0²) / T + c0²) and tasks whose difficulty CDF is within it', () => {
  close(competence(0, 0.1, 1000, 'sqrt'), 0.1);
  close(competence(250, 0.1, 1000, 'sqrt'), 0.507444578254611);
  close(competence(500, 0.1, 1000, 'linear'), 0.55);
  close(competence(5000, 0.1, 1000, 'sqrt'), 1);
  assert.deepEqual(difficultyCdf(['a', 'b', 'c'], { a: 1, b: 2, c: 3 }), { a: 1 / 3, b: 2 / 3, c: 1 });
  const teacher = { initialCompetence: 0.1, rampSteps: 1000, shape: 'sqrt' as const };
  // c(250) = 0.507: only a (CDF 1/3) is available.
  assert.deepEqual(proposeCompetence(teacher, input(['a', 'b', 'c'], { stageSteps: 250 })).distribution, { a: 1, b: 0, c: 0 });
  // c(700) = sqrt(0.703) = 0.838: a and b (CDF 2/3).
  assert.deepEqual(proposeCompetence(teacher, input(['a', 'b', 'c'], { stageSteps: 700 })).distribution, { a: 0.5, b: 0.5, c: 0 });
  // At step 0 (c = 0.1, below every CDF) the easiest task is still available.
  assert.deepEqual(proposeCompetence(teacher, input(['a', 'b', 'c'], { stageSteps: 0 })).distribution, { a: 1, b: 0, c: 0 });
});

test('TSCL window: absolute least-squares slope of the last K scores', () => {
  // x = 0,1,2; y = 0.1,0.2,0.4: slope = sum((x-1)(y-0.2333)) / 2 = 0.3 / 2
  close(learningProgress([0.1, 0.2, 0.4]) ?? -1, 0.15);
  close(learningProgress([0.5, 0.45, 0.4]) ?? -1, 0.05);
  assert.equal(learningProgress([0.5]), null);
});

test('TSCL epsilon-greedy: eps/N everywhere plus 1 - eps on the largest |slope|', () => {
  const state = { scores: { a: [0.1, 0.2, 0.4], b: [0.5, 0.45, 0.4] } };
  const p = proposeTscl({ window: 3, choice: 'epsilon-greedy', epsilon: 0.1, temperature: 0.05 }, input(['a', 'b'], { state }));
  close(p.distribution.a, 0.95);
  close(p.distribution.b, 0.05);
});

test('TSCL Boltzmann: exp(Q/tau) normalised', () => {
  const state = { scores: { a: [0.1, 0.2, 0.4], b: [0.5, 0.45, 0.4] } };
  const p = proposeTscl({ window: 3, choice: 'boltzmann', epsilon: 0.1, temperature: 0.05 }, input(['a', 'b'], { state }));
  // e^(0.15/0.05) / (e^3 + e^1) = 1 / (1 + e^-2)
  close(p.distribution.a, 0.8807970779778824);
  close(p.distribution.b, 1 - 0.8807970779778824);
});

test('TSCL explores tasks without a slope first and keeps only the last K scores', () => {
  const p = proposeTscl({ window: 3, choice: 'epsilon-greedy', epsilon: 0.1, temperature: 0.05 }, input(['a', 'b', 'c'], { state: { scores: { a: [0.1, 0.2], b: [0.3] } } }));
  assert.deepEqual(p.distribution, { a: 0, b: 0.5, c: 0.5 });
  const o = observeTscl({ window: 3, choice: 'epsilon-greedy', epsilon: 0.1, temperature: 0.05 }, {
    tasks: ['a', 'b'],
    state: { scores: { a: [0.1, 0.2, 0.3] } },
    rng: 1,
    focus: null,
    lesson: { accuracy: { a: 0.4, b: 0.9 }, lossFirst: {}, lossLast: {} },
  });
  assert.deepEqual(o.state.scores, { a: [0.2, 0.3, 0.4], b: [0.9] });
});

test('Exp3.S policy: (1 - eps) softmax(w) + eps / N', () => {
  const pi = exp3sPolicy({ a: 1, b: 0, c: -1 }, ['a', 'b', 'c'], 0.05);
  close(pi.a, 0.6486455746527474);
  close(pi.b, 0.24915871416872443);
  close(pi.c, 0.1021957111785281);
});

test('Exp3.S rewards are rescaled by the 20th and 80th percentiles of the reservoir', () => {
  const reservoir = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]; // q20 = 1.8, q80 = 7.2 (linear interpolation)
  assert.equal(rescaleReward(1, reservoir), -1);
  assert.equal(rescaleReward(8, reservoir), 1);
  close(rescaleReward(4.5, reservoir), 0);
  close(rescaleReward(3.15, reservoir), -0.5);
});

test('Exp3.S update: importance-weighted reward on the drawn arm, then weight sharing', () => {
  // w = 0, pi = 0.5, r~ = 1: x_a = 0.1 * 2 = 0.2; w_a = log(0.999 e^0.2 + 0.001), w_b = log(0.999 + 0.001 e^0.2)
  const w = exp3sUpdate({ a: 0, b: 0 }, ['a', 'b'], 'a', 1, { a: 0.5, b: 0.5 }, 0.1, 0.001);
  close(w.a, 0.19981871432182235);
  close(w.b, 0.0002213782521865825);
  // Three arms, negative reward on b: share beta/(N-1) of the others' mass.
  const pi = exp3sPolicy({ a: 1, b: 0, c: -1 }, ['a', 'b', 'c'], 0.05);
  const w3 = exp3sUpdate({ a: 1, b: 0, c: -1 }, ['a', 'b', 'c'], 'b', -0.5, pi, 0.1, 0.001);
  close(w3.a, 0.9992178572896266);
  close(w3.b, -0.19978969728422827);
  close(w3.c, -0.996200679255967);
});

test('Exp3.S learns from loss progress: reward = loss before - loss after on the drawn arm', () => {
  const spec = { eta: 0.1, explorationRate: 0.05, shareRate: 0.001, reservoirSize: 10 };
  const o = observeExp3s(spec, {
    tasks: ['a', 'b'],
    state: { logWeights: { a: 0, b: 0 }, reservoir: [0, 0.1, 0.2, 0.3, 0.4], seen: 5, lastLoss: { a: 1.0 }, policy: { a: 0.5, b: 0.5 } },
    rng: 1,
    focus: 'a',
    lesson: { accuracy: { a: 0.5 }, lossFirst: { a: 0.95 }, lossLast: { a: 0.5 } },
  });
  // r = 1.0 - 0.5 = 0.5 is above q80 of [0, .1, .2, .3, .4, .5] (0.4): r~ = 1, so same numbers as above.
  assert.deepEqual(o.state.reservoir, [0, 0.1, 0.2, 0.3, 0.4, 0.5]);
  close(o.state.logWeights?.a, 0.19981871432182235);
  close(o.state.logWeights?.b, 0.0002213782521865825);
  assert.deepEqual(o.state.lastLoss, { a: 0.5 });
});

test('the reservoir keeps at most its size and replaces with the seeded generator', () => {
  let r = { reservoir: [] as number[], seen: 0, rng: seedState(3) };
  for (let i = 0; i < 50; i++) r = offerToReservoir(r.reservoir, r.seen, i, 10, r.rng);
  assert.equal(r.reservoir.length, 10);
  assert.equal(r.seen, 50);
  let again = { reservoir: [] as number[], seen: 0, rng: seedState(3) };
  for (let i = 0; i < 50; i++) again = offerToReservoir(again.reservoir, again.seen, i, 10, again.rng);
  assert.deepEqual(again, r);
});

test('Exp3.S draws its arm from the policy with the run generator', () => {
  const a = proposeExp3s({ eta: 0.1, explorationRate: 0.05, shareRate: 0.001, reservoirSize: 10 }, input(['a', 'b'], { state: { logWeights: { a: 5, b: -5 } }, rng: seedState(1) }));
  const b = proposeExp3s({ eta: 0.1, explorationRate: 0.05, shareRate: 0.001, reservoirSize: 10 }, input(['a', 'b'], { state: { logWeights: { a: 5, b: -5 } }, rng: seedState(1) }));
  assert.deepEqual(a, b);
  assert.deepEqual(a.distribution[a.focus ?? ''], 1);
  assert.notEqual(a.rng, seedState(1));
});

test('the generator is mulberry32 over a scrambled seed', () => {
  // Reference values computed independently from the published mulberry32 algorithm.
  let s = seedState(7);
  assert.equal(s, 1478832577);
  const out: number[] = [];
  for (let i = 0; i < 3; i++) {
    const [v, next] = nextUint32(s);
    out.push(v);
    s = next;
  }
  assert.deepEqual(out, [2032828762, 2391641623, 3071419330]);
  // 2032828762 / 2^32 = 0.4733 falls in the second bucket of [0.3, 0.7].
  assert.equal(drawIndex([0.3, 0.7], seedState(7))[0], 1);
});
