// The feedback intake: its own consumer group on the feedback topic. Each valid feedback event
// (the transport validated it against the published schema and dead-lettered it otherwise) is
// appended to its deployment's pool on the shared checkpoint storage, deduplicated by feedbackId
// (a repeat is recorded as a duplicate line: counted like the controller counts it, never used).
// The trainer service runs it, so the embedded and the distributed mode share it; with several
// trainers the group spreads runs over them (the topic is keyed by runId).
import type { Logger } from 'pino';
import type { DeadLetter, EventBus, Subscription } from '../transport/bus.ts';
import { TOPICS } from '../schemas/topics.ts';
import type { Feedback } from '../schemas/events.ts';
import { FeedbackPool, feedbackPoolFile } from '../tasks/feedback-pool.ts';

/** Items kept on disk per deployment; a spec's continual.poolLimit then picks the newest of them. */
export const DEFAULT_POOL_RETENTION = 20000;

export type IntakeOutcome = 'accepted' | 'duplicate' | 'invalid';

export interface FeedbackIntakeOptions {
  bus: EventBus;
  checkpointRoot: string;
  logger: Logger;
  groupId?: string;
  retain?: number;
  onOutcome?: (outcome: IntakeOutcome, feedback: Feedback | null) => void;
}

export interface FeedbackIntake {
  /** Items accepted into a run's pool so far (the trainer waits for a lesson's cut). */
  accepted(runId: string, deploymentId: string): number;
  stop(): Promise<void>;
}

export async function startFeedbackIntake(options: FeedbackIntakeOptions): Promise<FeedbackIntake> {
  const pools = new Map<string, FeedbackPool>();
  const pool = (runId: string, deploymentId: string): FeedbackPool => {
    const file = feedbackPoolFile(options.checkpointRoot, runId, deploymentId);
    let p = pools.get(file);
    if (!p) {
      p = new FeedbackPool(file, options.retain ?? DEFAULT_POOL_RETENTION);
      pools.set(file, p);
    }
    return p;
  };
  const subscription: Subscription = await options.bus.subscribe({
    groupId: options.groupId ?? 'curriculum-feedback-intake',
    topics: [TOPICS.feedback],
    handle: async ({ event, partition, offset }) => {
      if (event.type !== 'feedback') return;
      // Kafka offsets outlive a restart and fence redeliveries; the embedded memory log starts
      // afresh with every process (offsets restart at 0) and never redelivers, so none is kept.
      const position = options.bus.kind === 'kafka' ? { partition, offset } : undefined;
      const outcome = pool(event.runId, event.payload.deploymentId).append(event.payload, position);
      if (outcome === 'redelivered') return;
      options.onOutcome?.(outcome, event.payload);
      if (outcome === 'duplicate') options.logger.debug({ runId: event.runId, feedbackId: event.payload.feedbackId }, 'duplicate feedback dropped');
    },
    onDeadLetter: (letter: DeadLetter) => {
      options.logger.warn({ letter }, 'invalid feedback dead-lettered');
      options.onOutcome?.('invalid', null);
    },
  });
  return {
    accepted: (runId, deploymentId) => pool(runId, deploymentId).accepted,
    stop: () => subscription.stop(),
  };
}
