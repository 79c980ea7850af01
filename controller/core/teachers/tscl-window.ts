// TSCL Window (Matiisen et al. 2017). Each task keeps its last K lesson scores; its learning
// progress Q_i is the absolute least-squares slope of those scores against the lesson index
// (absolute, so forgetting attracts practice as much as learning does). The choice policy over
// Q is epsilon-greedy, p_i = eps / N + (1 - eps) [i in argmax Q] / |argmax Q|, or Boltzmann,
// p_i = exp(Q_i / tau) / sum_j exp(Q_j / tau). The paper draws one task per batch from p; the
// lesson carries p itself as the mixture, which is the same draw made by the trainer's sampler.
// Tasks with fewer than two scores have no slope yet and are tried first.
import { slope } from '../stats.ts';
import type { Observation, ObserveInput, Proposal, ProposeInput, TeacherState } from './types.ts';
import { uniformOver } from './types.ts';

interface TsclSpec {
  window: number;
  choice: 'epsilon-greedy' | 'boltzmann';
  epsilon: number;
  temperature: number;
}

export function learningProgress(scores: readonly number[] | undefined): number | null {
  const s = slope(scores ?? []);
  return s === null ? null : Math.abs(s);
}

export function proposeTscl(teacher: TsclSpec, input: ProposeInput): Proposal {
  const scores = input.state.scores ?? {};
  const progress: Record<string, number | null> = {};
  for (const t of input.tasks) progress[t] = learningProgress(scores[t]);
  const unexplored = input.tasks.filter((t) => progress[t] === null);
  let distribution: Record<string, number>;
  if (unexplored.length > 0) {
    distribution = {};
    for (const t of input.tasks) distribution[t] = unexplored.includes(t) ? 1 / unexplored.length : 0;
  } else if (teacher.choice === 'epsilon-greedy') {
    const best = Math.max(...input.tasks.map((t) => progress[t] ?? 0));
    const argmax = input.tasks.filter((t) => (progress[t] ?? 0) === best);
    const n = input.tasks.length;
    distribution = {};
    for (const t of input.tasks) distribution[t] = teacher.epsilon / n + (argmax.includes(t) ? (1 - teacher.epsilon) / argmax.length : 0);
  } else {
    const best = Math.max(...input.tasks.map((t) => progress[t] ?? 0));
    let total = 0;
    const raw: Record<string, number> = {};
    for (const t of input.tasks) {
      raw[t] = Math.exp(((progress[t] ?? 0) - best) / teacher.temperature);
      total += raw[t];
    }
    distribution = {};
    for (const t of input.tasks) distribution[t] = (raw[t] ?? 0) / total;
  }
  if (input.tasks.length === 0) distribution = uniformOver(input.tasks);
  return {
    distribution,
    focus: null,
    reasons: input.tasks.map((t) => ({
      code: progress[t] === null ? 'teacher.tscl.unexplored' : 'teacher.tscl.progress',
      policy: `teacher.tscl-window.${teacher.choice}`,
      holds: true,
      task: t,
      metric: 'abs-slope',
      ...(progress[t] !== null ? { value: progress[t] } : {}),
      message:
        progress[t] === null
          ? `${t}: fewer than 2 scores, explored first`
          : `${t}: |slope| of the last ${(scores[t] ?? []).length} lesson scores is ${(progress[t] ?? 0).toFixed(5)}`,
    })),
    state: input.state,
    rng: input.rng,
  };
}

/** Appends each sampled task's lesson score, keeping the last K. */
export function observeTscl(teacher: TsclSpec, input: ObserveInput): Observation {
  const scores: Record<string, number[]> = { ...(input.state.scores ?? {}) };
  for (const t of input.tasks) {
    const score = input.lesson.accuracy[t];
    if (score === undefined) continue;
    scores[t] = [...(scores[t] ?? []), score].slice(-teacher.window);
  }
  const state: TeacherState = { ...input.state, scores };
  return { state, rng: input.rng, reasons: [] };
}
