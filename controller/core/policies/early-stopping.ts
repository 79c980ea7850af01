// Early stopping tied to stage milestones: the best stage-mean held-out accuracy is reset when a
// stage starts; `patience` evaluations in a row without improving it by more than minDelta stop the run.
import type { Reason } from '../../../schemas/events.ts';

export interface EarlyStopState {
  best: number | null;
  evalsWithoutImprovement: number;
}

export function updateEarlyStop(
  state: EarlyStopState,
  value: number,
  policy: { enabled: boolean; patience: number; minDelta: number },
): { state: EarlyStopState; stop: boolean; reason: Reason } {
  const improved = state.best === null || value > state.best + policy.minDelta;
  const next: EarlyStopState = improved
    ? { best: value, evalsWithoutImprovement: 0 }
    : { best: state.best, evalsWithoutImprovement: state.evalsWithoutImprovement + 1 };
  const stop = policy.enabled && next.evalsWithoutImprovement >= policy.patience;
  return {
    state: next,
    stop,
    reason: {
      code: 'early-stop.patience',
      policy: 'early-stopping',
      holds: stop,
      metric: 'evaluations-without-improvement',
      value: next.evalsWithoutImprovement,
      threshold: policy.patience,
      comparator: '>=',
      message: `${next.evalsWithoutImprovement} evaluation(s) without the stage mean improving by more than ${policy.minDelta} on ${(next.best ?? value).toFixed(4)}`,
    },
  };
}
