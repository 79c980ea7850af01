import { test } from 'node:test';
import assert from 'node:assert/strict';
import { learningRateAt } from '../../trainer/schedule.ts';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);

test('constant with linear warm-up', () => {
  const s = { kind: 'constant', value: 0.01, warmupSteps: 4 } as const;
  [0.0025, 0.005, 0.0075, 0.01, 0.01, 0.01].forEach((v, i) => close(learningRateAt(s, i), v));
  close(learningRateAt({ kind: 'constant', value: 0.02, warmupSteps: 0 }, 0), 0.02);
});

test('cosine with warm restarts: max at each cycle start, min+half-range mid-cycle, cycles grow by the multiplier', () => {
  const s = { kind: 'cosine', max: 0.1, min: 0.02, periodSteps: 10, periodMultiplier: 2, warmupSteps: 0 } as const;
  close(learningRateAt(s, 0), 0.1);
  close(learningRateAt(s, 5), 0.06); // cos(pi/2) = 0: min + (max-min)/2
  close(learningRateAt(s, 10), 0.1); // restart; the next cycle lasts 20 steps
  close(learningRateAt(s, 20), 0.06); // 10 of 20
  close(learningRateAt(s, 30), 0.1); // restart; then 40 steps
  close(learningRateAt(s, 9), 0.02 + 0.08 * (1 + Math.cos((Math.PI * 9) / 10)) / 2);
  const warm = { kind: 'cosine', max: 0.1, min: 0, periodSteps: 10, periodMultiplier: 1, warmupSteps: 2 } as const;
  close(learningRateAt(warm, 0), 0.05);
  close(learningRateAt(warm, 2), 0.1);
  close(learningRateAt(warm, 7), 0.05);
});

test('triangular cyclical (Smith 2017)', () => {
  const s = { kind: 'triangular', min: 0.001, max: 0.005, halfCycleSteps: 4 } as const;
  [0.001, 0.002, 0.003, 0.004, 0.005, 0.004, 0.003, 0.002, 0.001, 0.002].forEach((v, i) => close(learningRateAt(s, i), v));
});
