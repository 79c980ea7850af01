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

export function leitnerUpdate(
  task: string,
  m: MasteredTask,
  accuracy: number | undefined,
  retentionThreshold: number,
  intervals: readonly number[],
  lessons: number,
): { mastered: MasteredTask; reason: Reason } {
  const retained = accuracy !== undefined && accuracy >= retentionThreshold;
  const box = retained ? Math.min(m.box + 1, intervals.length - 1) : 0;
  const interval = intervalOf(intervals, box);
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
      message: `${task}: ${accuracy === undefined ? 'no result' : accuracy.toFixed(4)} ${retained ? 'retained' : 'forgotten'}; box ${m.box} -> ${box}, next review in ${interval} lesson(s)`,
    },
  };
}
