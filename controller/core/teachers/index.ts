// Dispatch over the teacher kinds of the spec.
import type { Teacher } from '../../../schemas/spec.ts';
import { proposeCompetence } from './competence.ts';
import { observeExp3s, proposeExp3s } from './exp3s.ts';
import { proposeFixed } from './fixed.ts';
import { observeTscl, proposeTscl } from './tscl-window.ts';
import type { Observation, ObserveInput, Proposal, ProposeInput } from './types.ts';
import { proposeUniform } from './uniform.ts';

export type { LessonStats, TeacherState, Proposal } from './types.ts';
export { applyFloor, shiftToward } from './floor.ts';

export function propose(teacher: Teacher, input: ProposeInput): Proposal {
  switch (teacher.kind) {
    case 'fixed':
      return proposeFixed(teacher.weights, input);
    case 'uniform':
      return proposeUniform(input);
    case 'competence':
      return proposeCompetence(teacher, input);
    case 'tscl-window':
      return proposeTscl(teacher, input);
    case 'exp3s':
      return proposeExp3s(teacher, input);
  }
}

export function observe(teacher: Teacher, input: ObserveInput): Observation {
  switch (teacher.kind) {
    case 'tscl-window':
      return observeTscl(teacher, input);
    case 'exp3s':
      return observeExp3s(teacher, input);
    default:
      return { state: input.state, rng: input.rng, reasons: [] };
  }
}
