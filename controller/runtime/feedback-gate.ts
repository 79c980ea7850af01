// The controller's edge for production feedback: the one place that knows the run's spec and
// writes the run's feedback pool, so what is pooled and what the core counts cannot disagree.
// A delivered feedback event is checked against its run (deployment, an input and label some
// task of the run encodes); a refused one is dead-lettered with the reason and never pooled nor
// counted. An admitted one is appended to the pool (which dedupes by id and content over its whole
// history) and handed to the pure core with the pool's verdict as event data.
import type { Delivery } from '../../transport/bus.ts';
import type { EnvelopeOf } from '../../schemas/events.ts';
import { FeedbackPool, feedbackPoolFile, DEFAULT_POOL_RETENTION } from '../../tasks/feedback-pool.ts';
import { describeFeedbackRow, runFeedbackCheck } from '../../tasks/feedback-admission.ts';
import { isTerminal, type PooledFeedbackEvent } from '../core/apply-event.ts';
import type { RunSnapshot } from '../core/index.ts';

export type GateAnswer = { kind: 'refused'; reason: string } | { kind: 'pooled'; event: PooledFeedbackEvent } | { kind: 'core' };

export class FeedbackGate {
  private readonly pools = new Map<string, FeedbackPool>();
  /** Per spec object (a run's spec is one object for the life of its cached snapshot). */
  private readonly checks = new WeakMap<object, (row: EnvelopeOf<'feedback'>['payload']) => string | null>();

  /**
   * `positioned`: log offsets outlive a restart (Kafka) and fence redeliveries in the pool too; the
   * embedded memory log starts afresh with every process and never redelivers, so none is kept.
   */
  constructor(
    private readonly checkpointRoot: string,
    private readonly positioned: boolean,
    private readonly retain = DEFAULT_POOL_RETENTION,
  ) {}

  admit(core: RunSnapshot, event: EnvelopeOf<'feedback'>, delivery: Delivery): GateAnswer {
    // A finished run takes nothing: the core notes it as ignored, nothing is pooled.
    if (isTerminal(core.machine)) return { kind: 'core' };
    const reason = this.refusal(core, event);
    if (reason !== null) return { kind: 'refused', reason: `${describeFeedbackRow(event.payload)}: ${reason} (from ${event.producer})` };
    const file = feedbackPoolFile(this.checkpointRoot, core.runId, event.payload.deploymentId);
    let pool = this.pools.get(file);
    if (!pool) {
      pool = new FeedbackPool(file, this.retain);
      this.pools.set(file, pool);
    }
    const verdict = pool.append(event.payload, this.positioned ? { partition: delivery.partition, offset: delivery.offset } : undefined);
    return { kind: 'pooled', event: { type: 'feedback.pooled', feedback: event, pool: { seq: verdict.seq, ...(verdict.repeatOf ? { repeatOf: verdict.repeatOf } : {}) } } };
  }

  private refusal(core: RunSnapshot, event: EnvelopeOf<'feedback'>): string | null {
    let check = this.checks.get(core.spec);
    if (!check) {
      check = runFeedbackCheck(core.spec, core.baseDir);
      this.checks.set(core.spec, check);
    }
    return check(event.payload);
  }
}
