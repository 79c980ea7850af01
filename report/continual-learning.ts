// Continual-learning metrics over the accuracy matrix R (rows: stages, columns: tasks),
// after Lopez-Paz and Ranzato 2017 (ACC, BWT, FWT) and Chaudhry et al. 2018 (forgetting).
// Our stages train several tasks, so s(j), "the stage that learned task j", is the first stage
// whose task list contains j. With T rows:
//   ACC = mean_j R[T-1][j]                        over tasks with s(j) <= T-1
//   BWT = mean_j (R[T-1][j] - R[s(j)][j])         over tasks with s(j) < T-1
//   FWT = mean_j (R[s(j)-1][j] - b_j)             over tasks with s(j) >= 1 and a baseline b_j
//   F   = mean_j max_{l<T-1} R[l][j] - R[T-1][j]  over tasks with s(j) < T-1
// These are the definitions of the controller's own run view (controller/core/cl-metrics.ts),
// so a summary derived from the logs agrees with the one the runtime writes.
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

const mean = (xs: number[]): number | null => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);

/** ACC, BWT, FWT and forgetting; each null when the matrix cannot support it (e.g. one stage). */
export function continualLearningMetrics(input: ContinualLearningInput): ContinualLearningSummary {
  const { tasks, stages, stageTasks, matrix } = input;
  const last = stages.length - 1;
  const at = (i: number, j: number): number | null => matrix[i]?.[j] ?? null;
  const introducedAt = tasks.map((task) => stages.findIndex((s) => (stageTasks[s] ?? []).includes(task)));

  const finalRow = last >= 0
    ? tasks.map((_, j) => ((introducedAt[j] ?? -1) >= 0 ? at(last, j) : null)).filter((v): v is number => v !== null)
    : [];
  const averageAccuracy = mean(finalRow);

  const backward: number[] = [];
  const forward: number[] = [];
  const forgetting: number[] = [];
  tasks.forEach((task, j) => {
    const s = introducedAt[j] ?? -1;
    if (s < 0) return;
    const final = at(last, j);
    if (s < last && final !== null) {
      const learned = at(s, j);
      if (learned !== null) backward.push(final - learned);
      const earlier = [];
      for (let l = 0; l < last; l++) {
        const v = at(l, j);
        if (v !== null) earlier.push(v);
      }
      if (earlier.length > 0) forgetting.push(Math.max(...earlier) - final);
    }
    if (s > 0) {
      const before = at(s - 1, j);
      const b = input.baseline?.[task];
      if (before !== null && b !== undefined) forward.push(before - b);
    }
  });

  return {
    tasks: [...tasks],
    stages: [...stages],
    matrix: matrix.map((row) => tasks.map((_, j) => row[j] ?? null)),
    averageAccuracy,
    backwardTransfer: mean(backward),
    forwardTransfer: mean(forward),
    forgetting: mean(forgetting),
  };
}
