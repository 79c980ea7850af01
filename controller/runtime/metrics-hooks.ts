// Feeds the controller's Prometheus metrics from the runtime's hooks. The same hooks serve the
// embedded run and the distributed controller.
import type { ControllerHooks, EventOutcome as RuntimeOutcome } from './controller-service.ts';
import type { ControllerMetrics, EventOutcome } from '../../observability/metrics.ts';
import { TOPIC_OF } from '../../schemas/topics.ts';
import { isEventType } from '../../schemas/decode.ts';

const OUTCOME: Record<RuntimeOutcome, EventOutcome> = {
  applied: 'applied',
  created: 'applied',
  duplicate: 'duplicate',
  stale: 'stale',
  // An event for a run this controller does not hold: nothing to apply it to.
  ignored: 'stale',
  invalid: 'invalid',
  rejected: 'invalid',
  refused: 'invalid',
};

export function metricsHooks(metrics: ControllerMetrics): Required<Pick<ControllerHooks, 'onOutcome' | 'onTransition' | 'onDeadLetter' | 'onCommitLatency'>> {
  return {
    onOutcome(_runId, eventType, outcome, latencySeconds, event) {
      // Refused feedback is dead-lettered: onDeadLetter counts it, once.
      if (outcome === 'refused') return;
      const topic = isEventType(eventType) ? TOPIC_OF[eventType] : 'unknown';
      metrics.recordEvent(topic, OUTCOME[outcome]);
      // Feedback the core counted (also before the continual phase) is accepted; repeats are duplicates.
      if (event?.type === 'feedback') metrics.recordFeedback(event.payload.severity, outcome === 'duplicate' ? 'duplicate' : outcome === 'invalid' || outcome === 'rejected' ? 'invalid' : 'accepted');
      if (outcome === 'applied' || outcome === 'created') metrics.observeDecisionLatency(latencySeconds);
    },
    onTransition(view, result) {
      for (const d of result.decisions) metrics.recordDecision(view.runId, d.payload);
      metrics.setRunState(view.runId, view.state);
      if (view.stageId) metrics.setRunStage(view.runId, view.stageId, view.stageIndex);
      metrics.setRunStep(view.runId, view.step);
      metrics.setSamplingWeights(view.runId, view.weights);
      for (const [task, accuracy] of Object.entries(view.heldout)) metrics.setHeldoutAccuracy(view.runId, task, accuracy);
      const cl = view.continualLearning;
      if (cl.forgetting !== null) metrics.setForgetting(view.runId, cl.forgetting);
      if (cl.backwardTransfer !== null) metrics.setBackwardTransfer(view.runId, cl.backwardTransfer);
    },
    onDeadLetter(letter) {
      metrics.recordDeadLetter(letter.topic, letter.code);
      if (letter.topic.endsWith(TOPIC_OF.feedback)) metrics.recordFeedback('unknown', 'invalid');
      metrics.recordEvent(letter.topic, 'invalid');
    },
    onCommitLatency(seconds) {
      metrics.observeSnapshotWrite(seconds);
    },
  };
}

/** Several observers as one: each hook calls every observer's, in order. */
export function chainHooks(...all: readonly ControllerHooks[]): ControllerHooks {
  return {
    onOutcome: (...a) => all.forEach((h) => h.onOutcome?.(...a)),
    onTransition: (...a) => all.forEach((h) => h.onTransition?.(...a)),
    onDeadLetter: (...a) => all.forEach((h) => h.onDeadLetter?.(...a)),
    onCommitLatency: (...a) => all.forEach((h) => h.onCommitLatency?.(...a)),
  };
}
