// Step budgets: the stage's maxSteps (then budgetAction) and the run's training.maxSteps (stop).
// Both count steps trained, across reverted branches: a budget is compute, not model position.
import type { Reason } from '../../../schemas/events.ts';

export function budgetReason(scope: 'stage' | 'run', used: number, budget: number): Reason {
  const exhausted = used >= budget;
  return {
    code: `budget.${scope}`,
    policy: `budget.${scope}`,
    holds: exhausted,
    metric: 'steps-trained',
    value: used,
    threshold: budget,
    comparator: '>=',
    message: `${used} of ${budget} ${scope} steps trained`,
  };
}

/** Steps of the next lesson: the lesson length clipped to what the budgets leave (at least 1). */
export function lessonLength(lessonSteps: number, stageLeft: number, runLeft: number): number {
  return Math.max(1, Math.min(lessonSteps, stageLeft, runLeft));
}
