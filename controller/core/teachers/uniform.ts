// Uniform teacher: every stage task equally often.
import type { Proposal, ProposeInput } from './types.ts';
import { uniformOver } from './types.ts';

export function proposeUniform(input: ProposeInput): Proposal {
  return {
    distribution: uniformOver(input.tasks),
    focus: null,
    reasons: [{ code: 'teacher.uniform', policy: 'teacher.uniform', holds: true, message: `each of the ${input.tasks.length} stage tasks equally` }],
    state: input.state,
    rng: input.rng,
  };
}
