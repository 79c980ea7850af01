// The strategies of bench:learning, generated as spec variants of one base spec per ladder, so
// every strategy shares model, optimizer, batch size, evaluation and the run's step budget, and
// differs only in what the issue names: stages, teacher, reviews, reverts, gates, replay.
import type { CurriculumSpecInput, Gate, StageSpec, TaskSpec, Teacher } from '../schemas/spec.ts';
import { hashSeed, Random } from '../tasks/random.ts';
import type { LadderConfig, LadderName } from './learning-ladders.ts';

export { ladder, LADDERS, type LadderConfig, type LadderName } from './learning-ladders.ts';

// Job order inside a seed: the pair the headline target compares first, so a matrix cut short by
// the clock still has the most seeds where they matter.
export const STRATEGIES = [
  'uniform',
  'full',
  'naive',
  'replay',
  'tscl-window',
  'exp3s',
  'competence',
  'full-no-review',
  'full-no-revert',
  'full-no-gates',
  // Controls of ordering: the full controller's very stages, hard to easy and in a random order.
  'anti-curriculum',
  'random-order',
] as const;
export type Strategy = (typeof STRATEGIES)[number];

/**
 * --quick runs only these: one sequence-model run costs 30-90 s on the shared two cores, and the
 * quick matrix must fit ten minutes; what stays are the strategies the targets compare (and the
 * ordering controls). The full bench runs every strategy on every ladder.
 */
export function quickStrategies(name: LadderName): readonly Strategy[] {
  if (name === 'permuted') return ['uniform', 'full', 'replay', 'anti-curriculum', 'random-order'];
  return ['uniform', 'full', 'anti-curriculum', 'random-order'];
}

/**
 * A gate that never passes, so the stage ends on its budget: with 200 held-out samples the Wilson
 * lower bound at 0.999 confidence is at most 200 / (200 + 3.29^2) = 0.95, below the threshold.
 */
const NEVER: Gate = { metric: 'accuracy', suite: 'heldout', task: 'each', op: '>=', threshold: 0.999 };

function oneStage(l: LadderConfig, teacher: Teacher): StageSpec[] {
  return [
    {
      id: 'all-tasks',
      tasks: l.tasks.map((t) => t.id),
      teacher,
      learningRate: l.learningRate,
      advance: { gates: [NEVER], confidence: 0.999, consecutive: 1, minSteps: 0 },
      maxSteps: l.budgetSteps,
      budgetAction: 'stop',
    },
  ];
}

/**
 * One stage per new task. `cumulative`: a stage trains every task so far (the addition ladder's
 * curriculum) or only the new one (continual learning's sequence). `gated`: the stage advances
 * when its new task passes the gate; otherwise only on its step budget.
 */
function staged(l: LadderConfig, opts: { cumulative: boolean; gated: boolean; adaptive: boolean; order?: readonly TaskSpec[]; mix?: number }): StageSpec[] {
  const order = opts.order ?? l.tasks;
  // Every ladder but the continual sequence trains its last stage to the run budget (or the milestone stop).
  const toBudget = !l.continual;
  return order.map((task, i) => {
    const ids = opts.cumulative ? order.slice(0, i + 1).map((t) => t.id) : [task.id];
    const last = i === order.length - 1;
    let teacher: Teacher;
    if (!opts.adaptive || ids.length === 1) teacher = ids.length === 1 ? { kind: 'fixed', weights: { [task.id]: 1 }, floor: 0 } : { kind: 'uniform', floor: 0.02 };
    else teacher = i === 1 ? { kind: 'tscl-window', window: 3, choice: 'epsilon-greedy', epsilon: 0.1, temperature: 0.05, floor: 0.02 } : { kind: 'exp3s', eta: 0.1, explorationRate: 0.05, shareRate: 0.001, reservoirSize: 500, floor: 0.02 };
    const gate: Gate = { metric: 'accuracy', suite: 'heldout', task: task.id, op: '>=', threshold: l.stageGate };
    return {
      id: `stage-${i}`,
      tasks: ids,
      teacher,
      ...(opts.mix !== undefined && opts.mix > 0 ? { mix: opts.mix } : {}),
      learningRate: l.learningRate,
      // On the addition ladder the last stage trains until the run budget (or the bench's milestone
      // stop). In the continual sequence it is a stage like the others: spending the leftover budget
      // on the last task alone would be fine-tuning on it, and forgetting everything else.
      advance: opts.gated && !(last && toBudget) ? { gates: [gate], confidence: l.gateConfidence, consecutive: 1, minSteps: 0 } : { gates: [NEVER], confidence: 0.999, consecutive: 1, minSteps: 0 },
      maxSteps: last && toBudget ? l.budgetSteps : l.stageSteps,
      budgetAction: last ? 'stop' : 'advance',
    };
  });
}

/** Examples a review can draw from per task: a pool task's pool, else (generators) the replay default. */
export function replayExamples(l: LadderConfig): number {
  let most = 0;
  for (const t of l.tasks) if (t.generator.kind === 'permuted-digits') most = Math.max(most, t.generator.trainExamples ?? 1000);
  return most > 0 ? most : 256;
}

/** The ladder's tasks hard to easy, or in an order drawn from the run seed (never the easy-to-hard one when avoidable). */
function reordered(tasks: readonly TaskSpec[], strategy: 'anti-curriculum' | 'random-order', seed: number): TaskSpec[] {
  if (strategy === 'anti-curriculum') return [...tasks].reverse();
  const rng = Random.fromSeed(hashSeed(seed, 'bench-stage-order'));
  let order = rng.shuffle([...tasks]);
  for (let i = 0; i < 8 && tasks.length > 1 && order.every((t, j) => t === tasks[j]); i++) order = rng.shuffle([...tasks]);
  return order;
}

export function strategySpec(l: LadderConfig, strategy: Strategy, seed: number): CurriculumSpecInput {
  const all = l.tasks.map((t) => t.id);
  const continual = l.continual;
  let stages: StageSpec[];
  let reviewEnabled = false;
  let reverts = false;
  let replay = false;
  switch (strategy) {
    case 'uniform':
      stages = oneStage(l, { kind: 'uniform', floor: 0.02 });
      break;
    case 'competence':
      // Difficulty-ordered pacing reaching every task at 60% of the budget.
      stages = oneStage(l, { kind: 'competence', initialCompetence: 0.1, rampSteps: Math.round(l.budgetSteps * 0.6), shape: 'sqrt', floor: 0.02 });
      break;
    case 'tscl-window':
      stages = oneStage(l, { kind: 'tscl-window', window: 3, choice: 'epsilon-greedy', epsilon: 0.1, temperature: 0.05, floor: 0.02 });
      break;
    case 'exp3s':
      stages = oneStage(l, { kind: 'exp3s', eta: 0.1, explorationRate: 0.05, shareRate: 0.001, reservoirSize: 500, floor: 0.02 });
      break;
    case 'naive':
    case 'replay':
      // A fixed hand-ordered sequence, one task at a time, each for its stage budget: plain fine-tuning.
      stages = staged(l, { cumulative: false, gated: false, adaptive: false });
      replay = strategy === 'replay';
      break;
    case 'full':
    case 'full-no-review':
    case 'full-no-revert':
    case 'full-no-gates':
      stages = staged(l, { cumulative: !continual, gated: strategy !== 'full-no-gates', adaptive: !continual, mix: l.mix });
      reviewEnabled = strategy !== 'full-no-review';
      reverts = strategy !== 'full-no-revert';
      break;
    case 'anti-curriculum':
    case 'random-order':
      stages = staged(l, { cumulative: !continual, gated: true, adaptive: !continual, mix: l.mix, order: reordered(l.tasks, strategy, seed) });
      reviewEnabled = true;
      reverts = true;
      break;
  }
  const full = strategy.startsWith('full') || strategy === 'anti-curriculum' || strategy === 'random-order';
  return {
    apiVersion: 'curriculum/v1',
    name: `bench-${l.name}-${strategy}`,
    seed,
    ...l.base,
    training: {
      batchSize: l.batchSize,
      lessonSteps: l.lessonSteps,
      metricsEvery: l.lessonSteps,
      checkpointEvery: 0,
      maxSteps: l.budgetSteps,
      backend: 'wasm',
      // As many stored examples per task as the controller's reviews draw from: each task's whole
      // training pool (permuted digits: trainExamples), so replay and reviews rehearse equal data.
      ...(replay ? { replay: { examplesPerTask: replayExamples(l), fraction: 0.5 } } : {}),
    },
    tasks: l.tasks,
    stages,
    evaluation: { suites: ['heldout'], samplesPerTask: l.samplesPerTask, everyLessons: 1 },
    // Review share: in the continual sequence each stage trains only its new task, so old tasks are
    // trained by reviews alone; half of a review lesson goes to them. Tuned on seeds 101-106, never
    // the bench's 1-5 (10 tasks, with revertNetLoss): 0.3 gave BWT -0.044 on 101, 102, 104; 0.5
    // gave -0.030 (-0.012 to -0.038) and final mean 0.859 on all six; 0.7 gave -0.026 and 0.863,
    // no better beyond noise. retentionThreshold 0.9 instead of the gate's 0.8 changed nothing:
    // regression reviews pre-empt the Leitner schedule there. The runs end when the last task
    // passes its gate, ~1,050-1,450 of the 1,500-step budget, so the larger share does not cost
    // the last stage. The addition ladder is cumulative (every stage trains all lengths so far),
    // where 0.3 is plenty.
    review: { enabled: reviewEnabled, intervals: [1, 2, 4, 8], fraction: continual ? 0.5 : 0.3, retentionThreshold: l.stageGate },
    // revertNetLoss: revert only when the best gated checkpoint beats the current model by 0.05
    // mean held-out accuracy over the tasks trained so far (about two standard errors of a mean of
    // 200-sample accuracies, and the forget threshold). Without it a mastered permutation dropping
    // 0.2 while the next one is learned, the normal price of a new task, reverted in 4 of 5 seeds
    // to a checkpoint stages old, discarding every task learned since (BWT -0.217).
    regression: full
      ? { forgetThreshold: 0.05, revertThreshold: 0.2, cooldownSteps: 500, maxReverts: reverts ? 3 : 0, hysteresis: 0.02, revertNetLoss: 0.05 }
      : // Baselines never react to forgetting: no forced reviews, no reverts.
        { forgetThreshold: 0.99, revertThreshold: 1, cooldownSteps: 0, maxReverts: 0, hysteresis: 0 },
    // Off everywhere: a plateau stop would end a baseline before its budget and blur "samples to milestone".
    earlyStopping: { enabled: false, patience: 8, minDelta: 0.001 },
    fairness: { maxGap: null, minSamples: 20 },
    continual: { enabled: false, deploymentId: 'default', minFeedback: 50, errorRate: 0.2, heldoutDrift: 0.05, retrainSteps: 200, feedbackFraction: 0.5, feedbackHoldoutFraction: 0.2, maxRegression: 0.02, minFeedbackGain: 0, poolLimit: 5000 },
    description: `bench:learning ${l.name} ${strategy}; tasks ${all.join(',')}`,
  };
}
