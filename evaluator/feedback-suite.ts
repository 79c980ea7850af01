// The 'feedback' suite: the hold-out part of a deployment's feedback pool (see
// tasks/feedback-pool.ts), selected exactly as the command says, scored on the checkpoint and,
// when asked, on the deployed checkpoint too, so the controller compares both on the same items.
import type * as tf from '@tensorflow/tfjs';
import type { Logger } from 'pino';
import type { FeedbackSelection, SuiteMetrics } from '../schemas/events.ts';
import { FEEDBACK_TASK } from '../schemas/common.ts';
import { encodeFeedback, FEEDBACK_WAIT_MS, readPoolUpTo, selectFeedback } from '../tasks/feedback-pool.ts';
import type { TaskSet } from '../tasks/registry.ts';
import type { Example } from '../tasks/task.ts';
import { scoreExamples, type SuiteResult } from './evaluate.ts';
import { byCategory, summarize } from './metrics.ts';

/** The task key the suite reports its pooled metrics under. */

export async function feedbackHoldout(file: string, selection: FeedbackSelection, taskSet: TaskSet, logger: Logger): Promise<Example[]> {
  const { items, complete } = await readPoolUpTo(file, selection.upToCount, FEEDBACK_WAIT_MS);
  if (!complete) logger.warn({ file, upToCount: selection.upToCount, have: items.length }, 'feedback pool behind the command; scoring what it holds');
  const encoded = encodeFeedback(taskSet, selectFeedback(items, selection).holdout);
  if (encoded.skipped.length > 0) logger.warn({ skipped: encoded.skipped.length, first: encoded.skipped[0] }, 'feedback hold-out rows no task can encode were skipped');
  return encoded.examples;
}

export function scoreFeedback(model: tf.LayersModel, taskSet: TaskSet, examples: readonly Example[]): SuiteResult & { pooled: SuiteMetrics } {
  const started = performance.now();
  const outcomes = scoreExamples(model, taskSet.encoding, examples);
  const pooled = summarize(outcomes);
  return { tasks: { [FEEDBACK_TASK]: pooled }, categories: byCategory(outcomes), durationSeconds: (performance.now() - started) / 1000, pooled };
}
