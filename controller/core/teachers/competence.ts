// Competence-based pacing (Platanios et al. 2019). The model's competence grows with the steps
// trained in the stage,
//   sqrt:   c(t) = min(1, sqrt(t (1 - c0^2) / T + c0^2))
//   linear: c(t) = min(1, t (1 - c0) / T + c0),
// and a task is available when the CDF of its difficulty among the stage tasks is at most c(t).
// The paper samples examples uniformly among the available ones; with a task as the unit of
// difficulty that is uniform over the available tasks. The easiest task is always available.
import type { Proposal, ProposeInput } from './types.ts';

export function competence(stageSteps: number, initial: number, rampSteps: number, shape: 'sqrt' | 'linear'): number {
  const t = Math.max(0, stageSteps);
  if (shape === 'linear') return Math.min(1, (t * (1 - initial)) / rampSteps + initial);
  return Math.min(1, Math.sqrt((t * (1 - initial * initial)) / rampSteps + initial * initial));
}

/** Empirical CDF of each task's difficulty among `tasks`: fraction of tasks at most as hard. */
export function difficultyCdf(tasks: readonly string[], difficulty: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of tasks) {
    const d = difficulty[t] ?? 0;
    out[t] = tasks.filter((u) => (difficulty[u] ?? 0) <= d).length / tasks.length;
  }
  return out;
}

export function proposeCompetence(
  teacher: { initialCompetence: number; rampSteps: number; shape: 'sqrt' | 'linear' },
  input: ProposeInput,
): Proposal {
  const c = competence(input.stageSteps, teacher.initialCompetence, teacher.rampSteps, teacher.shape);
  const cdf = difficultyCdf(input.tasks, input.difficulty);
  const minCdf = Math.min(...input.tasks.map((t) => cdf[t] ?? 1));
  const available = input.tasks.filter((t) => (cdf[t] ?? 1) <= c || (cdf[t] ?? 1) === minCdf);
  const distribution: Record<string, number> = {};
  for (const t of input.tasks) distribution[t] = available.includes(t) ? 1 / available.length : 0;
  return {
    distribution,
    focus: null,
    reasons: [
      {
        code: 'teacher.competence',
        policy: 'teacher.competence',
        holds: true,
        metric: 'competence',
        value: c,
        message: `competence ${c.toFixed(4)} after ${input.stageSteps} stage steps (${teacher.shape}); available: ${available.join(', ')}`,
      },
    ],
    state: input.state,
    rng: input.rng,
  };
}
