// The curriculum spec: the YAML file a user writes. Defaults live in the schema (so the
// generated reference in docs/spec-reference.md cannot drift from what the loader applies).
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { BACKEND_NAMES, LearningRateSchedule, LiteralUnion, SuiteName } from './common.ts';
import { SpamAssassinGenerator, TextClassifierModel, TokenizerSpec } from './text.ts';
import { StageMix } from './mixing.ts';
import { SparseParityGenerator } from './task-families.ts';
import { DifficultyBuckets } from './difficulty-buckets.ts';

const Obj = <T extends Parameters<typeof Type.Object>[0]>(props: T, description?: string) =>
  Type.Object(props, { additionalProperties: false, ...(description ? { description } : {}) });
const Id = (description: string) =>
  Type.String({ pattern: '^[a-z0-9][a-z0-9._-]*$', maxLength: 64, description: `${description} (lower-case letters, digits, . _ -)` });
const Fraction = (d: number, description: string) => Type.Number({ minimum: 0, maximum: 1, default: d, description });

// ---------------------------------------------------------------- tasks

export const NoiseOptions = Obj(
  {
    inputNoise: Fraction(0, 'standard deviation of Gaussian noise added to inputs (pixels), or digit-swap rate (sequences)'),
    labelNoise: Fraction(0, 'fraction of training labels replaced by a random wrong label'),
    balanceClasses: Type.Boolean({ default: false, description: 'sample classes uniformly instead of by frequency' }),
  },
  'per-task augmentation and noise, applied to training batches only',
);

export const AdditionGenerator = Obj(
  {
    kind: Type.Literal('addition'),
    digits: Type.Integer({ minimum: 1, maximum: 9, description: 'both operands have up to this many digits' }),
    minDigits: Type.Integer({ minimum: 1, maximum: 9, default: 1, description: 'fewest digits of the longer operand' }),
  },
  'sums of two numbers as sequence-to-sequence (Teacher-Student Curriculum Learning)',
);
export const PermutedDigitsGenerator = Obj(
  {
    kind: Type.Literal('permuted-digits'),
    permutation: Type.Integer({ minimum: 0, description: 'pixel permutation seed; 0 is the identity' }),
    trainExamples: Type.Integer({ minimum: 10, maximum: 8000, default: 1000, description: 'training pool size drawn from the mnist package' }),
  },
  'handwritten digits from the mnist package with a fixed pixel permutation (Gradient Episodic Memory)',
);
export const JsonlGenerator = Obj(
  {
    kind: Type.Literal('jsonl'),
    path: Type.String({ minLength: 1, description: 'JSONL file, relative to the spec file; rows {input, label, category?}' }),
    heldoutFraction: Fraction(0.2, 'rows kept out of training for held-out evaluation'),
  },
  'your own data: one JSON object per line',
);
export const Generator = Type.Union([AdditionGenerator, PermutedDigitsGenerator, JsonlGenerator, SpamAssassinGenerator, SparseParityGenerator]);
export type Generator = Static<typeof Generator>;

export const TaskSpec = Obj({
  id: Id('task id'),
  skill: Type.String({ minLength: 1, description: 'the skill this task exercises, for grouping in reports' }),
  difficulty: Type.Number({ minimum: 0, description: 'difficulty used by competence pacing (higher is harder)' }),
  generator: Generator,
  categories: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'category names tracked for fairness' })),
  noise: Type.Optional(NoiseOptions),
  rationale: Type.Optional(Type.String({ description: 'why this task is in the curriculum (shown in the report)' })),
  buckets: Type.Optional(DifficultyBuckets),
});
export type TaskSpec = Static<typeof TaskSpec>;

// ---------------------------------------------------------------- teachers

const floor = Type.Number({ minimum: 0, maximum: 0.5, default: 0.02, description: 'minimum sampling probability of every task in the stage' });
export const FixedTeacher = Obj({
  kind: Type.Literal('fixed'),
  weights: Type.Record(Type.String(), Type.Number({ minimum: 0 }), { description: 'task id -> relative weight' }),
  floor,
});
export const UniformTeacher = Obj({ kind: Type.Literal('uniform'), floor });
export const CompetenceTeacher = Obj(
  {
    kind: Type.Literal('competence'),
    initialCompetence: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.1, description: 'c0' }),
    rampSteps: Type.Integer({ minimum: 1, description: 'steps until competence reaches 1 (T)' }),
    shape: Type.Union([Type.Literal('sqrt'), Type.Literal('linear')], { default: 'sqrt' }),
    floor,
  },
  'competence-based pacing (Platanios et al. 2019)',
);
export const TsclWindowTeacher = Obj(
  {
    kind: Type.Literal('tscl-window'),
    window: Type.Integer({ minimum: 2, default: 5, description: 'K: scores per task used for the slope' }),
    choice: Type.Union([Type.Literal('epsilon-greedy'), Type.Literal('boltzmann')], { default: 'epsilon-greedy' }),
    epsilon: Fraction(0.1, 'exploration rate of epsilon-greedy'),
    temperature: Type.Number({ exclusiveMinimum: 0, default: 0.05, description: 'Boltzmann temperature' }),
    floor,
  },
  'TSCL Window (Matiisen et al. 2017): absolute slope of each task score over its last K lessons',
);
export const Exp3sTeacher = Obj(
  {
    kind: Type.Literal('exp3s'),
    eta: Type.Number({ exclusiveMinimum: 0, default: 0.1, description: 'step size' }),
    explorationRate: Fraction(0.05, 'epsilon mixed with the uniform distribution'),
    shareRate: Type.Number({ minimum: 0, maximum: 1, default: 0.001, description: 'beta: weight sharing (the S in Exp3.S)' }),
    reservoirSize: Type.Integer({ minimum: 10, default: 500, description: 'past rewards kept for the 20th/80th percentile rescaling' }),
    floor,
  },
  'Exp3.S on learning progress (Graves et al. 2017)',
);
export const Teacher = Type.Union([FixedTeacher, UniformTeacher, CompetenceTeacher, TsclWindowTeacher, Exp3sTeacher]);
export type Teacher = Static<typeof Teacher>;

// ---------------------------------------------------------------- stages

export const Gate = Obj({
  metric: Type.Union([Type.Literal('accuracy'), Type.Literal('loss'), Type.Literal('ece')]),
  suite: Type.Union([Type.Literal('heldout'), Type.Literal('holdout-domain'), Type.Literal('adversarial')], { default: 'heldout' }),
  task: Type.String({ minLength: 1, description: 'a task id of the stage, or "each" (every task of the stage) or "mean"' }),
  op: Type.Union([Type.Literal('>='), Type.Literal('<=')], { default: '>=' }),
  threshold: Type.Number({ description: 'accuracy and ece in [0, 1]; loss >= 0' }),
});
export type Gate = Static<typeof Gate>;

export const AdvancePolicy = Obj({
  gates: Type.Array(Gate, { minItems: 1 }),
  confidence: Type.Number({
    minimum: 0,
    maximum: 0.999,
    default: 0.95,
    description: 'accuracy gates compare the Wilson lower bound at this level (0 compares the point estimate)',
  }),
  consecutive: Type.Integer({ minimum: 1, default: 2, description: 'W: evaluations in a row that must pass' }),
  minSteps: Type.Integer({ minimum: 0, default: 0, description: 'steps in the stage before advancing is considered' }),
});

export const PlateauAction = LiteralUnion(['shift-to-weakest', 'lower-lr', 'review', 'advance', 'stop'], { default: 'shift-to-weakest' });
export const PlateauPolicy = Obj({
  metric: Type.Union([Type.Literal('accuracy'), Type.Literal('loss')], { default: 'accuracy' }),
  window: Type.Integer({ minimum: 2, default: 4, description: 'evaluations in the slope window' }),
  minSlope: Type.Number({ minimum: 0, default: 0.002, description: 'per-evaluation improvement below which the stage has plateaued' }),
  action: PlateauAction,
  learningRateFactor: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.5, description: 'for lower-lr' }),
  shiftStrength: Fraction(0.5, 'for shift-to-weakest: share of probability moved to the weakest tasks'),
});

export const StageSpec = Obj({
  id: Id('stage id'),
  tasks: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'task ids trained in this stage' }),
  teacher: Teacher,
  mix: StageMix,
  learningRate: LearningRateSchedule,
  lessonSteps: Type.Optional(Type.Integer({ minimum: 1, description: 'overrides training.lessonSteps' })),
  advance: AdvancePolicy,
  plateau: Type.Optional(PlateauPolicy),
  maxSteps: Type.Integer({ minimum: 1, description: 'step budget of the stage; exhausting it applies budgetAction' }),
  budgetAction: Type.Union([Type.Literal('advance'), Type.Literal('stop')], { default: 'advance' }),
  rationale: Type.Optional(Type.String({ description: 'why this stage exists (shown next to it in the report)' })),
});
export type StageSpec = Static<typeof StageSpec>;

// ---------------------------------------------------------------- run-wide policies

export const MlpModel = Obj({
  kind: Type.Literal('mlp'),
  hidden: Type.Array(Type.Integer({ minimum: 1, maximum: 4096 }), { minItems: 1, default: [100, 100] }),
  activation: Type.Union([Type.Literal('relu'), Type.Literal('tanh')], { default: 'relu' }),
});
export const Seq2SeqModel = Obj({
  kind: Type.Literal('seq2seq'),
  cell: Type.Union([Type.Literal('gru'), Type.Literal('lstm')], { default: 'gru' }),
  units: Type.Integer({ minimum: 1, maximum: 2048, default: 128 }),
});
export const PretrainedModel = Obj(
  {
    kind: Type.Literal('pretrained'),
    path: Type.String({
      minLength: 1,
      description: 'a TF.js Layers model: its model.json (weight shards beside it) or the directory holding it, relative to the spec file; a run\'s runs/<id>/model/best works',
    }),
    head: Type.Union([Type.Literal('auto'), Type.Literal('keep'), Type.Literal('replace'), Type.Literal('add')], {
      default: 'auto',
      description:
        'the classification head: keep the model\'s output (logits shaped like the tasks\' targets), replace its last layer with weights by a fresh dense head, or add a fresh head on top of its output; auto keeps a matching linear output and replaces anything else',
    }),
    unfreeze: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.Integer({ minimum: 0 }), Type.Literal('all')]), {
        description:
          'stage id -> how many body layers with weights, counted from the top, train in that stage besides the head (0: the head alone; "all": every layer); a stage not listed trains every layer (gradual unfreezing, ULMFiT: 0, then 1, 2, ... "all")',
      }),
    ),
    bodyLearningRateFactor: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1,
      default: 1,
      description: 'body layers train at the lesson learning rate times this; the head at the full rate (discriminative fine-tuning)',
    }),
  },
  'fine-tune a TensorFlow.js Layers model (as tf.LayersModel.save or the Keras converter writes it, or a run exported)',
);
export type PretrainedModel = Static<typeof PretrainedModel>;
export const ModelSpec = Type.Union([MlpModel, Seq2SeqModel, PretrainedModel, TextClassifierModel]);
export type ModelSpec = Static<typeof ModelSpec>;

export const OptimizerSpec = Obj({
  kind: Type.Union([Type.Literal('adam'), Type.Literal('sgd'), Type.Literal('rmsprop')], { default: 'adam' }),
  gradientClipNorm: Type.Number({ minimum: 0, default: 1, description: 'clip the global gradient norm (0 disables)' }),
});

export const ReplaySpec = Obj(
  {
    examplesPerTask: Type.Integer({ minimum: 1, maximum: 100000, default: 256, description: 'training examples kept per task (reservoir sampling)' }),
    fraction: Fraction(0.5, 'share of each batch drawn from the buffer of tasks the lesson does not train'),
  },
  'experience replay with a fixed buffer (a continual-learning baseline; the trainer keeps it in memory, not in checkpoints)',
);
export type ReplaySpec = Static<typeof ReplaySpec>;

export const TrainingSpec = Obj({
  batchSize: Type.Integer({ minimum: 1, maximum: 4096, default: 64 }),
  lessonSteps: Type.Integer({ minimum: 1, default: 100, description: 'optimizer steps per lesson' }),
  metricsEvery: Type.Integer({ minimum: 1, default: 25, description: 'publish trainer metrics every k steps' }),
  checkpointEvery: Type.Integer({ minimum: 0, default: 0, description: 'extra checkpoints every k steps (0: only at lesson end)' }),
  maxSteps: Type.Integer({ minimum: 1, default: 100000, description: 'step budget of the whole run' }),
  backend: LiteralUnion(BACKEND_NAMES, { default: 'auto' }),
  replay: Type.Optional(ReplaySpec),
  livenessTimeoutSeconds: Type.Optional(
    Type.Integer({
      minimum: 1,
      description:
        'a lesson or evaluation with no sign of progress (no metrics, checkpoint or results) for this long is re-sent under a new command id, from the same checkpoint, up to 3 attempts in all (absent: 1800)',
    }),
  ),
});

export const EvaluationSpec = Obj({
  suites: Type.Array(SuiteName, { minItems: 1, default: ['heldout', 'holdout-domain', 'adversarial'], uniqueItems: true }),
  samplesPerTask: Type.Integer({ minimum: 10, maximum: 100000, default: 200 }),
  everyLessons: Type.Integer({ minimum: 1, default: 1, description: 'evaluate after every n-th lesson' }),
});

export const ReviewPolicy = Obj({
  enabled: Type.Boolean({ default: true }),
  intervals: Type.Array(Type.Integer({ minimum: 1 }), {
    minItems: 1,
    default: [1, 2, 4, 8, 16],
    description: 'Leitner boxes: lessons between reviews for a task in box i',
  }),
  fraction: Fraction(0.25, 'share of a review lesson given to the tasks due; the rest continues the stage'),
  retentionThreshold: Fraction(0.9, 'held-out accuracy that counts as retained'),
  lessonSteps: Type.Optional(Type.Integer({ minimum: 1, description: 'steps of a review lesson (default: training.lessonSteps)' })),
});

export const RegressionPolicy = Obj({
  forgetThreshold: Fraction(0.05, 'drop of a mastered task held-out accuracy (from its best) that schedules an immediate review'),
  revertThreshold: Fraction(0.15, 'drop that reverts to the best checkpoint that still met every gate'),
  cooldownSteps: Type.Integer({ minimum: 0, default: 500, description: 'steps after a revert during which no other revert happens' }),
  maxReverts: Type.Integer({ minimum: 0, default: 3 }),
  hysteresis: Fraction(0.02, 'a regressed task counts as recovered only this far above the forget threshold'),
  // No default: a spec (or a stored snapshot's spec) without it keeps the behaviour it was run with.
  revertNetLoss: Type.Optional(
    Type.Number({
      minimum: 0,
      maximum: 1,
      description:
        'revert only on a net loss: the revert target must beat the current model by at least this much mean held-out accuracy over the tasks trained so far (tasks the target never trained on count at their accuracy before training); a severe drop without that net loss (forgetting while a new task improves) gets a regression review instead (absent: any severe drop reverts)',
    }),
  ),
});

export const EarlyStoppingPolicy = Obj({
  enabled: Type.Boolean({ default: true }),
  patience: Type.Integer({ minimum: 1, default: 8, description: 'evaluations without improvement of the stage mean held-out accuracy' }),
  minDelta: Type.Number({ minimum: 0, default: 0.001 }),
});

/** A class or category may drop at most maxDrop plus z standard errors of the difference (its sample sizes). */
export const CategoryRegressionPolicy = Obj(
  {
    maxDrop: Fraction(0.05, 'held-out accuracy a class or category may lose beyond its noise margin'),
    z: Type.Number({ minimum: 0, maximum: 5, default: 1.96, description: 'noise margin: this many standard errors of the difference of the two accuracies, from each side\'s sample count' }),
    minSamples: Type.Integer({ minimum: 1, default: 20, description: 'categories with fewer evaluated examples on either side are not judged' }),
  },
  'per-class guard: a candidate (continual) or an advance (fairness) whose held-out accuracy on any class or category drops by more than the margin is refused',
);

export const FairnessPolicy = Obj({
  maxGap: Type.Union([Fraction(0.1, ''), Type.Null()], {
    default: null,
    description: 'worst category may trail the mean held-out accuracy by at most this much; null disables',
  }),
  minSamples: Type.Integer({ minimum: 1, default: 20, description: 'categories with fewer evaluated examples are ignored' }),
  categoryRegression: Type.Optional(CategoryRegressionPolicy),
});

export const ContinualPolicy = Obj({
  enabled: Type.Boolean({ default: false }),
  deploymentId: Type.String({ minLength: 1, default: 'default' }),
  minFeedback: Type.Integer({ minimum: 1, default: 50, description: 'new feedback items that trigger retraining' }),
  errorRate: Fraction(0.2, 'feedback error rate that triggers retraining (with at least minFeedback/5 items)'),
  heldoutDrift: Fraction(0.05, 'drop of mean held-out accuracy that triggers retraining'),
  retrainSteps: Type.Integer({ minimum: 1, default: 200 }),
  feedbackFraction: Fraction(0.5, 'share of a retraining batch drawn from the feedback pool'),
  feedbackHoldoutFraction: Fraction(0.2, 'feedback kept out of training to score candidates'),
  maxRegression: Fraction(0.02, 'a mastered task may drop at most this much for a candidate to be promoted'),
  minFeedbackGain: Type.Number({ minimum: 0, maximum: 1, default: 0.0, description: 'feedback hold-out accuracy must improve by more than this' }),
  poolLimit: Type.Integer({ minimum: 1, default: 5000, description: 'feedback items kept per deployment (oldest dropped)' }),
  categoryRegression: Type.Optional(
    Obj(CategoryRegressionPolicy.properties, 'per-class guard of promotion: a candidate whose held-out accuracy on any class or category drops by more than the margin is rejected (filled with its defaults when continual.enabled; maxDrop: 1 turns it off)'),
  ),
  driftCheckEvery: Type.Optional(
    Type.Integer({
      minimum: 1,
      description: 'while monitoring, score the deployed model on the feedback hold-out every this many feedback items; a drop from its held-out accuracy at deployment of heldoutDrift or more triggers retraining (absent: no drift checks)',
    }),
  ),
});

export const CurriculumSpec = Obj({
  apiVersion: Type.Literal('curriculum/v1'),
  name: Id('run name'),
  description: Type.Optional(Type.String()),
  seed: Type.Integer({ minimum: 0, maximum: 4294967295, default: 1, description: 'seeds every random choice of the run' }),
  model: ModelSpec,
  tokenizer: Type.Optional(TokenizerSpec),
  optimizer: Type.Optional(OptimizerSpec),
  training: Type.Optional(TrainingSpec),
  tasks: Type.Array(TaskSpec, { minItems: 1 }),
  stages: Type.Array(StageSpec, { minItems: 1 }),
  evaluation: Type.Optional(EvaluationSpec),
  review: Type.Optional(ReviewPolicy),
  regression: Type.Optional(RegressionPolicy),
  earlyStopping: Type.Optional(EarlyStoppingPolicy),
  fairness: Type.Optional(FairnessPolicy),
  continual: Type.Optional(ContinualPolicy),
});

/** The spec as written (optional sections may be absent). */
export type CurriculumSpecInput = Static<typeof CurriculumSpec>;

type Required2<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** The spec after loading: every optional section filled with its defaults. */
export type ResolvedSpec = Required2<
  CurriculumSpecInput,
  'optimizer' | 'training' | 'evaluation' | 'review' | 'regression' | 'earlyStopping' | 'fairness' | 'continual'
>;

/** Sections that are optional in the file and filled with defaults by the loader. */
export const DEFAULTED_SECTIONS: Record<string, TSchema> = {
  optimizer: OptimizerSpec,
  training: TrainingSpec,
  evaluation: EvaluationSpec,
  review: ReviewPolicy,
  regression: RegressionPolicy,
  earlyStopping: EarlyStoppingPolicy,
  fairness: FairnessPolicy,
  continual: ContinualPolicy,
};
