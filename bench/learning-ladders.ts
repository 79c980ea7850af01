// The ladders of bench:learning: task sets, budgets and the target each one is measured against.
// Each ladder is one base spec that every strategy of bench/learning-specs.ts varies.
import type { CurriculumSpecInput, StageSpec, TaskSpec } from '../schemas/spec.ts';

// Cheapest first: a matrix cut short by the clock still has every MLP ladder in.
export const LADDERS = ['parity', 'noisy-labels', 'control', 'permuted', 'addition', 'long-addition'] as const;
export type LadderName = (typeof LADDERS)[number];

/** What a ladder's headline target compares, always against uniform (or replay) in the same run. */
export type LadderTarget =
  | { kind: 'samples-ratio'; max: number }
  | { kind: 'accuracy-gain'; min: number }
  | { kind: 'continual-vs-replay' };

export interface LadderConfig {
  name: LadderName;
  /** One line for tables and charts: what the ladder is and why it is in the bench. */
  title: string;
  tasks: TaskSpec[];
  /** Tasks of the milestone: every one of them at `milestoneAccuracy` held-out accuracy. */
  milestoneTasks: string[];
  milestoneAccuracy: number;
  /** Stop the run when the milestone is reached, or train to the budget (continual, equal-budget ladders). */
  stopAtMilestone: boolean;
  /** Each stage trains only its new task and the sequence is the point (continual learning). */
  continual: boolean;
  /** Run step budget, the same for every strategy. */
  budgetSteps: number;
  /** Stage budget of the staged strategies. */
  stageSteps: number;
  batchSize: number;
  lessonSteps: number;
  base: Pick<CurriculumSpecInput, 'model' | 'optimizer'>;
  learningRate: StageSpec['learningRate'];
  /** The gate threshold a staged strategy's new task must pass to advance. */
  stageGate: number;
  /** Confidence of the stage gate's Wilson bound; 0 gates on the point estimate. */
  gateConfidence: number;
  samplesPerTask: number;
  /** stages[].mix of the full controller (and its reordered controls); 0 leaves it out. */
  mix: number;
  target: LadderTarget;
}

const ADAM = { kind: 'adam', gradientClipNorm: 1 } as const;

/**
 * stages[].mix of the full controller on every ladder but the continual one, one value for all:
 * tuned on seed 101 (quick ladders), never the bench's 1-5. Negative control, samples to the
 * milestone against uniform's 10,240: mix 0.2 took 17,920, 0.5 took 15,360; parity reached its
 * milestone at 16,000 either way (uniform 19,200).
 */
const NO_REGRET_MIX = 0.5;

/** What most ladders share: a milestone run, point-estimate gates, 200 held-out samples per task. */
const DEFAULTS = { stopAtMilestone: true, continual: false, gateConfidence: 0, samplesPerTask: 200, mix: NO_REGRET_MIX } as const;

function additionTasks(lengths: number): TaskSpec[] {
  return Array.from({ length: lengths }, (_, i) => ({
    id: `add-${i + 1}`,
    skill: 'addition',
    difficulty: i + 1,
    generator: { kind: 'addition', digits: i + 1, minDigits: i + 1 },
  }));
}

function permutedTasks(count: number, skill: string, sameDifficulty: boolean): TaskSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `perm-${i}`,
    skill,
    difficulty: sameDifficulty ? 1 : i + 1,
    generator: { kind: 'permuted-digits', permutation: i, trainExamples: 1000 },
  }));
}

/** Build a ladder; `quick` shrinks it so the whole matrix fits in minutes. */
export function ladder(name: LadderName, quick: boolean): LadderConfig {
  return BUILDERS[name](quick);
}

function additionLadder(quick: boolean): LadderConfig {
  // Exact lengths (minDigits = digits: add-k is k-digit sums only), the setting of Matiisen et
  // al. (TSCL) and Graves et al., for every strategy: tasks do not overlap, so a task's held-out
  // accuracy is that length's, and uniform sampling gets no implicit curriculum from short sums
  // hidden inside the long tasks ("up to k digits", as in examples/addition.yaml, did that).
  // Measured on tuning seeds 101-102 (full ladder): uniform reaches the milestone in 61-69k
  // samples either way; this GRU reads one digit pair per position, so every length teaches the
  // same carry rule, and learning is bound by optimizer steps, not by which length is sampled:
  // add-1 alone reaches 0.96 at step 240, as it does inside the uniform mixture.
  const digits = quick ? 3 : 4;
  const tasks = additionTasks(digits);
  return {
    name: 'addition',
    title: `addition 1-${digits} digits (exact lengths)`,
    tasks,
    // The milestone of the issue: the easier lengths mastered (1-2 digits in quick mode, 1-3 in full).
    milestoneTasks: tasks.slice(0, digits - 1).map((t) => t.id),
    milestoneAccuracy: 0.9,
    ...DEFAULTS,
    budgetSteps: quick ? 1500 : 3000,
    stageSteps: quick ? 600 : 1000,
    batchSize: 128,
    lessonSteps: 60,
    base: { model: { kind: 'seq2seq', cell: 'gru', units: 64 }, optimizer: ADAM },
    learningRate: { kind: 'constant', value: 0.01, warmupSteps: 20 },
    stageGate: 0.9,
    // gateConfidence 0 (DEFAULTS): the point estimate at the milestone's own threshold, what a user
    // asking for ">= 0.9" would write: the Wilson bound at 95% on 200 samples needs ~0.94 and can
    // cost a lesson per stage.
    target: { kind: 'samples-ratio', max: 1.1 },
  };
}

function permutedLadder(quick: boolean): LadderConfig {
  const count = quick ? 5 : 10;
  const tasks = permutedTasks(count, 'digits', false);
  const stageSteps = quick ? 80 : 150;
  return {
    name: 'permuted',
    title: `permuted digits, ${count} tasks in sequence (continual)`,
    tasks,
    milestoneTasks: tasks.map((t) => t.id),
    milestoneAccuracy: 0.8,
    stopAtMilestone: false,
    continual: true,
    budgetSteps: stageSteps * count,
    stageSteps,
    batchSize: 64,
    lessonSteps: quick ? 40 : 50,
    base: { model: { kind: 'mlp', hidden: [100, 100], activation: 'relu' }, optimizer: ADAM },
    learningRate: { kind: 'constant', value: 0.002, warmupSteps: 10 },
    stageGate: 0.8,
    gateConfidence: 0.95,
    samplesPerTask: 200,
    // A continual sequence has no future tasks to mix in: that would be joint training.
    mix: 0,
    target: { kind: 'continual-vs-replay' },
  };
}

function parityLadder(quick: boolean): LadderConfig {
  const sizes = quick ? [10, 20, 30] : [10, 30, 50];
  const tasks: TaskSpec[] = sizes.map((bits, i) => ({
    id: `parity-${bits}`,
    skill: 'parity',
    difficulty: i + 1,
    generator: { kind: 'sparse-parity', bits, relevant: 3 },
  }));
  return {
    name: 'parity',
    title: `sparse parity k=3, n = ${sizes.join('/')}`,
    base: { model: { kind: 'mlp', hidden: [256], activation: 'relu' }, optimizer: ADAM },
    batchSize: 64,
    lessonSteps: 50,
    tasks,
    ...DEFAULTS,
    milestoneTasks: [tasks[tasks.length - 1]?.id ?? ''],
    milestoneAccuracy: 0.95,
    budgetSteps: quick ? 3000 : 6000,
    stageSteps: quick ? 1000 : 2000,
    learningRate: { kind: 'constant', value: 0.003, warmupSteps: 10 },
    stageGate: 0.95,
    target: { kind: 'samples-ratio', max: 0.2 },
  };
}

function longAdditionLadder(quick: boolean): LadderConfig {
  const digits = quick ? 4 : 6;
  const tasks = additionTasks(digits);
  return {
    ...additionLadder(quick),
    name: 'long-addition',
    title: `long addition 1-${digits} digits, milestone the longest`,
    tasks,
    milestoneTasks: [`add-${digits}`],
    budgetSteps: quick ? 2000 : 4000,
    stageSteps: quick ? 500 : 800,
    target: { kind: 'samples-ratio', max: 0.5 },
  };
}

function noisyLabelsLadder(quick: boolean): LadderConfig {
  // One problem at rising label noise: every task's held-out set is the same clean parity, so
  // held-out accuracy at the end of an equal budget says how much the noise cost.
  const levels = [0, 0.2, 0.4];
  const bits = quick ? 20 : 30;
  const tasks: TaskSpec[] = levels.map((labelNoise, i) => ({
    id: `noise-${Math.round(labelNoise * 100)}`,
    skill: 'parity',
    difficulty: i + 1,
    generator: { kind: 'sparse-parity', bits, relevant: 3 },
    noise: { inputNoise: 0, labelNoise, balanceClasses: false },
  }));
  return {
    ...parityLadder(quick),
    name: 'noisy-labels',
    title: `noisy labels: parity n=${bits} k=3 at label noise ${levels.join('/')}, equal budget`,
    tasks,
    milestoneTasks: tasks.map((t) => t.id),
    milestoneAccuracy: 0.95,
    stopAtMilestone: false,
    budgetSteps: quick ? 1500 : 3000,
    stageSteps: quick ? 500 : 1000,
    target: { kind: 'accuracy-gain', min: 0.03 },
  };
}

function controlLadder(quick: boolean): LadderConfig {
  // Negative control: independent tasks of one difficulty, so an order carries no information and
  // a curriculum can only delay the tasks it has not reached yet.
  const tasks = permutedTasks(3, 'control', true);
  return {
    ...permutedLadder(quick),
    name: 'control',
    title: 'negative control: 3 independent permuted-digit tasks of one difficulty',
    tasks,
    milestoneTasks: tasks.map((t) => t.id),
    milestoneAccuracy: 0.85,
    ...DEFAULTS,
    budgetSteps: quick ? 600 : 1200,
    stageSteps: quick ? 200 : 400,
    stageGate: 0.85,
    target: { kind: 'samples-ratio', max: 1.1 },
  };
}

const BUILDERS: Record<LadderName, (quick: boolean) => LadderConfig> = {
  permuted: permutedLadder,
  addition: additionLadder,
  parity: parityLadder,
  'long-addition': longAdditionLadder,
  'noisy-labels': noisyLabelsLadder,
  control: controlLadder,
};
