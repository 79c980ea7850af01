// Whether a feedback row can apply to a run: its deployment, and an input and label some task of
// the run encodes. One check for every entry (the CLI before sending, the embedded inbox before
// publishing, the controller for whatever reaches the feedback topic), so a row that cannot apply
// is refused with its reason and never pooled nor counted.
import type { Feedback } from '../schemas/events.ts';
import type { ResolvedSpec } from '../schemas/spec.ts';
import { isCurriculumError } from '../schemas/errors.ts';
import { encodeThroughTasks } from './feedback-pool.ts';
import { buildTaskSet, type TaskSet } from './registry.ts';

/** Why the row cannot apply to the run (naming the field), or null when it can. */
export function feedbackRefusal(taskSet: TaskSet, deploymentId: string, row: Feedback): string | null {
  if (row.deploymentId !== deploymentId) return `deploymentId: "${row.deploymentId.slice(0, 80)}" is not this run's deployment ("${deploymentId}")`;
  const encoded = encodeThroughTasks(taskSet, row);
  return typeof encoded === 'string' ? `input/label: ${encoded}` : null;
}

/** The row named for an error message: its feedbackId. */
export function describeFeedbackRow(row: Pick<Feedback, 'feedbackId'>): string {
  return `feedback "${row.feedbackId.slice(0, 80)}"`;
}

/**
 * The check for one run: its spec and the directory its dataset paths resolve against. The
 * tasks are built on first use (cached by buildTaskSet, so the trainer's copy is shared).
 */
export function runFeedbackCheck(spec: ResolvedSpec, baseDir: string): (row: Feedback) => string | null {
  return (row) => {
    if (!spec.continual.enabled) return 'the run has no continual phase (continual.enabled is false): no feedback applies to it';
    let taskSet: TaskSet;
    try {
      taskSet = buildTaskSet({ seed: spec.seed, tasks: spec.tasks, baseDir });
    } catch (e) {
      if (!isCurriculumError(e)) throw e;
      return `the run's tasks cannot encode feedback: ${e.message}`;
    }
    return feedbackRefusal(taskSet, spec.continual.deploymentId, row);
  };
}
