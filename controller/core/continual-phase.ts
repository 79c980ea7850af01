// The continual phase after the last stage. Production feedback accumulates; retraining is
// triggered when minFeedback new items arrived, or when at least minFeedback/5 items show an
// error rate >= errorRate. The candidate trained from the deployed checkpoint is evaluated on the
// usual suites plus 'feedback' and promoted only if no trained task lost more than maxRegression
// of held-out accuracy against the deployed model and the feedback accuracy beats the deployed
// model's (1 - error rate at the trigger) by more than minFeedbackGain; otherwise rejected.
import type { Feedback, Reason } from '../../schemas/events.ts';
import { fire, type Draft } from './engine.ts';
import { pooled } from './policies/gates.ts';
import type { EvaluationInFlight } from './snapshot.ts';
import { tasksUpTo } from './lesson-plan.ts';

export function onFeedback(d: Draft, feedback: Feedback, monitoring: boolean): void {
  const policy = d.spec.continual;
  const c = d.data.continual;
  c.feedbackSinceRetrain += 1;
  if (feedback.prediction !== feedback.label) c.errorsSinceRetrain += 1;
  if (!monitoring) return;
  const n = c.feedbackSinceRetrain;
  const rate = c.errorsSinceRetrain / n;
  const minForRate = Math.ceil(policy.minFeedback / 5);
  const countHolds = n >= policy.minFeedback;
  const rateHolds = n >= minForRate && rate >= policy.errorRate;
  if (!countHolds && !rateHolds) return;
  const reasons: Reason[] = [
    { code: 'continual.feedback-count', policy: 'continual', holds: countHolds, metric: 'feedback-items', value: n, threshold: policy.minFeedback, comparator: '>=', message: `${n} feedback items since the last retraining` },
    {
      code: 'continual.error-rate',
      policy: 'continual',
      holds: rateHolds,
      metric: 'feedback-error-rate',
      value: rate,
      threshold: policy.errorRate,
      comparator: '>=',
      message: `error rate ${rate.toFixed(4)} over ${n} items (at least ${minForRate} needed to judge)`,
    },
  ];
  c.baselineFeedbackAccuracy = 1 - rate;
  c.feedbackSinceRetrain = 0;
  c.errorsSinceRetrain = 0;
  fire(d, { type: 'RETRAIN' }, { kind: 'retrain', reasons });
}

export function decideCandidate(d: Draft, ev: EvaluationInFlight): void {
  const policy = d.spec.continual;
  const c = d.data.continual;
  const reasons: Reason[] = [];
  const heldout = ev.results.heldout?.tasks ?? {};
  for (const task of tasksUpTo(d.spec, d.spec.stages.length - 1)) {
    const before = c.deployedHeldout[task];
    const after = heldout[task]?.accuracy;
    if (before === undefined || after === undefined) continue;
    const drop = before - after;
    reasons.push({
      code: 'continual.regression',
      policy: 'continual.max-regression',
      holds: drop <= policy.maxRegression,
      task,
      metric: 'heldout-accuracy-drop',
      value: drop,
      threshold: policy.maxRegression,
      comparator: '<=',
      message: `${task}: ${after.toFixed(4)} vs deployed ${before.toFixed(4)}`,
    });
  }
  const feedbackSuite = ev.results.feedback;
  const fb = feedbackSuite ? pooled(Object.values(feedbackSuite.tasks)) : null;
  const baseline = c.baselineFeedbackAccuracy ?? 0;
  if (fb === null) {
    reasons.push({ code: 'continual.feedback-missing', policy: 'continual.feedback-gain', holds: false, message: 'no feedback-suite result for the candidate' });
  } else {
    const gain = fb.accuracy - baseline;
    reasons.push({
      code: 'continual.feedback-gain',
      policy: 'continual.feedback-gain',
      holds: gain > policy.minFeedbackGain,
      metric: 'feedback-accuracy-gain',
      value: gain,
      threshold: policy.minFeedbackGain,
      comparator: '>',
      message: `feedback accuracy ${fb.accuracy.toFixed(4)} vs deployed ${baseline.toFixed(4)}`,
    });
  }
  const promote = reasons.every((r) => r.holds);
  if (promote) {
    c.deployedCheckpointId = ev.checkpointId;
    c.deployedHeldout = Object.fromEntries(Object.entries(heldout).map(([t, m]) => [t, m.accuracy]));
    c.promotions += 1;
    fire(d, { type: 'PROMOTE' }, { kind: 'promote', reasons });
  } else {
    c.rejections += 1;
    // The candidate's line is abandoned: the next retraining starts from the deployed model on a new branch.
    d.data.branch += 1;
    if (c.deployedCheckpointId !== null && d.data.lastCheckpoint) {
      d.data.lastCheckpoint = { ...d.data.lastCheckpoint, checkpointId: c.deployedCheckpointId, branch: d.data.branch };
    }
    fire(d, { type: 'REJECT' }, { kind: 'reject', reasons });
  }
}
