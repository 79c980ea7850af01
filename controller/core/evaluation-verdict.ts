// What the run does once every requested suite of a checkpoint has arrived. Policies are
// consulted in a fixed order and the first that acts decides; the decision carries the reasons
// of every policy consulted, so a user sees why the stage did or did not advance.
//   1 run budget        -> stop (budget-exhausted)
//   2 severe regression -> revert to the best gated checkpoint, or log revert-blocked and go on
//                          (with regression.revertNetLoss: review the severe tasks instead)
//   3 forgetting        -> immediate review of the tasks that entered the regressed band
//   4 gates             -> advance (W consecutive, min steps), unless fairness blocks it
//   5 stage budget      -> budgetAction (advance or stop)
//   6 early stopping    -> stop (early-stop)
//   7 plateau           -> the configured action
//   8 spaced review due -> review
//   9 otherwise         -> hold (next lesson of the stage)
import type { Reason, SuiteMetrics } from '../../schemas/events.ts';
import { evaluationTasks, fire, label, stageIndexOf, stageOf, type Draft } from './engine.ts';
import { tasksUpTo } from './lesson-plan.ts';
import { emitDecision } from './envelopes.ts';
import { budgetReason } from './policies/budget.ts';
import { updateEarlyStop } from './policies/early-stopping.ts';
import { checkFairness } from './policies/fairness.ts';
import { categoryRegressionReasons, categoryScores } from './policies/category-regression.ts';
import { checkAdvance, checkGates } from './policies/gates.ts';
import { checkPlateau } from './policies/plateau.ts';
import { assessRegression, bestGatedCheckpoint, checkRevert, type RevertComparison } from './policies/regression.ts';
import { dueReason, dueTasks, updateReviewed } from './policies/review.ts';
import { mean } from './stats.ts';
import type { EvaluationInFlight } from './snapshot.ts';

const GATED_KEPT = 8;

/** Records held-out accuracies, the CL matrix row and baselines of an evaluation. */
export function recordEvaluation(d: Draft, ev: EvaluationInFlight): void {
  const heldout = ev.results.heldout?.tasks ?? {};
  const stageIndex = stageIndexOf(d);
  for (const [task, m] of Object.entries(heldout)) d.data.heldout[task] = m.accuracy;
  while (d.data.clMatrix.length <= stageIndex) d.data.clMatrix.push(d.spec.tasks.map(() => null));
  const row = d.data.clMatrix[stageIndex] as (number | null)[];
  d.spec.tasks.forEach((t, j) => {
    const m = heldout[t.id];
    if (!m) return;
    if (ev.purpose !== 'retrain') row[j] = m.accuracy;
    const first = d.spec.stages.findIndex((s) => s.tasks.includes(t.id));
    if (first > stageIndex && d.data.clBaseline[j] === null) d.data.clBaseline[j] = m.accuracy;
  });
}

/** The net-loss rule's view of the run (see revertNetLoss): the target's tasks, those trained since, accuracies before training. */
function revertComparison(d: Draft, targetStage: number): RevertComparison {
  const beforeTraining: Record<string, number> = {};
  d.spec.tasks.forEach((t, j) => {
    const b = d.data.clBaseline[j];
    if (b !== null && b !== undefined) beforeTraining[t.id] = b;
  });
  return { targetTasks: evaluationTasks(d.spec, targetStage, false), trained: tasksUpTo(d.spec, stageIndexOf(d)), heldout: d.data.heldout, beforeTraining };
}

function taskOrder(d: Draft): string[] {
  return d.spec.tasks.map((t) => t.id);
}

function weakest(tasks: readonly string[], heldout: Readonly<Record<string, number>>): string[] {
  const scored = tasks.filter((t) => heldout[t] !== undefined);
  if (scored.length === 0) return [...tasks];
  const low = Math.min(...scored.map((t) => heldout[t] ?? 1));
  return scored.filter((t) => heldout[t] === low);
}

export function decideAfterEvaluation(d: Draft, ev: EvaluationInFlight): void {
  const spec = d.spec;
  const stage = stageOf(d);
  const data = d.data;
  const reasons: Reason[] = [];

  // Leitner boxes of the tasks a review lesson covered.
  if (ev.purpose === 'review') {
    const update = updateReviewed(ev.reviewTasks, data.mastered, (t) => data.heldout[t], spec.review, data.lessons);
    data.mastered = update.mastered;
    reasons.push(...update.reasons);
  }

  const regression = assessRegression(taskOrder(d), data.mastered, data.heldout, spec.regression);
  data.mastered = regression.mastered;
  if (regression.allRecovered) data.revertArmed = true;
  const gates = checkGates(stage.advance.gates, stage.advance.confidence, stage.tasks, ev.results);
  const noRegression = Object.values(data.mastered).every((m) => !m.regressed);
  if (gates.holds && noRegression) recordGated(d, ev);

  // 1. run budget
  const runBudget = budgetReason('run', data.trainedSteps, spec.training.maxSteps);
  if (runBudget.holds) {
    fire(d, { type: 'STOP' }, { kind: 'budget-exhausted', reasons: [runBudget, ...reasons] }, { stopReason: 'run step budget exhausted', stageOutcome: 'budget' });
    markStageEnd(d, 'budget');
    return;
  }

  // 2. severe regression
  if (regression.severe.length > 0) {
    const target = bestGatedCheckpoint(data.gated);
    const check = checkRevert(spec.regression, data.reverts, data.trainedSteps, data.lastRevertTrainedSteps, data.revertArmed, target, target ? revertComparison(d, target.stageIndex) : undefined);
    const why = [...regression.reasons, ...check.reasons, ...reasons];
    if (check.allowed && target) {
      fire(d, { type: 'REVERT' }, { kind: 'revert', reasons: why }, {
        revertTarget: { checkpointId: target.checkpointId, step: target.step, branch: target.branch },
        revertReason: `severe regression of ${regression.severe.join(', ')}`,
      });
      return;
    }
    emitDecision(d, 'revert-blocked', label(d), label(d), why);
    // Under the net-loss rule a severe drop that is not reverted is reviewed at once, also when the
    // task entered the regressed band earlier (step 3 reviews only tasks that just entered it).
    if (spec.regression.revertNetLoss !== undefined && spec.review.enabled) {
      const tasks = [...regression.severe, ...regression.entered.filter((t) => !regression.severe.includes(t))];
      for (const t of tasks) {
        const m = data.mastered[t];
        if (m) data.mastered[t] = { ...m, box: 0 };
      }
      const decline = check.reasons.filter((r) => !r.holds);
      fire(d, { type: 'REVIEW' }, { kind: 'regression-review', reasons: [...regression.reasons.filter((r) => tasks.includes(r.task ?? '')), ...decline, ...reasons] }, { reviewTasks: tasks });
      return;
    }
  }

  // 3. forgetting: immediate review
  if (regression.entered.length > 0 && spec.review.enabled) {
    for (const t of regression.entered) {
      const m = data.mastered[t];
      if (m) data.mastered[t] = { ...m, box: 0 };
    }
    fire(d, { type: 'REVIEW' }, { kind: 'regression-review', reasons: [...regression.reasons.filter((r) => regression.entered.includes(r.task ?? '')), ...reasons] }, { reviewTasks: regression.entered });
    return;
  }

  // 4. gates and fairness
  const advance = checkAdvance(gates.holds, data.gateStreak, stage.advance.consecutive, data.stageTrainedSteps, stage.advance.minSteps);
  data.gateStreak = advance.streak;
  const heldoutCategories = ev.results.heldout?.categories ?? {};
  const fairness = checkFairness(spec.fairness, heldoutCategories);
  // The per-class guard of the promotion gate, for the curriculum's own advances: no class or
  // category may have lost more than its margin since the last advance (fairness.categoryRegression).
  const classGuard = spec.fairness.categoryRegression;
  const classReasons = classGuard && data.advanceCategories ? categoryRegressionReasons(classGuard, data.advanceCategories, categoryScores(heldoutCategories), { code: 'fairness.category-regression', policy: 'fairness.category-regression', against: 'the last advance' }) : [];
  const classFailed = classReasons.find((r) => !r.holds);
  const fairnessBlocked = fairness.blocked || classFailed !== undefined;
  const worst = fairness.blocked ? fairness.worst : (classFailed?.category ?? null);
  if (fairnessBlocked && worst) {
    const carriers = stage.tasks.filter((t) => spec.tasks.find((s) => s.id === t)?.categories?.includes(worst) ?? false);
    data.shift = { tasks: carriers.length > 0 ? carriers : weakest(stage.tasks, data.heldout), strength: stage.plateau?.shiftStrength ?? 0.5, source: 'fairness' };
  } else if (data.shift?.source === 'fairness') {
    data.shift = null;
  }
  const gateReasons = [...gates.reasons, ...advance.reasons, ...fairness.reasons, ...classReasons];
  if (advance.advance) {
    if (fairnessBlocked) {
      fire(d, { type: 'HOLD' }, { kind: 'fairness-block', reasons: [...(classFailed && !fairness.blocked ? [classFailed] : []), ...gateReasons, ...reasons] });
      return;
    }
    if (classGuard) data.advanceCategories = categoryScores(heldoutCategories);
    fire(d, { type: 'ADVANCE' }, { kind: 'advance', reasons: [...gateReasons, ...reasons] }, { stageOutcome: 'advanced' });
    return;
  }

  // 5. stage budget
  const stageBudget = budgetReason('stage', data.stageTrainedSteps, stage.maxSteps);
  if (stageBudget.holds) {
    const why = [stageBudget, ...gateReasons, ...reasons];
    if (stage.budgetAction === 'advance') fire(d, { type: 'ADVANCE' }, { kind: 'budget-exhausted', reasons: why }, { stageOutcome: 'budget' });
    else {
      fire(d, { type: 'STOP' }, { kind: 'budget-exhausted', reasons: why }, { stopReason: `stage ${stage.id} step budget exhausted` });
      markStageEnd(d, 'budget');
    }
    return;
  }

  // 6. early stopping on the stage mean held-out accuracy
  const stageMean = mean(stage.tasks.map((t) => data.heldout[t]).filter((v): v is number => v !== undefined));
  const early = stageMean === null ? null : updateEarlyStop(data.earlyStop, stageMean, spec.earlyStopping);
  if (early) data.earlyStop = early.state;
  if (early?.stop) {
    data.earlyStopped = true;
    fire(d, { type: 'STOP' }, { kind: 'early-stop', reasons: [early.reason, ...gateReasons, ...reasons] }, { stopReason: `early stop in stage ${stage.id}` });
    markStageEnd(d, 'early-stop');
    return;
  }

  // 7. plateau
  // Decisive reasons first (metrics count a decision under its first reason that held); the
  // review-box updates of the lesson just evaluated are context and go last.
  const history = [...gateReasons, ...(early ? [early.reason] : []), ...reasons];
  if (stage.plateau) {
    const metricValue = stage.plateau.metric === 'accuracy' ? stageMean : stageLoss(stage.tasks, ev.results.heldout?.tasks ?? {});
    if (metricValue !== null) data.plateauWindow = [...data.plateauWindow, metricValue].slice(-stage.plateau.window);
    const plateau = checkPlateau(stage.plateau, data.plateauWindow);
    history.push(plateau.reason);
    if (plateau.plateaued && applyPlateau(d, stage.plateau.action, history, fairnessBlocked)) return;
  }

  // 8. spaced review
  const due = spec.review.enabled ? dueTasks(taskOrder(d), data.mastered, data.lessons) : [];
  if (due.length > 0) {
    const dueReasons = due.map((t) => dueReason(t, data.mastered[t], data.lessons));
    fire(d, { type: 'REVIEW' }, { kind: 'review', reasons: [...dueReasons, ...history] }, { reviewTasks: due });
    return;
  }

  // 9. hold
  fire(d, { type: 'HOLD' }, { kind: fairnessBlocked ? 'fairness-block' : 'hold', reasons: history });
}

function stageLoss(tasks: readonly string[], results: Readonly<Record<string, SuiteMetrics>>): number | null {
  return mean(tasks.map((t) => results[t]?.loss).filter((v): v is number => v !== undefined));
}

function applyPlateau(d: Draft, action: string, reasons: Reason[], fairnessBlocked: boolean): boolean {
  const stage = stageOf(d);
  const data = d.data;
  const plateau = stage.plateau;
  if (!plateau) return false;
  data.plateauWindow = [];
  switch (action) {
    case 'shift-to-weakest': {
      const targets = weakest(stage.tasks, data.heldout);
      data.shift = { tasks: targets, strength: plateau.shiftStrength, source: 'plateau' };
      reasons.unshift({ code: 'plateau.shift-to-weakest', policy: 'plateau.shift-to-weakest', holds: true, value: plateau.shiftStrength, message: `shift ${plateau.shiftStrength} of the mixture to ${targets.join(', ')}` });
      return fire(d, { type: 'HOLD' }, { kind: 'plateau', reasons });
    }
    case 'lower-lr': {
      const before = data.learningRateScale;
      data.learningRateScale = before * plateau.learningRateFactor;
      reasons.unshift({ code: 'plateau.lower-lr', policy: 'plateau.lower-lr', holds: true, metric: 'learning-rate-scale', value: data.learningRateScale, message: `learning-rate scale ${before} -> ${data.learningRateScale}` });
      return fire(d, { type: 'HOLD' }, { kind: 'plateau', reasons });
    }
    case 'review': {
      const mastered = Object.keys(data.mastered);
      const targets = mastered.length > 0 ? mastered : weakest(stage.tasks, data.heldout);
      reasons.unshift({ code: 'plateau.review', policy: 'plateau.review', holds: true, message: `review ${targets.join(', ')}` });
      return fire(d, { type: 'REVIEW' }, { kind: 'plateau', reasons }, { reviewTasks: targets });
    }
    case 'advance': {
      if (fairnessBlocked) return fire(d, { type: 'HOLD' }, { kind: 'fairness-block', reasons });
      reasons.unshift({ code: 'plateau.advance', policy: 'plateau.advance', holds: true, message: `advance past stage ${stage.id} on plateau` });
      return fire(d, { type: 'ADVANCE' }, { kind: 'plateau', reasons }, { stageOutcome: 'plateau' });
    }
    case 'stop': {
      reasons.unshift({ code: 'plateau.stop', policy: 'plateau.stop', holds: true, message: `stop the run on plateau in stage ${stage.id}` });
      const done = fire(d, { type: 'STOP' }, { kind: 'plateau', reasons }, { stopReason: `plateau in stage ${stage.id}` });
      markStageEnd(d, 'plateau-stop');
      return done;
    }
    default:
      return false;
  }
}

function markStageEnd(d: Draft, outcome: string): void {
  const record = d.data.stages[stageIndexOf(d)];
  if (record && record.endedStep === null) {
    record.endedStep = d.data.step;
    record.outcome = outcome;
  }
}

function recordGated(d: Draft, ev: EvaluationInFlight): void {
  const scores = Object.values(ev.results.heldout?.tasks ?? {}).map((m) => m.accuracy);
  const score = mean(scores) ?? 0;
  const entry = { checkpointId: ev.checkpointId, step: ev.step, branch: ev.branch, stageIndex: stageIndexOf(d), score };
  const list = [...d.data.gated.filter((g) => g.checkpointId !== ev.checkpointId), entry];
  // Keep the best ones: drop the worst by (stage, score, step) while over the limit.
  while (list.length > GATED_KEPT) {
    let worstIndex = 0;
    list.forEach((g, i) => {
      const w = list[worstIndex] as typeof g;
      if (g.stageIndex < w.stageIndex || (g.stageIndex === w.stageIndex && (g.score < w.score || (g.score === w.score && g.step < w.step)))) worstIndex = i;
    });
    list.splice(worstIndex, 1);
  }
  d.data.gated = list;
}
