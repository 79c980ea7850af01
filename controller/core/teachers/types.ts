// What every teacher sees and returns. A teacher proposes the raw sampling distribution over
// the stage's tasks for the next lesson; the floor and any policy shifts are applied afterwards.
import type { Reason } from '../../../schemas/events.ts';

/** Per-teacher memory kept in the run snapshot; fields are only present for the teachers that use them. */
export interface TeacherState {
  /** TSCL: the last K lesson scores of each task, oldest first. */
  scores?: Record<string, number[]>;
  /** Exp3.S: log-weights of the arms (one arm per task). */
  logWeights?: Record<string, number>;
  /** Exp3.S: reservoir sample of past unscaled rewards. */
  reservoir?: number[];
  /** Exp3.S: rewards offered to the reservoir so far. */
  seen?: number;
  /** Exp3.S: training loss of each task at the end of the last lesson that sampled it. */
  lastLoss?: Record<string, number>;
  /** Exp3.S: the policy the last arm was drawn from (needed for the importance weight). */
  policy?: Record<string, number>;
}

/** Training signal of one finished lesson, per task that received samples. */
export interface LessonStats {
  /** Sample-weighted training accuracy over the lesson. */
  accuracy: Record<string, number>;
  /** Training loss of the first and last metrics window of the lesson. */
  lossFirst: Record<string, number>;
  lossLast: Record<string, number>;
}

export interface Proposal {
  /** Raw distribution over the stage tasks (sums to 1), before the floor. */
  distribution: Record<string, number>;
  /** The arm a bandit teacher drew, if any. */
  focus: string | null;
  reasons: Reason[];
  state: TeacherState;
  rng: number;
}

export interface ProposeInput {
  tasks: readonly string[];
  state: TeacherState;
  rng: number;
  /** Steps trained in the current stage (competence pacing). */
  stageSteps: number;
  difficulty: Readonly<Record<string, number>>;
}

export interface ObserveInput {
  tasks: readonly string[];
  state: TeacherState;
  rng: number;
  focus: string | null;
  lesson: LessonStats;
}

export interface Observation {
  state: TeacherState;
  rng: number;
  reasons: Reason[];
}

export function uniformOver(tasks: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of tasks) out[t] = 1 / tasks.length;
  return out;
}
