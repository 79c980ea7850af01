// Trainer and evaluator metrics are derived from the events those services publish, so the
// services stay free of metric calls and the embedded run (which sees every event on its bus)
// and a distributed service (which sees its own publications) export the same series.
import type { AnyEvent } from '../schemas/events.ts';
import type { EvaluatorMetrics, TrainerMetrics } from './metrics.ts';

export function observeTrainerEvent(metrics: TrainerMetrics, event: AnyEvent): void {
  switch (event.type) {
    case 'trainer.metrics': {
      const p = event.payload;
      const tasks = Object.values(p.tasks);
      const samples = tasks.reduce((a, t) => a + t.samples, 0);
      const loss = samples > 0 ? tasks.reduce((a, t) => a + t.loss * t.samples, 0) / samples : 0;
      metrics.report(event.runId, { step: p.step, loss, learningRate: p.learningRate, samplesPerSecond: p.samplesPerSecond });
      return;
    }
    case 'checkpoint.saved':
      if (event.payload.lessonComplete) metrics.recordLesson('completed');
      return;
    case 'service.error':
      if (event.payload.service === 'trainer') metrics.recordError(event.payload.code);
      return;
    default:
      return;
  }
}

export function observeEvaluatorEvent(metrics: EvaluatorMetrics, event: AnyEvent): void {
  if (event.type === 'evaluation.results') {
    const p = event.payload;
    metrics.observeEvaluation(p.suite, p.durationSeconds);
    for (const [task, m] of Object.entries(p.tasks)) metrics.setAccuracy(event.runId, p.suite, task, m.accuracy);
  } else if (event.type === 'service.error' && event.payload.service === 'evaluator') {
    metrics.recordError(event.payload.code);
  }
}
