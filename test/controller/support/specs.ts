// Specs used by the controller tests, resolved with the real loader (defaults applied).
import { parseSpecValue } from '../../../schemas/spec-loader.ts';
import type { ResolvedSpec } from '../../../schemas/spec.ts';

type Json = Record<string, unknown>;

export function spec(overrides: Json = {}): ResolvedSpec {
  return parseSpecValue(
    {
      apiVersion: 'curriculum/v1',
      name: 'test-run',
      seed: 11,
      model: { kind: 'mlp', hidden: [8] },
      training: { batchSize: 32, lessonSteps: 100, metricsEvery: 50, maxSteps: 100000 },
      evaluation: { suites: ['heldout'], samplesPerTask: 500, everyLessons: 1 },
      tasks: [
        { id: 'a', skill: 's', difficulty: 1, generator: { kind: 'permuted-digits', permutation: 0 } },
        { id: 'b', skill: 's', difficulty: 2, generator: { kind: 'permuted-digits', permutation: 1 } },
        { id: 'c', skill: 's', difficulty: 3, generator: { kind: 'permuted-digits', permutation: 2 } },
      ],
      stages: [
        { id: 's1', tasks: ['a'], teacher: { kind: 'uniform' }, learningRate: { kind: 'constant', value: 0.01 }, advance: { gates: [{ metric: 'accuracy', task: 'a', threshold: 0.8 }], consecutive: 2 }, maxSteps: 10000 },
        {
          id: 's2',
          tasks: ['b'],
          teacher: { kind: 'uniform' },
          learningRate: { kind: 'constant', value: 0.01 },
          advance: { gates: [{ metric: 'accuracy', task: 'b', threshold: 0.8 }], consecutive: 1 },
          plateau: { window: 3, minSlope: 0.01, action: 'lower-lr', learningRateFactor: 0.5 },
          maxSteps: 10000,
        },
        { id: 's3', tasks: ['c'], teacher: { kind: 'uniform' }, learningRate: { kind: 'constant', value: 0.01 }, advance: { gates: [{ metric: 'accuracy', task: 'c', threshold: 0.95 }], consecutive: 1 }, maxSteps: 10000 },
      ],
      review: { enabled: true, intervals: [1, 2, 4], fraction: 0.25, retentionThreshold: 0.85 },
      regression: { forgetThreshold: 0.05, revertThreshold: 0.15, cooldownSteps: 500, maxReverts: 3, hysteresis: 0.02 },
      earlyStopping: { enabled: true, patience: 3, minDelta: 0.001 },
      ...overrides,
    },
    'test spec',
  );
}
