// How bench:learning counts the training examples behind an evaluation.

/**
 * Samples consumed up to an evaluated checkpoint (branch, step): every metrics window of an earlier
 * branch (abandoned by a revert, still paid for) and those of its branch up to its step, never a
 * window the trainer published after the checkpoint (issue 21: counts were one window high).
 */
export function consumedUpTo(windows: ReadonlyArray<readonly [number, number, number]>, branch: number, step: number): number {
  let total = 0;
  for (const [b, s, n] of windows) if (b < branch || (b === branch && s <= step)) total += n;
  return total;
}
