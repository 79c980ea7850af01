// The continual phase after the last stage. Production feedback accumulates (the examples live in a
// service-side pool next to the checkpoints; the core only counts them, so its snapshot stays small).
// Retraining is triggered by any of:
//   - count: minFeedback new items since the last retraining,
//   - error rate: at least minFeedback/5 new items whose reported predictions miss at >= errorRate,
//   - drift: every driftCheckEvery items the deployed model is scored on the feedback hold-out;
//     its held-out accuracy at deployment minus that score >= heldoutDrift.
// The candidate is trained from the deployed checkpoint on feedback mixed with spaced reviews of
// the mastered tasks (the Leitner schedule picks them, lesson-plan.ts), then evaluated on the usual suites plus 'feedback' (the pool's hold-out, scored
// on the candidate and on the deployed model). It is promoted only if no trained task lost more
// than maxRegression of held-out accuracy against the deployed model and the feedback accuracy
// beats the deployed model's by more than minFeedbackGain (and, with categoryRegression, no class
// or category lost more than its margin: policies/category-regression.ts); otherwise it is rejected and the
// trainer reverts to the deployed checkpoint. Either way the rehearsed tasks' boxes move.
import type { Feedback, Reason } from '../../schemas/events.ts';
import { fire, label, sendEvaluate, type Draft } from './engine.ts';
import { emitCommand, emitDecision, nextCommandId } from './envelopes.ts';
import { pooled } from './policies/gates.ts';
import { categoryRegressionReasons, categoryScores } from './policies/category-regression.ts';
import { updateReviewed } from './policies/review.ts';
import { mean } from './stats.ts';
import type { EvaluationInFlight } from './snapshot.ts';
import { tasksUpTo } from './lesson-plan.ts';

/**
 * Counts one delivery of feedback for the run's deployment (in any non-terminal state, repeats
 * included): the position in the pool that retraining and evaluation commands cut at.
 */
export function countFeedback(d: Draft): void {
  d.data.continual.feedbackTotal += 1;
}

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
  if (!countHolds && !rateHolds) {
    maybeCheckDrift(d);
    return;
  }
  // Pooled feedback knows its repeats: the decision says how many new items count and how many did not.
  const repeated = c.repeatedSinceRetrain;
  const counted = repeated === undefined ? `${n} feedback items since the last retraining` : `${n} new feedback items since the last retraining (${repeated} repeated: re-sent ids or duplicate content, counted once)`;
  const reasons: Reason[] = [
    { code: 'continual.feedback-count', policy: 'continual', holds: countHolds, metric: 'feedback-items', value: n, threshold: policy.minFeedback, comparator: '>=', message: counted },
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
  retrain(d, 1 - rate, reasons);
}

function retrain(d: Draft, baseline: number, reasons: Reason[]): void {
  const c = d.data.continual;
  c.baselineFeedbackAccuracy = baseline;
  c.feedbackSinceRetrain = 0;
  c.errorsSinceRetrain = 0;
  if (c.repeatedSinceRetrain !== undefined) c.repeatedSinceRetrain = 0;
  c.lastDriftCheckAt = c.feedbackTotal;
  fire(d, { type: 'RETRAIN' }, { kind: 'retrain', reasons });
}

/**
 * Requests a drift check of the deployed model when driftCheckEvery new items arrived and no
 * retraining is in flight; a check still unanswered is superseded (its result becomes stale).
 */
function maybeCheckDrift(d: Draft): void {
  const every = d.spec.continual.driftCheckEvery;
  const c = d.data.continual;
  const busy = d.data.inFlight !== null && !(d.data.inFlight.kind === 'evaluate' && d.data.inFlight.purpose === 'drift-check');
  if (every === undefined || c.deployedCheckpointId === null || busy) return;
  if (c.feedbackTotal - c.lastDriftCheckAt < every) return;
  c.lastDriftCheckAt = c.feedbackTotal;
  const { commandId, sequence } = nextCommandId(d);
  d.data.inFlight = {
    kind: 'evaluate',
    commandId,
    checkpointId: c.deployedCheckpointId,
    branch: d.data.branch,
    step: c.deployedStep,
    purpose: 'drift-check',
    reviewTasks: [],
    suites: ['feedback'],
    tasks: tasksUpTo(d.spec, d.spec.stages.length - 1),
    attempts: 1,
    results: {},
    feedbackUpTo: c.feedbackTotal,
  };
  // No liveness deadline: a lost drift check is simply superseded by the next one or by a retrain.
  sendEvaluate(d, commandId, sequence);
  emitDecision(d, 'evaluate', label(d), label(d), [
    {
      code: 'continual.drift-check',
      policy: 'continual.heldout-drift',
      holds: true,
      metric: 'feedback-items',
      value: c.feedbackTotal,
      threshold: every,
      message: `score the deployed ${c.deployedCheckpointId} on the feedback hold-out of the first ${c.feedbackTotal} items`,
    },
  ]);
}

/** Mean held-out accuracy of the deployed model over the trained tasks, as measured at deployment. */
function deployedHeldoutMean(d: Draft): number | null {
  const c = d.data.continual;
  return mean(tasksUpTo(d.spec, d.spec.stages.length - 1).map((t) => c.deployedHeldout[t]).filter((v): v is number => v !== undefined));
}

export function decideDrift(d: Draft, ev: EvaluationInFlight): void {
  const policy = d.spec.continual;
  const c = d.data.continual;
  d.data.inFlight = null;
  const suite = ev.results.feedback;
  const fb = suite ? pooled(Object.values(suite.tasks)) : null;
  const before = deployedHeldoutMean(d);
  if (fb === null || fb.n === 0 || before === null) {
    emitDecision(d, 'hold', label(d), label(d), [
      { code: 'continual.drift-unknown', policy: 'continual.heldout-drift', holds: false, message: 'the feedback hold-out is empty or nothing was measured at deployment: no drift to judge' },
    ]);
    return;
  }
  const drift = before - fb.accuracy;
  c.lastDrift = drift;
  const reason: Reason = {
    code: 'continual.heldout-drift',
    policy: 'continual.heldout-drift',
    holds: drift >= policy.heldoutDrift,
    metric: 'heldout-accuracy-drift',
    value: drift,
    threshold: policy.heldoutDrift,
    comparator: '>=',
    message: `deployed ${ev.checkpointId}: ${fb.accuracy.toFixed(4)} on ${fb.n} feedback hold-out items vs ${before.toFixed(4)} held-out at deployment`,
  };
  if (!reason.holds) {
    emitDecision(d, 'hold', label(d), label(d), [reason]);
    return;
  }
  retrain(d, fb.accuracy, [reason]);
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
  const categories = categoryScores(ev.results.heldout?.categories ?? {});
  if (policy.categoryRegression && c.deployedCategories) {
    reasons.push(...categoryRegressionReasons(policy.categoryRegression, c.deployedCategories, categories, { code: 'continual.category-regression', policy: 'continual.category-regression', against: 'deployed' }));
  }
  const feedbackSuite = ev.results.feedback;
  const fb = feedbackSuite ? pooled(Object.values(feedbackSuite.tasks)) : null;
  // The deployed model scored on the same hold-out when the evaluator could; else its accuracy as
  // reported by production (1 - error rate, or the drift check's score) when retraining began.
  const measured = feedbackSuite?.baseline;
  const baseline = measured ? measured.metrics.accuracy : (c.baselineFeedbackAccuracy ?? 0);
  const baselineSource = measured ? `deployed ${measured.checkpointId} on the same ${measured.metrics.n} items` : 'deployed (as reported by production feedback)';
  if (fb === null || fb.n === 0) {
    reasons.push({ code: 'continual.feedback-missing', policy: 'continual.feedback-gain', holds: false, message: 'no feedback hold-out result for the candidate (empty pool hold-out?)' });
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
      message: `feedback hold-out accuracy ${fb.accuracy.toFixed(4)} vs ${baseline.toFixed(4)} of the ${baselineSource}`,
    });
  }
  const promote = reasons.every((r) => r.holds);
  // Context after the verdict's own reasons (metrics count a rejection under its first failing one).
  const boxes = updateReviewedBoxes(d, ev, promote);
  if (promote) {
    c.deployedCheckpointId = ev.checkpointId;
    c.deployedStep = ev.step;
    c.deployedHeldout = Object.fromEntries(Object.entries(heldout).map(([t, m]) => [t, m.accuracy]));
    if (policy.categoryRegression) c.deployedCategories = categories;
    c.promotions += 1;
    c.lastDriftCheckAt = c.feedbackTotal;
    fire(d, { type: 'PROMOTE' }, { kind: 'promote', reasons: [promotionReason(ev.checkpointId), ...reasons, ...boxes] });
    return;
  }
  c.rejections += 1;
  // recordEvaluation stored the candidate's accuracies; the model that stays deployed is the
  // previous one, so the run's view (describeRun, regression checks) goes back to its figures.
  for (const [task, accuracy] of Object.entries(c.deployedHeldout)) d.data.heldout[task] = accuracy;
  // Decisive reasons first (metrics count a rejection under its first failing reason).
  const ordered = [...reasons.filter((r) => !r.holds), ...reasons.filter((r) => r.holds)];
  // The candidate's line is abandoned: the run continues from the deployed model on a new branch.
  d.data.branch += 1;
  const deployed = c.deployedCheckpointId;
  if (deployed !== null) {
    d.data.step = c.deployedStep;
    d.data.lastCheckpoint = { checkpointId: deployed, step: c.deployedStep, branch: d.data.branch };
  }
  fire(d, { type: 'REJECT' }, { kind: 'reject', reasons: [...ordered, ...boxes] });
  if (deployed !== null) {
    const { commandId, sequence } = nextCommandId(d);
    emitCommand(d, 'checkpoint.revert', commandId, sequence, {
      commandId,
      checkpointId: deployed,
      branch: d.data.branch,
      step: c.deployedStep,
      reason: `candidate ${ev.checkpointId} rejected: ${ordered.filter((r) => !r.holds).map((r) => r.code).join(', ')}`,
    });
  }
}

/**
 * Leitner boxes of the tasks the retraining rehearsed, judged on the candidate's held-out
 * accuracy. A promoted candidate is the deployed model: retained moves a task up, forgotten to
 * box 0. A rejected one is discarded, yet what it forgot shows that retraining from the deployed
 * model at this rehearsal rate loses the task: box 0, rehearsed in the next retraining. What it
 * retained keeps its box (it says nothing about the deployed model) and waits its interval again.
 */
function updateReviewedBoxes(d: Draft, ev: EvaluationInFlight, promoted: boolean): Reason[] {
  const heldout = ev.results.heldout?.tasks ?? {};
  const update = updateReviewed(ev.reviewTasks, d.data.mastered, (t) => heldout[t]?.accuracy, d.spec.review, d.data.lessons, promoted);
  d.data.mastered = update.mastered;
  return update.reasons;
}

function promotionReason(checkpointId: string): Reason {
  return { code: 'continual.promoted-checkpoint', policy: 'continual', holds: true, message: `deploy ${checkpointId}` };
}
