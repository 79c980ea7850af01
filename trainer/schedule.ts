// Learning-rate schedules as pure functions of the position in the stage's schedule.
import type { LearningRateSchedule } from '../schemas/common.ts';

export function learningRateAt(schedule: LearningRateSchedule, position: number): number {
  switch (schedule.kind) {
    case 'constant': {
      const warmup = schedule.warmupSteps ?? 0;
      return position < warmup ? (schedule.value * (position + 1)) / warmup : schedule.value;
    }
    case 'cosine': {
      // SGDR: cosine from max to min over each cycle; cycle i lasts period * multiplier^i steps.
      const warmup = schedule.warmupSteps ?? 0;
      if (position < warmup) return (schedule.max * (position + 1)) / warmup;
      const min = schedule.min ?? 0;
      const multiplier = schedule.periodMultiplier ?? 1;
      let t = position - warmup;
      let period = schedule.periodSteps;
      while (t >= period) {
        t -= period;
        period = Math.max(1, Math.round(period * multiplier));
      }
      return min + ((schedule.max - min) * (1 + Math.cos((Math.PI * t) / period))) / 2;
    }
    case 'triangular': {
      // Smith 2017: rises from min to max over halfCycleSteps, falls back over the next.
      const h = schedule.halfCycleSteps;
      const cycle = Math.floor(1 + position / (2 * h));
      const x = Math.abs(position / h - 2 * cycle + 1);
      return schedule.min + (schedule.max - schedule.min) * Math.max(0, 1 - x);
    }
  }
}
