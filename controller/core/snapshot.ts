// The persisted state of one run: plain JSON, small, versioned. Everything the core needs to
// decide the next step is here; nothing is read from outside (no clock, no RNG, no I/O).
import type { CategoryScore } from './policies/category-regression.ts';
import type { Decision, Reason, SuiteMetrics, SuiteName } from '../../schemas/events.ts';
import type { ResolvedSpec } from '../../schemas/spec.ts';
import type { PersistedMachine } from './machine.ts';
import type { TeacherState } from './teachers/index.ts';

export const MACHINE_ID = 'curriculum-run';
/** Bumped with every change to the machine or the snapshot shape; migrations.ts upgrades older ones. */
export const MACHINE_VERSION = 3;

export type LessonPurpose = 'train' | 'review' | 'retrain';

/** Per-task training signal accumulated over the lesson's metrics windows. */
export interface TaskAccumulator {
  correct: number;
  samples: number;
  lossFirst: number;
  lossLast: number;
}

export interface LessonInFlight {
  kind: 'lesson';
  commandId: string;
  lessonId: string;
  purpose: LessonPurpose;
  startStep: number;
  steps: number;
  fromCheckpointId: string | null;
  weights: Record<string, number>;
  focus: string | null;
  reviewTasks: string[];
  attempts: number;
  lastMetricsStep: number;
  tasks: Record<string, TaskAccumulator>;
  /** Set when the lesson-end checkpoint arrived (possibly while paused). */
  completed: { checkpointId: string; step: number } | null;
  /** The lesson.start payload, kept to re-send it under a new command id on retry. */
  samplerSeed: number;
  scheduleOffsetSteps: number;
  /** Retraining lessons: the feedback pool is cut at this many items (fixed at the trigger, kept for retries). Since version 3. */
  feedbackUpTo?: number;
}

export interface SuiteResult {
  tasks: Record<string, SuiteMetrics>;
  categories: Record<string, SuiteMetrics>;
  /** Feedback suite: the same hold-out scored on the deployed checkpoint. Since version 3. */
  baseline?: { checkpointId: string; metrics: SuiteMetrics };
}

/** What an evaluation is for: after a lesson of that purpose, or a drift check of the deployed model. */
export type EvaluationPurpose = LessonPurpose | 'drift-check';

export interface EvaluationInFlight {
  kind: 'evaluate';
  commandId: string;
  checkpointId: string;
  branch: number;
  step: number;
  purpose: EvaluationPurpose;
  reviewTasks: string[];
  suites: SuiteName[];
  tasks: string[];
  attempts: number;
  results: Partial<Record<SuiteName, SuiteResult>>;
  /** Feedback suite: pool cut and the checkpoint scored for comparison. Since version 3. */
  feedbackUpTo?: number;
  baselineCheckpointId?: string;
}

export interface MasteredTask {
  /** Best held-out accuracy seen since mastery. */
  best: number;
  /** Leitner box (index into review.intervals). */
  box: number;
  /** Lesson count at which the next review is due. */
  dueLesson: number;
  /** In the forgetting band; cleared only below forgetThreshold - hysteresis. */
  regressed: boolean;
  stageIndex: number;
}

export interface GatedCheckpoint {
  checkpointId: string;
  step: number;
  branch: number;
  stageIndex: number;
  /** Mean held-out accuracy over the tasks evaluated. */
  score: number;
}

export interface StageRecord {
  id: string;
  startedStep: number | null;
  endedStep: number | null;
  outcome: string | null;
  rationale?: string;
}

export interface ContinualState {
  deployedCheckpointId: string | null;
  deployedHeldout: Record<string, number>;
  feedbackSinceRetrain: number;
  errorsSinceRetrain: number;
  /** Accuracy of the deployed model on feedback, 1 - error rate when retraining was triggered. */
  baselineFeedbackAccuracy: number | null;
  promotions: number;
  rejections: number;
  /** Since version 3. Step of the deployed checkpoint (a rejected candidate reverts to it). */
  deployedStep: number;
  /** Feedback items of the deployment counted since the run began (the pool's acceptance order). */
  feedbackTotal: number;
  /** feedbackTotal when the last drift check was requested. */
  lastDriftCheckAt: number;
  /** Drift of the last check: held-out accuracy at deployment minus feedback hold-out accuracy. */
  lastDrift: number | null;
  /**
   * Repeats the pool recognised since the last retraining (re-sent ids, content duplicates):
   * counted once, so not in feedbackSinceRetrain. Set once pooled feedback arrives; runs fed raw
   * feedback events (older snapshots, replay fixtures) lack it and decide exactly as before.
   */
  repeatedSinceRetrain?: number;
  /** Repeats the pool recognised since the run began (with repeatedSinceRetrain). */
  repeatedTotal?: number;
  /** Held-out accuracy and sample count per class/category of the deployed model; only with continual.categoryRegression. */
  deployedCategories?: Record<string, CategoryScore>;
}

export interface RunData {
  rng: number;
  nextCommand: number;
  nextDecision: number;
  nextLesson: number;
  /** Position of the model on the current branch. */
  step: number;
  /** Steps trained in total, across branches (budgets and cooldown count these). */
  trainedSteps: number;
  samples: number;
  branch: number;
  lessons: number;
  stageLessons: number;
  stageTrainedSteps: number;
  stageStartTrainedSteps: number;
  inFlight: LessonInFlight | EvaluationInFlight | null;
  lastCheckpoint: { checkpointId: string; step: number; branch: number } | null;
  weights: Record<string, number>;
  learningRateScale: number;
  teacher: TeacherState;
  shift: { tasks: string[]; strength: number; source: 'plateau' | 'fairness' } | null;
  gateStreak: number;
  plateauWindow: number[];
  earlyStop: { best: number | null; evalsWithoutImprovement: number };
  earlyStopped: boolean;
  heldout: Record<string, number>;
  mastered: Record<string, MasteredTask>;
  gated: GatedCheckpoint[];
  reverts: number;
  lastRevertTrainedSteps: number | null;
  /** Hysteresis of reverts: disarmed by a revert, re-armed once every mastered task recovered. */
  revertArmed: boolean;
  reviews: number;
  stages: StageRecord[];
  /** R[i][j]: held-out accuracy on task j (spec order) at the end of stage i; the current stage's row is provisional. */
  clMatrix: (number | null)[][];
  /** Accuracy of each task the first time it was evaluated before being trained (for forward transfer). */
  clBaseline: (number | null)[];
  continual: ContinualState;
  /** Absolute epoch-ms deadline for progress of the command in flight (fired by tick events). */
  deadline: number | null;
  recentEventIds: string[];
  counters: Record<string, number>;
  lastDecision: Decision | null;
  decisionsCount: number;
  /** What the teacher learned from the last lesson (Exp3.S rewards), logged with the next lesson decision. Since version 2. */
  teacherNotes: Reason[];
  failureReason: string | null;
  /** Held-out scores per class/category at the last advance; only with fairness.categoryRegression. */
  advanceCategories?: Record<string, CategoryScore>;
}

export interface RunSnapshot {
  machineId: string;
  machineVersion: number;
  runId: string;
  producer: string;
  baseDir: string;
  spec: ResolvedSpec;
  machine: PersistedMachine;
  data: RunData;
}
