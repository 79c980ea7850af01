// Fixed teacher: the user's relative weights, normalised over the stage tasks.
import type { Proposal, ProposeInput } from './types.ts';
import { uniformOver } from './types.ts';

export function proposeFixed(weights: Readonly<Record<string, number>>, input: ProposeInput): Proposal {
  let total = 0;
  for (const t of input.tasks) total += weights[t] ?? 0;
  const distribution: Record<string, number> = {};
  for (const t of input.tasks) distribution[t] = total > 0 ? (weights[t] ?? 0) / total : 1 / input.tasks.length;
  return {
    distribution: total > 0 ? distribution : uniformOver(input.tasks),
    focus: null,
    reasons: [{ code: 'teacher.fixed', policy: 'teacher.fixed', holds: true, message: 'weights as written in the spec, normalised over the stage tasks' }],
    state: input.state,
    rng: input.rng,
  };
}
