// Retraining batches: a share of every batch comes from the feedback pool's training part, the
// rest from the lesson's task mixture (spaced reviews of the mastered tasks). The choice per row
// comes from the sampler's own seeded stream, so a retraining lesson is reproducible.
import type { Logger } from 'pino';
import type { FeedbackSelection } from '../schemas/events.ts';
import { FEEDBACK_TASK } from '../schemas/common.ts';
import { encodeFeedback, FEEDBACK_WAIT_MS, readPoolUpTo, selectFeedback } from '../tasks/feedback-pool.ts';
import type { TaskSet } from '../tasks/registry.ts';
import type { Example } from '../tasks/task.ts';
import type { Batch, BatchSampler } from './sampler.ts';

/** The task id feedback rows are reported under in trainer metrics. */

export type LessonSampler = Pick<BatchSampler, 'next' | 'rng'>;

export class FeedbackMixSampler implements LessonSampler {
  readonly rng: BatchSampler['rng'];

  constructor(
    private readonly inner: BatchSampler,
    private readonly examples: readonly Example[],
    private readonly fraction: number,
    private readonly inputSize: number,
    private readonly positions: number,
  ) {
    this.rng = inner.rng;
  }

  next(batchSize: number): Batch {
    const batch = this.inner.next(batchSize);
    if (this.examples.length === 0 || this.fraction <= 0) return batch;
    for (let i = 0; i < batchSize; i++) {
      if (this.rng.next() >= this.fraction) continue;
      const example = this.examples[this.rng.int(this.examples.length)] as Example;
      batch.x.set(example.input, i * this.inputSize);
      batch.y.set(example.target, i * this.positions);
      batch.taskOf[i] = FEEDBACK_TASK;
    }
    return batch;
  }
}

/** The lesson's sampler, mixed with the feedback its command selects (unchanged without one). */
export async function withFeedback(
  sampler: BatchSampler,
  selection: FeedbackSelection | undefined,
  file: (deploymentId: string) => string,
  taskSet: TaskSet,
  logger: Logger,
): Promise<LessonSampler> {
  if (!selection) return sampler;
  const { items, complete } = await readPoolUpTo(file(selection.deploymentId), selection.upToCount, FEEDBACK_WAIT_MS);
  if (!complete) logger.warn({ deploymentId: selection.deploymentId, upToCount: selection.upToCount, have: items.length }, 'feedback pool behind the command; training on what it holds');
  const { train } = selectFeedback(items, selection);
  const encoded = encodeFeedback(taskSet, train);
  if (encoded.skipped.length > 0) logger.warn({ skipped: encoded.skipped.length, first: encoded.skipped[0] }, 'feedback rows no task of the run can encode were skipped');
  logger.info({ deploymentId: selection.deploymentId, upToCount: selection.upToCount, train: encoded.examples.length, fraction: selection.fraction }, 'retraining on feedback');
  const { timesteps, features, positions } = taskSet.encoding;
  return new FeedbackMixSampler(sampler, encoded.examples, selection.fraction ?? 0.5, timesteps * features, positions);
}
