// Regression of mastered tasks. drop = best held-out accuracy since mastery - current.
//   drop >= forgetThreshold: the task enters the regressed band and gets an immediate review
//     (once: it leaves the band only when drop <= forgetThreshold - hysteresis);
//   drop >= revertThreshold: revert to the best checkpoint that met every gate, unless a revert
//     happened less than cooldownSteps trained steps ago, maxReverts is spent, no gated checkpoint
//     exists, or the revert is disarmed (a revert disarms it until every mastered task recovered).
//   With revertNetLoss set, a revert also needs a net loss: the target must beat the current model
//     by at least revertNetLoss mean held-out accuracy over the tasks trained so far. A drop of one
//     task is the normal price of learning the next one in a continual sequence; restoring the
//     target would discard that progress too, so such a drop gets a regression review instead. A
//     lesson that wrecks everything (a diverging learning rate, corrupted labels) is a net loss
//     and is still reverted.
import type { Reason } from '../../../schemas/events.ts';
import type { GatedCheckpoint, MasteredTask } from '../snapshot.ts';

// Accuracy differences of decimals are not exact in binary (0.9 - 0.87 = 0.030000000000000027);
// a drop within this tolerance of a threshold counts as being at the threshold.
const TOLERANCE = 1e-9;

export interface RegressionPolicyValues {
  forgetThreshold: number;
  revertThreshold: number;
  cooldownSteps: number;
  maxReverts: number;
  hysteresis: number;
  /** Absent: any severe drop may revert (the rule before this option existed). */
  revertNetLoss?: number;
}

export interface RegressionAssessment {
  mastered: Record<string, MasteredTask>;
  /** Tasks past the revert threshold. */
  severe: string[];
  /** Tasks that just entered the regressed band (need an immediate review). */
  entered: string[];
  /** True when every mastered task is out of the band (drop <= forget - hysteresis). */
  allRecovered: boolean;
  reasons: Reason[];
}

export function assessRegression(
  order: readonly string[],
  mastered: Readonly<Record<string, MasteredTask>>,
  heldout: Readonly<Record<string, number>>,
  policy: RegressionPolicyValues,
): RegressionAssessment {
  const next: Record<string, MasteredTask> = {};
  const severe: string[] = [];
  const entered: string[] = [];
  const reasons: Reason[] = [];
  let allRecovered = true;
  for (const task of order) {
    const m = mastered[task];
    if (!m) continue;
    const acc = heldout[task];
    if (acc === undefined) {
      next[task] = m;
      continue;
    }
    const drop = m.best - acc;
    const recovered = drop <= policy.forgetThreshold - policy.hysteresis + TOLERANCE;
    let regressed = m.regressed;
    if (!regressed && drop >= policy.forgetThreshold - TOLERANCE) {
      regressed = true;
      entered.push(task);
    } else if (regressed && recovered) {
      regressed = false;
    }
    if (!recovered) allRecovered = false;
    if (drop >= policy.revertThreshold - TOLERANCE) severe.push(task);
    next[task] = { ...m, best: Math.max(m.best, acc), regressed };
    if (drop >= policy.forgetThreshold - TOLERANCE) {
      const isSevere = drop >= policy.revertThreshold - TOLERANCE;
      reasons.push({
        code: isSevere ? 'regression.severe' : 'regression.forgetting',
        policy: 'regression',
        holds: true,
        task,
        metric: 'heldout-accuracy-drop',
        value: drop,
        threshold: isSevere ? policy.revertThreshold : policy.forgetThreshold,
        comparator: '>=',
        message: `${task}: held-out accuracy ${acc.toFixed(4)} is ${drop.toFixed(4)} below its best ${m.best.toFixed(4)}`,
      });
    }
  }
  for (const [task, m] of Object.entries(mastered)) if (!(task in next)) next[task] = m;
  return { mastered: next, severe, entered, allRecovered, reasons };
}

export interface RevertCheck {
  allowed: boolean;
  reasons: Reason[];
}

/** What the net-loss rule compares: the revert target against the current model. */
export interface RevertComparison {
  /** Tasks the target's score averages (the evaluation it was gated on). */
  targetTasks: readonly string[];
  /** Tasks trained so far (the current stage and those before it). */
  trained: readonly string[];
  /** Latest held-out accuracy of the current model. */
  heldout: Readonly<Record<string, number>>;
  /** Held-out accuracy of a task measured before its first stage trained it, where known. */
  beforeTraining: Readonly<Record<string, number>>;
}

/**
 * Mean held-out accuracy the revert would lose (positive) or gain (negative), over the target's
 * tasks plus the tasks trained since. The target is known only by its mean; a task it was never
 * evaluated on was not trained when it was saved (evaluations cover every task up to the next
 * stage's), so it counts at that task's accuracy before training, or, unknown, as no difference.
 */
export function revertNetLoss(target: GatedCheckpoint, c: RevertComparison): { loss: number; targetMean: number; currentMean: number; tasks: number } {
  const inTarget = new Set(c.targetTasks);
  let targetSum = target.score * c.targetTasks.length;
  let currentSum = 0;
  let tasks = c.targetTasks.length;
  for (const t of c.targetTasks) currentSum += c.heldout[t] ?? target.score;
  for (const t of c.trained) {
    const now = c.heldout[t];
    if (inTarget.has(t) || now === undefined) continue;
    targetSum += c.beforeTraining[t] ?? now;
    currentSum += now;
    tasks += 1;
  }
  if (tasks === 0) return { loss: 0, targetMean: target.score, currentMean: target.score, tasks: 0 };
  return { loss: (targetSum - currentSum) / tasks, targetMean: targetSum / tasks, currentMean: currentSum / tasks, tasks };
}

export function checkRevert(
  policy: RegressionPolicyValues,
  reverts: number,
  trainedSteps: number,
  lastRevertTrainedSteps: number | null,
  armed: boolean,
  target: GatedCheckpoint | null,
  comparison?: RevertComparison,
): RevertCheck {
  const since = lastRevertTrainedSteps === null ? null : trainedSteps - lastRevertTrainedSteps;
  const cooldownOk = since === null || since >= policy.cooldownSteps;
  const countOk = reverts < policy.maxReverts;
  const reasons: Reason[] = [
    {
      code: 'revert.cooldown',
      policy: 'regression.cooldown',
      holds: cooldownOk,
      metric: 'steps-since-revert',
      ...(since !== null ? { value: since } : {}),
      threshold: policy.cooldownSteps,
      comparator: '>=',
      message: since === null ? 'no revert yet' : `${since} steps since the last revert, cooldown ${policy.cooldownSteps}`,
    },
    {
      code: 'revert.max-reverts',
      policy: 'regression.max-reverts',
      holds: countOk,
      metric: 'reverts',
      value: reverts,
      threshold: policy.maxReverts,
      comparator: '<',
      message: `${reverts} of at most ${policy.maxReverts} reverts used`,
    },
    {
      code: 'revert.hysteresis',
      policy: 'regression.hysteresis',
      holds: armed,
      message: armed ? 'revert armed' : `disarmed since the last revert until every mastered task is within ${policy.forgetThreshold - policy.hysteresis} of its best`,
    },
    {
      code: 'revert.target',
      policy: 'regression.target',
      holds: target !== null,
      ...(target ? { value: target.step } : {}),
      message: target ? `best gated checkpoint ${target.checkpointId} (stage ${target.stageIndex}, step ${target.step}, mean ${target.score.toFixed(4)})` : 'no checkpoint met every gate yet',
    },
  ];
  if (policy.revertNetLoss !== undefined && target && comparison) {
    const n = revertNetLoss(target, comparison);
    const holds = n.loss >= policy.revertNetLoss - TOLERANCE;
    reasons.push({
      code: 'revert.net-loss',
      policy: 'regression.net-loss',
      holds,
      metric: 'mean-heldout-accuracy-loss',
      value: n.loss,
      threshold: policy.revertNetLoss,
      comparator: '>=',
      message: `${target.checkpointId} ${n.targetMean.toFixed(4)} vs current ${n.currentMean.toFixed(4)} mean held-out accuracy over ${n.tasks} task(s): ${holds ? 'a net loss, revert' : 'no net loss (a drop paid for by progress elsewhere), review instead'}`,
    });
  }
  return { allowed: reasons.every((r) => r.holds), reasons };
}

/** The checkpoint furthest along the curriculum, then with the best mean held-out accuracy, then the latest. */
export function bestGatedCheckpoint(gated: readonly GatedCheckpoint[]): GatedCheckpoint | null {
  let best: GatedCheckpoint | null = null;
  for (const g of gated) {
    if (
      best === null ||
      g.stageIndex > best.stageIndex ||
      (g.stageIndex === best.stageIndex && (g.score > best.score || (g.score === best.score && g.step >= best.step)))
    ) {
      best = g;
    }
  }
  return best;
}
