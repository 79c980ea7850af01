// Event contracts: the one definition of every message that crosses the bus.
// TypeScript types, runtime validators and the committed JSON Schema files
// (schemas/json/, for clients in other languages) are all derived from these.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { LearningRateSchedule, LiteralUnion, SuiteName } from './common.ts';
import { ModelSpec, OptimizerSpec, ReplaySpec, TaskSpec } from './spec.ts';
import { TokenizerSpec } from './text.ts';

export { LearningRateSchedule, SuiteName } from './common.ts';

/** Bumped when an event payload changes incompatibly; consumers reject versions they do not know. */
export const SCHEMA_VERSION = 1;

const Id = (description: string) => Type.String({ minLength: 1, maxLength: 200, description });
const Probability = (description: string) => Type.Number({ minimum: 0, maximum: 1, description });
const NonNegative = (description: string) => Type.Number({ minimum: 0, description });
const Step = Type.Integer({ minimum: 0, description: 'training step (logical time of a run)' });

// ---------------------------------------------------------------- payloads

export const TaskTrainingMetrics = Type.Object(
  {
    loss: NonNegative('mean training loss over the window'),
    accuracy: Probability('training accuracy over the window'),
    samples: Type.Integer({ minimum: 0, description: 'samples of this task seen in the window' }),
  },
  { additionalProperties: false },
);

export const TrainerMetricsPayload = Type.Object(
  {
    lessonId: Id('lesson the metrics belong to'),
    commandId: Id('start-lesson command id'),
    branch: Type.Integer({ minimum: 0, description: 'revert generation; bumped by each revert' }),
    step: Step,
    tasks: Type.Record(Type.String(), TaskTrainingMetrics, { description: 'per task, over the last window' }),
    learningRate: NonNegative('learning rate at this step'),
    gradientNorm: NonNegative('global gradient norm before clipping: the mean over the window\'s steps when clipping is on, the publishing step\'s own when it is off (computing it every step costs 6-11% of a small model\'s step)'),
    samplesPerSecond: NonNegative('throughput over the window'),
    backend: Type.String({ description: 'TensorFlow.js backend in use' }),
    device: Type.Optional(Type.String({ description: 'where the backend computes, e.g. "GPU:0 (NVIDIA H200)" or "CPU (wasm SIMD, 1 thread)"' })),
  },
  { additionalProperties: false },
);

export const CheckpointSavedPayload = Type.Object(
  {
    checkpointId: Id('checkpoint id'),
    lessonId: Id('lesson that produced it'),
    commandId: Id('start-lesson command id'),
    branch: Type.Integer({ minimum: 0 }),
    step: Step,
    location: Type.String({ minLength: 1, description: 'directory or URL of the checkpoint' }),
    parentCheckpointId: Type.Union([Id('checkpoint this one was trained from'), Type.Null()]),
    lessonComplete: Type.Boolean({ description: 'true for the checkpoint saved at lesson end' }),
  },
  { additionalProperties: false },
);

export const SuiteMetrics = Type.Object(
  {
    n: Type.Integer({ minimum: 0, description: 'examples evaluated' }),
    accuracy: Probability('fraction correct'),
    loss: NonNegative('mean loss'),
    ece: Probability('expected calibration error, 15 equal-width bins'),
  },
  { additionalProperties: false },
);
export type SuiteMetrics = Static<typeof SuiteMetrics>;

export const EvaluationResultsPayload = Type.Object(
  {
    commandId: Id('evaluate command id'),
    checkpointId: Id('checkpoint evaluated'),
    branch: Type.Integer({ minimum: 0 }),
    step: Step,
    suite: SuiteName,
    tasks: Type.Record(Type.String(), SuiteMetrics, { description: 'per task' }),
    categories: Type.Record(Type.String(), SuiteMetrics, { description: 'per category, across tasks' }),
    taskCategories: Type.Optional(
      Type.Record(Type.String(), Type.Record(Type.String(), SuiteMetrics), {
        description: 'per task, per category of that task alone: the controller judges fairness on the tasks trained so far, not on a next stage it evaluates for transfer (absent: categories is used)',
      }),
    ),
    durationSeconds: NonNegative('wall time of the evaluation'),
    baseline: Type.Optional(
      Type.Object(
        { checkpointId: Id('checkpoint scored for comparison (the deployed one)'), metrics: SuiteMetrics },
        { additionalProperties: false, description: 'feedback suite: the same hold-out scored on the baseline checkpoint' },
      ),
    ),
  },
  { additionalProperties: false },
);

/**
 * What an executor needs to know about a run, carried by every lesson and evaluate command so
 * that trainers and evaluators hold no per-run configuration and any instance can serve any run.
 */
export const RunConfig = Type.Object(
  {
    seed: Type.Integer({ minimum: 0, maximum: 4294967295 }),
    model: ModelSpec,
    optimizer: OptimizerSpec,
    batchSize: Type.Integer({ minimum: 1 }),
    backend: Type.String(),
    tasks: Type.Array(TaskSpec, { minItems: 1 }),
    samplesPerTask: Type.Integer({ minimum: 1, description: 'evaluation samples per task and suite' }),
    baseDir: Type.String({ description: 'directory relative dataset paths resolve against' }),
    replay: Type.Optional(ReplaySpec),
    tokenizer: Type.Optional(TokenizerSpec),
  },
  { additionalProperties: false },
);
export type RunConfig = Static<typeof RunConfig>;

/**
 * Which production feedback a retraining lesson or a feedback evaluation uses: the pool of the
 * deployment (a service-side dataset next to the checkpoints) cut at the first `upToCount` items
 * ever accepted, of which the newest `poolLimit` are kept; items whose id hashes below
 * `holdoutFraction` form the hold-out. Carried by the command so every executor selects the same items.
 */
export const FeedbackSelection = Type.Object(
  {
    deploymentId: Id('deployment whose feedback pool is used'),
    upToCount: Type.Integer({ minimum: 0, description: 'use pool items 1..upToCount (in acceptance order)' }),
    poolLimit: Type.Integer({ minimum: 1, description: 'of those, only the newest this many' }),
    holdoutFraction: Probability('items kept out of training, chosen by a hash of feedbackId'),
    fraction: Type.Optional(Probability('lessons: share of each batch drawn from the training part')),
    baselineCheckpointId: Type.Optional(Id('evaluations: also score this (deployed) checkpoint on the feedback hold-out')),
  },
  { additionalProperties: false },
);
export type FeedbackSelection = Static<typeof FeedbackSelection>;

/**
 * The feedback pool's answer for one delivered feedback event (not a bus event: the controller's
 * runtime asks the pool and hands this to the pure core with the event): the delivery's position
 * in the pool, and for a repeat the item it repeats and how the pool recognised it.
 */
export interface PoolVerdict {
  seq: number;
  repeatOf?: { feedbackId: string; by: 'id' | 'content' };
}

export const StartLessonPayload = Type.Object(
  {
    commandId: Id('deterministic command id; executors apply each id once'),
    run: RunConfig,
    lessonId: Id('lesson id'),
    stage: Id('stage id'),
    stageIndex: Type.Integer({ minimum: 0 }),
    branch: Type.Integer({ minimum: 0 }),
    purpose: Type.Union([Type.Literal('train'), Type.Literal('review'), Type.Literal('retrain')]),
    taskWeights: Type.Record(Type.String(), Probability('sampling probability'), { description: 'sums to 1' }),
    learningRate: LearningRateSchedule,
    learningRateScale: Type.Number({ exclusiveMinimum: 0, default: 1, description: 'multiplier applied by plateau handling' }),
    scheduleOffsetSteps: Type.Integer({ minimum: 0, description: 'position in the stage schedule where this lesson starts' }),
    steps: Type.Integer({ minimum: 1, description: 'optimizer steps in this lesson' }),
    startStep: Step,
    checkpointEvery: Type.Integer({ minimum: 1, description: 'save a checkpoint every this many steps (and at lesson end)' }),
    metricsEvery: Type.Integer({ minimum: 1, description: 'publish metrics every this many steps' }),
    fromCheckpointId: Type.Union([Id('checkpoint to continue from'), Type.Null()]),
    samplerSeed: Type.Integer({ minimum: 0, maximum: 4294967295, description: 'seed of the batch sampler for this lesson' }),
    feedback: Type.Optional(FeedbackSelection),
  },
  { additionalProperties: false },
);

export const EvaluateCheckpointPayload = Type.Object(
  {
    commandId: Id('deterministic command id'),
    run: RunConfig,
    checkpointId: Id('checkpoint to evaluate'),
    branch: Type.Integer({ minimum: 0 }),
    step: Step,
    suites: Type.Array(SuiteName, { minItems: 1 }),
    tasks: Type.Array(Type.String(), { minItems: 1, description: 'tasks to evaluate' }),
    feedback: Type.Optional(FeedbackSelection),
  },
  { additionalProperties: false },
);

export const RevertToCheckpointPayload = Type.Object(
  {
    commandId: Id('deterministic command id'),
    checkpointId: Id('checkpoint to restore'),
    branch: Type.Integer({ minimum: 0, description: 'the new branch the run continues on' }),
    step: Step,
    reason: Type.String(),
  },
  { additionalProperties: false },
);

export const StopRunPayload = Type.Object(
  {
    commandId: Id('deterministic command id'),
    reason: Type.String(),
  },
  { additionalProperties: false },
);

export const DecisionKind = LiteralUnion(
  [
    'start',
    'lesson',
    'evaluate',
    'advance',
    'hold',
    'plateau',
    'review',
    'regression-review',
    'revert',
    'revert-blocked',
    'fairness-block',
    'early-stop',
    'budget-exhausted',
    'complete',
    'stop',
    'pause',
    'resume',
    'fail',
    'retrain',
    'promote',
    'reject',
  ] as const,
  { description: 'what the controller decided' },
);
export type DecisionKind = Static<typeof DecisionKind>;

export const Reason = Type.Object(
  {
    code: Type.String({ description: 'stable machine-readable reason code, e.g. gate.lower-bound' }),
    policy: Type.String({ description: 'gate or policy that produced it' }),
    holds: Type.Boolean({ description: 'whether the condition held' }),
    message: Type.String({ description: 'human-readable sentence' }),
    task: Type.Optional(Type.String()),
    category: Type.Optional(Type.String()),
    metric: Type.Optional(Type.String()),
    value: Type.Optional(Type.Number()),
    threshold: Type.Optional(Type.Number()),
    bound: Type.Optional(Type.Number({ description: 'confidence bound used against the threshold' })),
    comparator: Type.Optional(Type.Union([Type.Literal('>='), Type.Literal('<='), Type.Literal('>'), Type.Literal('<')])),
  },
  { additionalProperties: false },
);
export type Reason = Static<typeof Reason>;

export const DecisionPayload = Type.Object(
  {
    decisionId: Id('deterministic decision id'),
    sequence: Type.Integer({ minimum: 0, description: 'position in the run decision log' }),
    step: Step,
    kind: DecisionKind,
    from: Type.String({ description: 'state and stage before, e.g. training:stage-1' }),
    to: Type.String({ description: 'state and stage after' }),
    reasons: Type.Array(Reason),
    causedBy: Type.Union([Type.String({ description: 'event id that triggered it' }), Type.Null()]),
  },
  { additionalProperties: false },
);

export const FeedbackSeverity = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('critical')]);

export const FeedbackPayload = Type.Object(
  {
    feedbackId: Id('unique id; duplicates are dropped'),
    deploymentId: Id('deployment (model in production) the feedback is about'),
    input: Type.Union([Type.String({ maxLength: 100000 }), Type.Array(Type.Number(), { maxItems: 4096 })], {
      description: 'the input the model saw: text or a numeric vector',
    }),
    prediction: Type.String({ maxLength: 1000, description: 'what the model answered' }),
    label: Type.String({ maxLength: 1000, description: 'the correct answer' }),
    category: Type.Optional(Type.String({ maxLength: 200 })),
    source: Type.String({ minLength: 1, maxLength: 200, description: 'who reported it (user, reviewer, monitor)' }),
    severity: FeedbackSeverity,
    observedAt: Type.String({ format: 'date-time', description: 'when it was observed, ISO 8601' }),
  },
  { additionalProperties: false },
);

/** What an operator can ask of a run (the API, the CLI and the operator.command event). */
export const OPERATOR_ACTIONS = ['pause', 'resume', 'force-advance', 'revert', 'stop'] as const;
export const OperatorAction = LiteralUnion(OPERATOR_ACTIONS);
export type OperatorAction = Static<typeof OperatorAction>;

export const OperatorCommandPayload = Type.Object(
  {
    action: OperatorAction,
    checkpointId: Type.Optional(Id('for revert: the checkpoint to restore (default: best gated)')),
    requestedBy: Type.Optional(Type.String({ maxLength: 200 })),
    note: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);

export const RunStartPayload = Type.Object(
  {
    spec: Type.Unknown({ description: 'the curriculum spec (validated by the controller against spec.schema.json)' }),
    specSource: Type.Optional(Type.String({ description: 'file the spec came from' })),
  },
  { additionalProperties: false },
);

export const CommandAckPayload = Type.Object(
  {
    commandId: Id('command acknowledged'),
    service: Type.String(),
    outcome: Type.Union([Type.Literal('executed'), Type.Literal('duplicate')]),
  },
  { additionalProperties: false },
);

export const ServiceErrorPayload = Type.Object(
  {
    commandId: Type.Union([Id('command that failed'), Type.Null()]),
    service: Type.String(),
    code: Type.String({ description: 'error code from the catalogue (schemas/errors.ts)' }),
    message: Type.String(),
  },
  { additionalProperties: false },
);

// ---------------------------------------------------------------- envelope

/** Every event type, its payload and the topic it travels on. */
export const EVENT_PAYLOADS = {
  'trainer.metrics': TrainerMetricsPayload,
  'checkpoint.saved': CheckpointSavedPayload,
  'evaluation.results': EvaluationResultsPayload,
  'lesson.start': StartLessonPayload,
  'checkpoint.evaluate': EvaluateCheckpointPayload,
  'checkpoint.revert': RevertToCheckpointPayload,
  'run.stop': StopRunPayload,
  decision: DecisionPayload,
  feedback: FeedbackPayload,
  'operator.command': OperatorCommandPayload,
  'run.start': RunStartPayload,
  'command.ack': CommandAckPayload,
  'service.error': ServiceErrorPayload,
} as const satisfies Record<string, TSchema>;

export type EventType = keyof typeof EVENT_PAYLOADS;
export type PayloadOf<T extends EventType> = Static<(typeof EVENT_PAYLOADS)[T]>;

function envelopeFor<T extends EventType>(type: T) {
  return Type.Object(
    {
      eventId: Id('unique event id; consumers drop repeats'),
      runId: Id('run the event belongs to; the partition key'),
      type: Type.Literal(type),
      schemaVersion: Type.Literal(SCHEMA_VERSION),
      producedAt: Type.String({ format: 'date-time', description: 'wall-clock time of production, for display only' }),
      producer: Type.String({ minLength: 1, description: 'service instance that produced it' }),
      sequence: Type.Integer({ minimum: 0, description: 'per-producer, per-run sequence number' }),
      payload: EVENT_PAYLOADS[type] as (typeof EVENT_PAYLOADS)[T],
    },
    { additionalProperties: false, $id: `${type}.event.json` },
  );
}

export const EVENT_SCHEMAS = Object.fromEntries(
  (Object.keys(EVENT_PAYLOADS) as EventType[]).map((t) => [t, envelopeFor(t)]),
) as { [T in EventType]: ReturnType<typeof envelopeFor<T>> };

export interface EnvelopeOf<T extends EventType> {
  eventId: string;
  runId: string;
  type: T;
  schemaVersion: typeof SCHEMA_VERSION;
  producedAt: string;
  producer: string;
  sequence: number;
  payload: PayloadOf<T>;
}
export type AnyEvent = { [T in EventType]: EnvelopeOf<T> }[EventType];

export type TrainerMetrics = PayloadOf<'trainer.metrics'>;
export type CheckpointSaved = PayloadOf<'checkpoint.saved'>;
export type EvaluationResults = PayloadOf<'evaluation.results'>;
export type StartLesson = PayloadOf<'lesson.start'>;
export type EvaluateCheckpoint = PayloadOf<'checkpoint.evaluate'>;
export type RevertToCheckpoint = PayloadOf<'checkpoint.revert'>;
export type StopRun = PayloadOf<'run.stop'>;
export type Decision = PayloadOf<'decision'>;
export type Feedback = PayloadOf<'feedback'>;
export type OperatorCommand = PayloadOf<'operator.command'>;
export type CommandAck = PayloadOf<'command.ack'>;
export type ServiceError = PayloadOf<'service.error'>;
