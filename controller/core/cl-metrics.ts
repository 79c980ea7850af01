// Continual-learning metrics from the accuracy matrix R (rows: stages, columns: tasks; values are
// held-out accuracies in [0, 1], not percentages). With T rows filled so far, s(j) the stage in
// which task j is first trained, and b_j the task's accuracy when first evaluated before training:
//   average accuracy  ACC = mean_j R[T-1][j]                   over tasks trained by stage T-1
//   backward transfer BWT = mean_j (R[T-1][j] - R[s(j)][j])     over tasks with s(j) < T-1
//   forward transfer  FWT = mean_j (R[s(j)-1][j] - b_j)         over tasks with s(j) >= 1
//   forgetting        F   = mean_j max_{l<T-1} R[l][j] - R[T-1][j] over tasks with s(j) < T-1
// (Lopez-Paz & Ranzato 2017 for ACC/BWT/FWT, with several tasks per stage; forgetting as in
// Chaudhry et al. 2018.) Means are unweighted over tasks; a missing entry leaves the task out.

export interface ClMetrics {
  averageAccuracy: number | null;
  backwardTransfer: number | null;
  forwardTransfer: number | null;
  forgetting: number | null;
}

function meanOf(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** firstStage[j]: index of the stage that first trains task j (or -1 if none does). */
export function clMetrics(matrix: readonly (readonly (number | null)[])[], firstStage: readonly number[], baseline: readonly (number | null)[]): ClMetrics {
  const rows = matrix.length;
  if (rows === 0) return { averageAccuracy: null, backwardTransfer: null, forwardTransfer: null, forgetting: null };
  const last = rows - 1;
  const finalRow = matrix[last] ?? [];
  const acc: number[] = [];
  const bwt: number[] = [];
  const fwt: number[] = [];
  const forget: number[] = [];
  firstStage.forEach((s, j) => {
    if (s < 0 || s > last) return;
    const fin = finalRow[j];
    if (fin !== null && fin !== undefined) acc.push(fin);
    if (s < last && fin !== null && fin !== undefined) {
      const atLearn = matrix[s]?.[j];
      if (atLearn !== null && atLearn !== undefined) bwt.push(fin - atLearn);
      let peak: number | null = null;
      for (let l = 0; l < last; l++) {
        const v = matrix[l]?.[j];
        if (v !== null && v !== undefined && (peak === null || v > peak)) peak = v;
      }
      if (peak !== null) forget.push(peak - fin);
    }
    if (s >= 1) {
      const before = matrix[s - 1]?.[j];
      const b = baseline[j];
      if (before !== null && before !== undefined && b !== null && b !== undefined) fwt.push(before - b);
    }
  });
  return { averageAccuracy: meanOf(acc), backwardTransfer: meanOf(bwt), forwardTransfer: meanOf(fwt), forgetting: meanOf(forget) };
}
