// Plateau detection: the least-squares slope of the stage metric (mean held-out accuracy or loss
// over the stage tasks) over the last `window` evaluations. Improvement is the slope for accuracy
// and minus the slope for loss; below minSlope the stage has plateaued.
import type { Reason } from '../../../schemas/events.ts';
import { slope } from '../stats.ts';

export interface PlateauCheck {
  plateaued: boolean;
  improvement: number | null;
  reason: Reason;
}

export function checkPlateau(policy: { metric: 'accuracy' | 'loss'; window: number; minSlope: number; action: string }, values: readonly number[]): PlateauCheck {
  const recent = values.slice(-policy.window);
  const s = recent.length >= policy.window ? slope(recent) : null;
  const improvement = s === null ? null : policy.metric === 'loss' ? -s : s;
  const plateaued = improvement !== null && improvement < policy.minSlope;
  return {
    plateaued,
    improvement,
    reason: {
      code: improvement === null ? 'plateau.window-filling' : 'plateau.slope',
      policy: `plateau.${policy.action}`,
      holds: plateaued,
      metric: `stage-mean-${policy.metric}`,
      ...(improvement !== null ? { value: improvement } : {}),
      threshold: policy.minSlope,
      comparator: '<',
      message:
        improvement === null
          ? `${recent.length} of ${policy.window} evaluations in the slope window`
          : `improvement per evaluation ${improvement.toFixed(5)} over the last ${policy.window} ${plateaued ? 'is below' : 'is not below'} ${policy.minSlope}`,
    },
  };
}
