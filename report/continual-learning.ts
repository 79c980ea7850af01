// Continual-learning metrics over the accuracy matrix R (rows: stages, columns: tasks),
// after Lopez-Paz and Ranzato 2017 (ACC, BWT, FWT) and Chaudhry et al. 2018 (forgetting).
// Our stages train several tasks, so s(j), "the stage that learned task j", is the first stage
// whose task list contains j. With T rows:
//   ACC = mean_j R[T-1][j]                        over tasks with s(j) <= T-1
//   BWT = mean_j (R[T-1][j] - R[s(j)][j])         over tasks with s(j) < T-1
//   FWT = mean_j (R[s(j)-1][j] - b_j)             over tasks with s(j) >= 1 and a baseline b_j
//   F   = mean_j max_{l<T-1} R[l][j] - R[T-1][j]  over tasks with s(j) < T-1
// The arithmetic is the controller's own (controller/core/cl-metrics.ts), so a summary derived
// from the logs agrees with the one the runtime writes; this file only maps stage and task ids
// to the matrix's rows and columns.
import { clMetrics } from '../controller/core/cl-metrics.ts';
import type { ContinualLearningSummary } from './run-summary.ts';

export interface ContinualLearningInput {
  /** Column order. */
  tasks: readonly string[];
  /** Row order: stage ids, in the order they ran. */
  stages: readonly string[];
  /** Task ids each stage trains, by stage id (from the spec); decides where a task is introduced. */
  stageTasks: Readonly<Record<string, readonly string[]>>;
  /** R[i][j]: held-out accuracy on task j at the end of stage i; null when not evaluated. */
  matrix: ReadonlyArray<ReadonlyArray<number | null>>;
  /**
   * b_j of FWT: the task's accuracy when first evaluated, before any stage trained it (or its
   * chance level). Tasks without one are left out of FWT.
   */
  baseline?: Readonly<Record<string, number>>;
}

/** ACC, BWT, FWT and forgetting; each null when the matrix cannot support it (e.g. one stage). */
export function continualLearningMetrics(input: ContinualLearningInput): ContinualLearningSummary {
  const { tasks, stages, stageTasks } = input;
  const matrix = stages.map((_, i) => tasks.map((_, j) => input.matrix[i]?.[j] ?? null));
  const introducedAt = tasks.map((task) => stages.findIndex((s) => (stageTasks[s] ?? []).includes(task)));
  const baseline = tasks.map((task) => input.baseline?.[task] ?? null);
  return { tasks: [...tasks], stages: [...stages], matrix, ...clMetrics(matrix, introducedAt, baseline) };
}
