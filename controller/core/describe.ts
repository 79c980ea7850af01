// A read-only view of a run for the terminal, the HTTP API, metrics and the report.
import type { Decision } from '../../schemas/events.ts';
import { isTerminalRunState } from '../../schemas/common.ts';
import { clMetrics } from './cl-metrics.ts';
import { stateName, topLevelState } from './machine.ts';
import type { GatedCheckpoint, MasteredTask, RunSnapshot } from './snapshot.ts';
import { bestGatedCheckpoint } from './policies/regression.ts';

function bestModel(gated: readonly GatedCheckpoint[]): RunView['models']['best'] {
  const best = bestGatedCheckpoint(gated);
  return best ? { checkpointId: best.checkpointId, step: best.step, stageIndex: best.stageIndex, score: best.score } : null;
}

export interface RunView {
  runId: string;
  name: string;
  state: string;
  /** Nested state, e.g. 'continual.monitoring' (equals `state` for flat states). */
  detailedState: string;
  stageId: string | null;
  stageIndex: number;
  stageCount: number;
  step: number;
  samples: number;
  branch: number;
  weights: Record<string, number>;
  learningRateScale: number;
  heldout: Record<string, number>;
  lastDecision: Decision | null;
  decisionsCount: number;
  reviews: number;
  reverts: number;
  earlyStopped: boolean;
  stages: Array<{ id: string; startedStep: number | null; endedStep: number | null; outcome: string | null; rationale?: string }>;
  continualLearning: {
    tasks: string[];
    stages: string[];
    matrix: (number | null)[][];
    averageAccuracy: number | null;
    backwardTransfer: number | null;
    forwardTransfer: number | null;
    forgetting: number | null;
  };
  /** b_j of forward transfer: each task's accuracy when first evaluated before being trained. */
  forwardTransferBaseline: Record<string, number>;
  counters: Record<string, number>;
  terminal: boolean;
  /** Leitner state of the mastered tasks. */
  mastered: Record<string, MasteredTask>;
  trainedSteps: number;
  lessons: number;
  failureReason: string | null;
  /** Checkpoints a run exports as its models: the best that met every gate, and the latest. */
  models: {
    best: { checkpointId: string; step: number; stageIndex: number; score: number } | null;
    final: { checkpointId: string; step: number } | null;
  };
  /** The continual phase (null when the spec does not enable it). */
  continual: {
    deploymentId: string;
    deployedCheckpointId: string | null;
    feedbackTotal: number;
    feedbackSinceRetrain: number;
    /** Deliveries the pool recognised as repeats (re-sent ids, duplicate content): counted once, never toward retraining. */
    feedbackRepeated: number;
    promotions: number;
    rejections: number;
    lastDrift: number | null;
  } | null;
}

export function describeRun(snapshot: RunSnapshot): RunView {
  const { spec, data, machine } = snapshot;
  const state = topLevelState(machine.value);
  const stageIndex = machine.context.stageIndex;
  const tasks = spec.tasks.map((t) => t.id);
  const firstStage = tasks.map((t) => spec.stages.findIndex((s) => s.tasks.includes(t)));
  const matrix = data.clMatrix.map((row) => [...row]);
  return {
    runId: snapshot.runId,
    name: spec.name,
    state,
    detailedState: stateName(machine.value),
    stageId: spec.stages[stageIndex]?.id ?? null,
    stageIndex,
    stageCount: spec.stages.length,
    step: data.step,
    samples: data.samples,
    branch: data.branch,
    weights: { ...data.weights },
    learningRateScale: data.learningRateScale,
    heldout: { ...data.heldout },
    lastDecision: data.lastDecision,
    decisionsCount: data.decisionsCount,
    reviews: data.reviews,
    reverts: data.reverts,
    earlyStopped: data.earlyStopped,
    stages: data.stages.map((s) => ({ ...s })),
    continualLearning: {
      tasks,
      stages: spec.stages.slice(0, matrix.length).map((s) => s.id),
      matrix,
      ...clMetrics(matrix, firstStage, data.clBaseline),
    },
    forwardTransferBaseline: Object.fromEntries(tasks.flatMap((t, j) => (data.clBaseline[j] !== null && data.clBaseline[j] !== undefined ? [[t, data.clBaseline[j]]] : []))),
    counters: { ...data.counters },
    terminal: isTerminalRunState(state),
    mastered: Object.fromEntries(Object.entries(data.mastered).map(([t, m]) => [t, { ...m }])),
    trainedSteps: data.trainedSteps,
    lessons: data.lessons,
    failureReason: data.failureReason,
    models: { best: bestModel(data.gated), final: data.lastCheckpoint ? { checkpointId: data.lastCheckpoint.checkpointId, step: data.lastCheckpoint.step } : null },
    continual: spec.continual.enabled
      ? {
          deploymentId: spec.continual.deploymentId,
          deployedCheckpointId: data.continual.deployedCheckpointId,
          feedbackTotal: data.continual.feedbackTotal,
          feedbackSinceRetrain: data.continual.feedbackSinceRetrain,
          feedbackRepeated: data.continual.repeatedTotal ?? 0,
          promotions: data.continual.promotions,
          rejections: data.continual.rejections,
          lastDrift: data.continual.lastDrift,
        }
      : null,
  };
}
