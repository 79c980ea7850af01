// Types shared by the spec and the event contracts.
import { Type, type Static, type TLiteral, type TUnion, type SchemaOptions } from '@sinclair/typebox';

/** A union of string literals whose static type is the union of those strings (not `string`). */
export function LiteralUnion<const T extends readonly string[]>(values: T, options?: SchemaOptions): TUnion<Array<TLiteral<T[number]>>> {
  return Type.Union(values.map((v) => Type.Literal(v)) as Array<TLiteral<T[number]>>, options);
}

export const BACKEND_NAMES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** The states a run ends in: nothing more is sent for it. */
export const TERMINAL_RUN_STATES = ['completed', 'stopped', 'failed'] as const;
export type TerminalRunState = (typeof TERMINAL_RUN_STATES)[number];
export function isTerminalRunState(state: string): state is TerminalRunState {
  return (TERMINAL_RUN_STATES as readonly string[]).includes(state);
}

/** The task id under which production feedback trains (mixed into lessons) and is evaluated. */
export const FEEDBACK_TASK = 'feedback';

export const SuiteName = Type.Union(
  [Type.Literal('heldout'), Type.Literal('holdout-domain'), Type.Literal('adversarial'), Type.Literal('feedback')],
  { description: 'evaluation suite' },
);
export type SuiteName = Static<typeof SuiteName>;

export const ConstantSchedule = Type.Object(
  {
    kind: Type.Literal('constant'),
    value: Type.Number({ exclusiveMinimum: 0, description: 'learning rate after warm-up' }),
    warmupSteps: Type.Integer({ minimum: 0, default: 0, description: 'linear warm-up from 0 over this many steps' }),
  },
  { additionalProperties: false },
);
export const CosineSchedule = Type.Object(
  {
    kind: Type.Literal('cosine'),
    max: Type.Number({ exclusiveMinimum: 0, description: 'learning rate at the start of each cycle' }),
    min: Type.Number({ minimum: 0, default: 0, description: 'learning rate at the end of each cycle' }),
    periodSteps: Type.Integer({ minimum: 1, description: 'length of the first cycle in steps' }),
    periodMultiplier: Type.Number({ minimum: 1, default: 1, description: 'each restart multiplies the cycle length (SGDR T_mult)' }),
    warmupSteps: Type.Integer({ minimum: 0, default: 0 }),
  },
  { additionalProperties: false },
);
export const TriangularSchedule = Type.Object(
  {
    kind: Type.Literal('triangular'),
    min: Type.Number({ minimum: 0, description: 'base learning rate' }),
    max: Type.Number({ exclusiveMinimum: 0, description: 'peak learning rate' }),
    halfCycleSteps: Type.Integer({ minimum: 1, description: 'steps from min to max (Smith 2017 step size)' }),
  },
  { additionalProperties: false },
);
export const LearningRateSchedule = Type.Union([ConstantSchedule, CosineSchedule, TriangularSchedule], {
  description: 'learning-rate schedule',
});
export type LearningRateSchedule = Static<typeof LearningRateSchedule>;

