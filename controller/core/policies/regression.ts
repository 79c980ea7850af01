// Regression of mastered tasks. drop = best held-out accuracy since mastery - current.
//   drop >= forgetThreshold: the task enters the regressed band and gets an immediate review
//     (once: it leaves the band only when drop <= forgetThreshold - hysteresis);
//   drop >= revertThreshold: revert to the best checkpoint that met every gate, unless a revert
//     happened less than cooldownSteps trained steps ago, maxReverts is spent, no gated checkpoint
//     exists, or the revert is disarmed (a revert disarms it until every mastered task recovered).
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

export function checkRevert(
  policy: RegressionPolicyValues,
  reverts: number,
  trainedSteps: number,
  lastRevertTrainedSteps: number | null,
  armed: boolean,
  target: GatedCheckpoint | null,
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
