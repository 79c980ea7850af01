// The net-loss revert rule (regression.revertNetLoss), driven through the pure core with the
// scripted executors (deterministic event ids and times). Two stages, one task each, as in a
// continual sequence; a is mastered in s1, the checkpoint that passes b's gate is never reached,
// so the revert target is the s1 checkpoint of eval 1 (a 0.90, b 0.10: mean 0.50).
//   bad turn:    eval 3  a 0.60, b 0.10 -> a dropped 0.30 (>= 0.15) and nothing improved:
//                mean over {a, b} 0.35 vs the target's 0.50 = net loss 0.15 >= 0.05 -> revert
//   new task:    eval 3  a 0.60, b 0.70 -> a dropped 0.30, but b learned: mean 0.65 vs 0.50 =
//                net loss -0.15 < 0.05 -> no revert; a regression review of a instead
// Without revertNetLoss (old specs) the same forgetting still reverts, as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Reason } from '../../schemas/events.ts';
import { SimulatedRun } from './support/simulated-executors.ts';
import { spec } from './support/specs.ts';
import { revertNetLoss } from '../../controller/core/policies/regression.ts';

const stage = (id: string, task: string) => ({
  id,
  tasks: [task],
  teacher: { kind: 'uniform' },
  learningRate: { kind: 'constant', value: 0.01 },
  advance: { gates: [{ metric: 'accuracy', task, threshold: 0.8 }], consecutive: 1 },
  maxSteps: 10000,
});

function twoStageSpec(revertNetLoss: number | undefined) {
  return spec({
    tasks: [
      { id: 'a', skill: 's', difficulty: 1, generator: { kind: 'permuted-digits', permutation: 0 } },
      { id: 'b', skill: 's', difficulty: 2, generator: { kind: 'permuted-digits', permutation: 1 } },
    ],
    stages: [stage('s1', 'a'), stage('s2', 'b')],
    // No spaced review before the turn: the lesson under test is a plain training lesson.
    review: { enabled: true, intervals: [8], fraction: 0.25, retentionThreshold: 0.85 },
    regression: { forgetThreshold: 0.05, revertThreshold: 0.15, cooldownSteps: 500, maxReverts: 3, hysteresis: 0.02, ...(revertNetLoss === undefined ? {} : { revertNetLoss }) },
  });
}

/** Evaluations: 0 a learning, 1 a passes (s1 -> s2, gated), 2 b starting, 3 the turn under test, then steady. */
function script(turnB: number): (task: string, ctx: { index: number }) => number {
  const rows: Record<number, Record<string, number>> = {
    0: { a: 0.5, b: 0.1 },
    1: { a: 0.9, b: 0.1 },
    2: { a: 0.9, b: 0.3 },
    3: { a: 0.6, b: turnB },
  };
  return (task, ctx) => rows[ctx.index]?.[task] ?? (task === 'a' ? 0.88 : 0.5);
}

function runUntilTurn(revertNetLoss: number | undefined, turnB: number): SimulatedRun {
  const sim = new SimulatedRun(twoStageSpec(revertNetLoss), script(turnB));
  sim.start();
  // Answer until the fourth evaluation (index 3) has been decided.
  while (sim.decisions.filter((d) => d.payload.kind === 'evaluate').length < 5 && sim.answerNext());
  return sim;
}

function find(reasons: readonly Reason[], code: string): Reason {
  const r = reasons.find((x) => x.code === code);
  assert.ok(r, `reason ${code} in ${reasons.map((x) => x.code).join(', ')}`);
  return r;
}

const turnVerdicts = (sim: SimulatedRun) => sim.verdicts().slice(4).map((d) => d.payload.kind);

test('a lesson that wrecks every task is a net loss and is reverted', () => {
  const sim = runUntilTurn(0.05, 0.1);
  assert.deepEqual(turnVerdicts(sim).slice(0, 1), ['revert']);
  const d = sim.verdicts()[4]!.payload;
  const net = find(d.reasons, 'revert.net-loss');
  assert.equal(net.holds, true);
  assert.ok(Math.abs((net.value ?? 0) - 0.15) < 1e-12, String(net.value)); // (0.9 + 0.1)/2 - (0.6 + 0.1)/2
  assert.deepEqual([net.threshold, net.comparator, net.metric], [0.05, '>=', 'mean-heldout-accuracy-loss']);
  assert.ok(Math.abs((find(d.reasons, 'regression.severe').value ?? 0) - 0.3) < 1e-12);
  const revert = sim.commands.find((c) => c.type === 'checkpoint.revert');
  assert.ok(revert && revert.type === 'checkpoint.revert');
  assert.equal(revert.payload.checkpointId, 'ckpt-1-b0');
  assert.equal(sim.view().reverts, 1);
});

test('forgetting paid for by progress on the new task gets a review, not a revert', () => {
  const sim = runUntilTurn(0.05, 0.7);
  assert.deepEqual(turnVerdicts(sim).slice(0, 2), ['revert-blocked', 'regression-review']);
  const blocked = sim.verdicts()[4]!.payload;
  const net = find(blocked.reasons, 'revert.net-loss');
  assert.equal(net.holds, false);
  assert.ok(Math.abs((net.value ?? 0) + 0.15) < 1e-12, String(net.value)); // 0.50 - (0.6 + 0.7)/2
  assert.equal(net.threshold, 0.05);
  // The other revert conditions held: the net loss alone declined it.
  for (const code of ['revert.cooldown', 'revert.max-reverts', 'revert.hysteresis', 'revert.target']) assert.equal(find(blocked.reasons, code).holds, true, code);
  const review = sim.verdicts()[5]!.payload;
  assert.equal(review.reasons[0]?.code, 'regression.severe');
  assert.equal(review.reasons[0]?.task, 'a');
  assert.equal(find(review.reasons, 'revert.net-loss').holds, false);
  const lesson = sim.commands.filter((c) => c.type === 'lesson.start').at(-1);
  assert.ok(lesson && lesson.type === 'lesson.start');
  assert.equal(lesson.payload.purpose, 'review');
  assert.ok((lesson.payload.taskWeights.a ?? 0) > 0);
  assert.equal(sim.commands.some((c) => c.type === 'checkpoint.revert'), false);
  assert.equal(sim.view().reverts, 0);
});

test('a task still severe after its review is reviewed again while the new task holds its gains', () => {
  const sim = new SimulatedRun(twoStageSpec(0.05), (task, ctx) => {
    if (ctx.index <= 3) return script(0.7)(task, ctx);
    return task === 'a' ? 0.65 : 0.75;
  });
  sim.start();
  while (sim.decisions.filter((d) => d.payload.kind === 'evaluate').length < 6 && sim.answerNext());
  assert.deepEqual(turnVerdicts(sim).slice(0, 4), ['revert-blocked', 'regression-review', 'revert-blocked', 'regression-review']);
  assert.equal(sim.view().reverts, 0);
});

test('without revertNetLoss a severe drop reverts even while the new task improves (specs written before the option)', () => {
  const sim = runUntilTurn(undefined, 0.7);
  assert.deepEqual(turnVerdicts(sim).slice(0, 1), ['revert']);
  const d = sim.verdicts()[4]!.payload;
  assert.equal(d.reasons.some((r) => r.code === 'revert.net-loss'), false);
  assert.equal(sim.view().reverts, 1);
});

test('tasks learned after the revert target count at their accuracy before training, unknown ones as no difference', () => {
  // Target gated in stage 0, scored over {a, b}: mean 0.5. Since then c and d were trained.
  const target = { checkpointId: 'ckpt-1-b0', step: 200, branch: 0, stageIndex: 0, score: 0.5 };
  const n = revertNetLoss(target, { targetTasks: ['a', 'b'], trained: ['a', 'b', 'c', 'd'], heldout: { a: 0.6, b: 0.8, c: 0.7, d: 0.5 }, beforeTraining: { c: 0.1 } });
  // target: 0.5 * 2 + c 0.1 + d (unknown: its current 0.5) = 1.6; current: 0.6 + 0.8 + 0.7 + 0.5 = 2.6
  assert.equal(n.tasks, 4);
  assert.ok(Math.abs(n.loss - (1.6 - 2.6) / 4) < 1e-12, String(n.loss));
});
