// Spaced review with Leitner boxes. A mastered task sits in box b and is due intervals[b] lessons
// after its last review. A review that shows retention (held-out accuracy >= retentionThreshold)
// moves it up one box (the interval grows); one that shows forgetting sends it back to box 0.
import type { Reason } from '../../../schemas/events.ts';
import type { MasteredTask } from '../snapshot.ts';

export function intervalOf(intervals: readonly number[], box: number): number {
  return intervals[Math.min(box, intervals.length - 1)] ?? 1;
}

export function masterTask(accuracy: number, intervals: readonly number[], lessons: number, stageIndex: number): MasteredTask {
  return { best: accuracy, box: 0, dueLesson: lessons + intervalOf(intervals, 0), regressed: false, stageIndex };
}

/** Mastered tasks due for review at `lessons`, in the order given. */
export function dueTasks(order: readonly string[], mastered: Readonly<Record<string, MasteredTask>>, lessons: number): string[] {
  return order.filter((t) => {
    const m = mastered[t];
    return m !== undefined && m.dueLesson <= lessons;
  });
}

/** Why a task is in a review: its box and the lesson it fell due at (`lessons` is the count it is due by). */
export function dueReason(task: string, m: MasteredTask | undefined, lessons: number): Reason {
  return {
    code: 'review.due',
    policy: 'review.leitner',
    holds: true,
    task,
    metric: 'lessons',
    value: lessons,
    threshold: m?.dueLesson ?? 0,
    comparator: '>=',
    message: `${task} (box ${m?.box ?? 0}) due at lesson ${m?.dueLesson ?? 0}`,
  };
}

/**
 * The mastered tasks a retraining lesson rehearses. Retrainings are rare (each waits for new
 * feedback), so a task falling due while the lesson runs (by `lessons + 1`, the count once it
 * ends) is rehearsed in it rather than a whole retraining later: a task in box b is rehearsed
 * every intervals[b]-th retraining, and one sent back to box 0 in the very next. When none is
 * due, the mastered task(s) due soonest (ties: the lowest box, then all tied) are rehearsed, so
 * the non-feedback share of a retraining batch always reviews what is most at risk.
 */
export function retrainReview(order: readonly string[], mastered: Readonly<Record<string, MasteredTask>>, lessons: number): { tasks: string[]; reasons: Reason[] } {
  const by = lessons + 1;
  const due = dueTasks(order, mastered, by);
  if (due.length > 0) return { tasks: due, reasons: due.map((t) => dueReason(t, mastered[t], by)) };
  const candidates = order.flatMap((t) => {
    const m = mastered[t];
    return m ? [{ t, m }] : [];
  });
  if (candidates.length === 0) return { tasks: [], reasons: [] };
  const soonest = Math.min(...candidates.map((c) => c.m.dueLesson));
  const atSoonest = candidates.filter((c) => c.m.dueLesson === soonest);
  const lowestBox = Math.min(...atSoonest.map((c) => c.m.box));
  const picked = atSoonest.filter((c) => c.m.box === lowestBox);
  return {
    tasks: picked.map((c) => c.t),
    reasons: picked.map(({ t, m }) => ({
      code: 'review.soonest',
      policy: 'review.leitner',
      holds: true,
      task: t,
      metric: 'lessons',
      value: by,
      threshold: m.dueLesson,
      comparator: '>=',
      message: `${t} (box ${m.box}) due at lesson ${m.dueLesson}, the soonest: no mastered task is due by lesson ${by}`,
    })),
  };
}

/**
 * `mayPromote` false (evidence from a candidate that is not deployed): forgetting still sends the
 * task to box 0, but retention keeps its box and only restarts its interval, because moving a
 * task up certifies the retention of the model that is actually deployed.
 */
export function leitnerUpdate(
  task: string,
  m: MasteredTask,
  accuracy: number | undefined,
  retentionThreshold: number,
  intervals: readonly number[],
  lessons: number,
  mayPromote = true,
): { mastered: MasteredTask; reason: Reason } {
  const retained = accuracy !== undefined && accuracy >= retentionThreshold;
  const box = retained ? (mayPromote ? Math.min(m.box + 1, intervals.length - 1) : m.box) : 0;
  const interval = intervalOf(intervals, box);
  const held = retained && !mayPromote ? ' (kept: the candidate was not deployed)' : '';
  return {
    mastered: { ...m, box, dueLesson: lessons + interval },
    reason: {
      code: retained ? 'review.retained' : 'review.forgotten',
      policy: 'review.leitner',
      holds: retained,
      task,
      metric: 'heldout-accuracy',
      ...(accuracy !== undefined ? { value: accuracy } : {}),
      threshold: retentionThreshold,
      comparator: '>=',
      message: `${task}: ${accuracy === undefined ? 'no result' : accuracy.toFixed(4)} ${retained ? 'retained' : 'forgotten'}; box ${m.box} -> ${box}${held}, next review in ${interval} lesson(s)`,
    },
  };
}

/** Leitner updates of the reviewed tasks that are mastered; `accuracyOf` reads the evidence. */
export function updateReviewed(
  tasks: readonly string[],
  mastered: Readonly<Record<string, MasteredTask>>,
  accuracyOf: (task: string) => number | undefined,
  policy: { retentionThreshold: number; intervals: readonly number[] },
  lessons: number,
  mayPromote = true,
): { mastered: Record<string, MasteredTask>; reasons: Reason[] } {
  const next = { ...mastered };
  const reasons: Reason[] = [];
  for (const task of tasks) {
    const m = next[task];
    if (!m) continue;
    const update = leitnerUpdate(task, m, accuracyOf(task), policy.retentionThreshold, policy.intervals, lessons, mayPromote);
    next[task] = update.mastered;
    reasons.push(update.reason);
  }
  return { mastered: next, reasons };
}
