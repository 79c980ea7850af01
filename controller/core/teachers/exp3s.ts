// Exp3.S on learning progress (Graves et al. 2017). Each task is an arm with log-weight w_i.
//   policy:   pi_i = (1 - eps) exp(w_i) / sum_j exp(w_j) + eps / N
//   reward:   loss-driven progress of the drawn arm a over the lesson, r = L_before - L_after
//             (L_before: the arm's training loss at the end of the last lesson that sampled it,
//             else the first metrics window of this lesson; L_after: the last window),
//   rescaled: with q20, q80 the 20th and 80th percentiles of a reservoir sample of all past r,
//             r~ = -1 if r < q20, 1 if r > q80, else 2 (r - q20) / (q80 - q20) - 1,
//   update:   r^_i = r~ [i = a] / pi_i,
//             w_i <- log((1 - beta) exp(w_i + eta r^_i) + beta / (N - 1) sum_{j != i} exp(w_j + eta r^_j)).
// A lesson trains the drawn arm (the floor keeps the others alive); the draw uses the run RNG.
import { drawIndex, nextFloat } from '../rng.ts';
import { percentiles } from '../stats.ts';
import type { Observation, ObserveInput, Proposal, ProposeInput } from './types.ts';

interface Exp3sSpec {
  eta: number;
  explorationRate: number;
  shareRate: number;
  reservoirSize: number;
}

export function exp3sPolicy(logWeights: Readonly<Record<string, number>>, tasks: readonly string[], exploration: number): Record<string, number> {
  const max = Math.max(...tasks.map((t) => logWeights[t] ?? 0));
  let total = 0;
  for (const t of tasks) total += Math.exp((logWeights[t] ?? 0) - max);
  const out: Record<string, number> = {};
  for (const t of tasks) out[t] = ((1 - exploration) * Math.exp((logWeights[t] ?? 0) - max)) / total + exploration / tasks.length;
  return out;
}

export function rescaleReward(reward: number, reservoir: readonly number[]): number {
  const [q20, q80] = percentiles(reservoir, [0.2, 0.8]);
  const lo = q20 ?? reward;
  const hi = q80 ?? reward;
  if (reward < lo) return -1;
  if (reward > hi) return 1;
  if (hi === lo) return 0;
  return (2 * (reward - lo)) / (hi - lo) - 1;
}

export function exp3sUpdate(
  logWeights: Readonly<Record<string, number>>,
  tasks: readonly string[],
  arm: string,
  scaledReward: number,
  policy: Readonly<Record<string, number>>,
  eta: number,
  share: number,
): Record<string, number> {
  const boosted: Record<string, number> = {};
  for (const t of tasks) {
    const estimate = t === arm ? scaledReward / (policy[t] ?? 1) : 0;
    boosted[t] = (logWeights[t] ?? 0) + eta * estimate;
  }
  // exp of values shifted by the max: the shift cancels in the normalised policy, keeps exp finite.
  const max = Math.max(...tasks.map((t) => boosted[t] ?? 0));
  const exps: Record<string, number> = {};
  let total = 0;
  for (const t of tasks) {
    exps[t] = Math.exp((boosted[t] ?? 0) - max);
    total += exps[t];
  }
  const n = tasks.length;
  const out: Record<string, number> = {};
  for (const t of tasks) {
    const own = exps[t] ?? 0;
    const shared = n > 1 ? (share / (n - 1)) * (total - own) : 0;
    out[t] = Math.log((n > 1 ? 1 - share : 1) * own + shared) + max;
  }
  return out;
}

/** Reservoir sampling (Vitter's algorithm R): keeps a uniform sample of everything offered. */
export function offerToReservoir(reservoir: readonly number[], seen: number, value: number, size: number, rng: number): { reservoir: number[]; seen: number; rng: number } {
  const count = seen + 1;
  if (reservoir.length < size) return { reservoir: [...reservoir, value], seen: count, rng };
  const [u, next] = nextFloat(rng);
  const j = Math.floor(u * count);
  if (j >= size) return { reservoir: [...reservoir], seen: count, rng: next };
  const copy = [...reservoir];
  copy[j] = value;
  return { reservoir: copy, seen: count, rng: next };
}

export function proposeExp3s(teacher: Exp3sSpec, input: ProposeInput): Proposal {
  const logWeights = input.state.logWeights ?? {};
  const policy = exp3sPolicy(logWeights, input.tasks, teacher.explorationRate);
  const [index, rng] = drawIndex(
    input.tasks.map((t) => policy[t] ?? 0),
    input.rng,
  );
  const arm = input.tasks[index] ?? input.tasks[0] ?? '';
  const distribution: Record<string, number> = {};
  for (const t of input.tasks) distribution[t] = t === arm ? 1 : 0;
  return {
    distribution,
    focus: arm,
    reasons: [
      {
        code: 'teacher.exp3s.arm',
        policy: 'teacher.exp3s',
        holds: true,
        task: arm,
        metric: 'policy',
        value: policy[arm] ?? 0,
        message: `drew ${arm} with probability ${(policy[arm] ?? 0).toFixed(4)}`,
      },
    ],
    state: { ...input.state, policy },
    rng,
  };
}

export function observeExp3s(teacher: Exp3sSpec, input: ObserveInput): Observation {
  const arm = input.focus;
  const lastLoss = { ...(input.state.lastLoss ?? {}) };
  for (const t of input.tasks) {
    const after = input.lesson.lossLast[t];
    if (after !== undefined) lastLoss[t] = after;
  }
  if (arm === null) return { state: { ...input.state, lastLoss }, rng: input.rng, reasons: [] };
  const after = input.lesson.lossLast[arm];
  const before = input.state.lastLoss?.[arm] ?? input.lesson.lossFirst[arm];
  if (after === undefined || before === undefined) return { state: { ...input.state, lastLoss }, rng: input.rng, reasons: [] };
  const reward = before - after;
  const offered = offerToReservoir(input.state.reservoir ?? [], input.state.seen ?? 0, reward, teacher.reservoirSize, input.rng);
  const scaled = rescaleReward(reward, offered.reservoir);
  const policy = input.state.policy ?? exp3sPolicy(input.state.logWeights ?? {}, input.tasks, teacher.explorationRate);
  const logWeights = exp3sUpdate(input.state.logWeights ?? {}, input.tasks, arm, scaled, policy, teacher.eta, teacher.shareRate);
  return {
    state: { ...input.state, lastLoss, logWeights, reservoir: offered.reservoir, seen: offered.seen },
    rng: offered.rng,
    reasons: [
      {
        code: 'teacher.exp3s.reward',
        policy: 'teacher.exp3s',
        holds: true,
        task: arm,
        metric: 'loss-progress',
        value: reward,
        message: `${arm}: loss progress ${reward.toFixed(5)} rescaled to ${scaled.toFixed(4)}`,
      },
    ],
  };
}
