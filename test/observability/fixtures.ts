// Realistic values for every service's metrics, shared by the exposition lint test and the
// Prometheus scrape test: two runs, three tasks, every counter and histogram touched.
import { Registry } from 'prom-client';
import {
  createControllerMetrics,
  createEvaluatorMetrics,
  createTrainerMetrics,
  registerProcessMetrics,
  type ControllerMetrics,
} from '../../observability/metrics.ts';

export function populatedControllerRegistry(): { registry: Registry; metrics: ControllerMetrics } {
  const registry = new Registry();
  registerProcessMetrics(registry);
  const m = createControllerMetrics(registry, { version: '0.1.0' });
  m.setRunStage('run-a', 'carry', 1);
  m.setRunState('run-a', 'training');
  m.setRunStep('run-a', 1200);
  m.setHeldoutAccuracy('run-a', 'add-1digit', 0.97);
  m.setHeldoutAccuracy('run-a', 'add-2digit', 0.81);
  m.setForgetting('run-a', 0.02);
  m.setBackwardTransfer('run-a', -0.01);
  m.setSamplingWeights('run-a', { 'add-1digit': 0.3, 'add-2digit': 0.7 });
  m.setRunStage('run-b', 'basics', 0);
  m.setRunState('run-b', 'evaluating');
  m.setRunStep('run-b', 300);
  m.setHeldoutAccuracy('run-b', 'perm-0', 0.55);
  m.recordDecision('run-a', { kind: 'advance', reasons: [{ code: 'gate.lower-bound', holds: true }] });
  m.recordDecision('run-a', { kind: 'review', reasons: [{ code: 'review.schedule' }] });
  m.recordDecision('run-a', { kind: 'regression-review', reasons: [{ code: 'regression.forgetting' }] });
  m.recordDecision('run-b', { kind: 'revert', reasons: [{ code: 'regression.accuracy-drop' }] });
  m.recordDecision('run-b', { kind: 'early-stop', reasons: [{ code: 'early-stop.patience' }] });
  m.recordDecision('run-b', { kind: 'retrain', reasons: [{ code: 'feedback.threshold' }] });
  m.recordDecision('run-b', { kind: 'promote', reasons: [{ code: 'promotion.gates-passed' }] });
  m.recordDecision('run-b', { kind: 'reject', reasons: [{ code: 'promotion.fairness' }] });
  for (const outcome of ['applied', 'applied', 'duplicate', 'stale', 'invalid'] as const) m.recordEvent('curriculum.trainer.metrics', outcome);
  m.recordDeadLetter('curriculum.trainer.metrics', 'CUR_EVENT_INVALID');
  m.recordConsumerCrash('curriculum-controller', 'kafkajs');
  m.recordConsumerCrash('curriculum-controller', 'bus');
  m.recordFeedback('high', 'accepted');
  m.recordFeedback('low', 'duplicate');
  m.setConsumerLag('curriculum.trainer.metrics', 0, 12);
  m.setConsumerLag('curriculum.evaluator.results', 3, 0);
  for (const s of [0.002, 0.004, 0.03]) m.observeDecisionLatency(s);
  for (const s of [0.001, 0.003]) m.observeSnapshotWrite(s);
  return { registry, metrics: m };
}

export function populatedTrainerRegistry(): Registry {
  const registry = new Registry();
  registerProcessMetrics(registry);
  const m = createTrainerMetrics(registry, { version: '0.1.0' });
  m.setBackend('tensorflow', '4.22.0');
  m.report('run-a', { step: 1200, loss: 0.42, learningRate: 0.001, samplesPerSecond: 5400 });
  m.report('run-b', { step: 300, loss: 1.3, learningRate: 0.0005, samplesPerSecond: 4100 });
  m.recordLesson('completed', 42);
  m.recordLesson('duplicate');
  m.recordError('CUR_TRAINING_NAN');
  m.recordConsumerCrash('curriculum-trainer-feedback', 'bus');
  return registry;
}

export function populatedEvaluatorRegistry(): Registry {
  const registry = new Registry();
  registerProcessMetrics(registry);
  const m = createEvaluatorMetrics(registry, { version: '0.1.0' });
  m.observeEvaluation('heldout', 3.2);
  m.observeEvaluation('adversarial', 7.5);
  m.observeEvaluation('holdout-domain', 1, 'failed');
  m.setAccuracy('run-a', 'heldout', 'add-1digit', 0.97);
  m.setAccuracy('run-a', 'adversarial', 'add-1digit', 0.7);
  m.recordError('CUR_CHECKPOINT_MISSING');
  m.recordConsumerCrash('curriculum-evaluator', 'kafkajs');
  return registry;
}
