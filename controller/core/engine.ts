// One applyEvent call works on a draft: a copy of the run data that the handlers change freely,
// plus the machine snapshot and the envelopes emitted so far. `fire` sends a verdict to the
// statechart and executes (purely) the effects transition() returned.
import { categoryScores } from './policies/category-regression.ts';
import type { AnyEvent, EnvelopeOf, FeedbackSelection, Reason, SuiteName } from '../../schemas/events.ts';
import { cloneData } from './clone-data.ts';
import type { ResolvedSpec, StageSpec } from '../../schemas/spec.ts';
import { emitCommand, emitDecision, nextCommandId, runConfigOf, type Emitter } from './envelopes.ts';
import { lessonStats, planLesson, tasksUpTo } from './lesson-plan.ts';
import { stateName, stepMachine, type Effect, type MachineEvent, type PersistedMachine } from './machine.ts';
import { lessonLength } from './policies/budget.ts';
import { intervalOf, masterTask } from './policies/review.ts';
import { nextUint32 } from './rng.ts';
import type { LessonPurpose, RunData, RunSnapshot } from './snapshot.ts';
import { observe } from './teachers/index.ts';

/** A command in flight with no progress for this long is retried (fired by tick events), unless the spec says otherwise. */
const DEFAULT_LIVENESS_TIMEOUT_S = 30 * 60;

export function livenessTimeoutMs(spec: ResolvedSpec): number {
  return (spec.training.livenessTimeoutSeconds ?? DEFAULT_LIVENESS_TIMEOUT_S) * 1000;
}
/** Re-sends of a failed or silent command before the run fails. */
export const MAX_COMMAND_ATTEMPTS = 3;
/** Event ids remembered for duplicate detection (structural checks catch older repeats). */
export const RECENT_EVENT_IDS = 32;

export type DecisionKind = EnvelopeOf<'decision'>['payload']['kind'];

/** What a verdict carries to the effects it triggers. */
export interface VerdictDetails {
  revertTarget?: { checkpointId: string; step: number; branch: number };
  revertReason?: string;
  stopReason?: string;
  reviewTasks?: string[];
  stageOutcome?: string;
}

export interface Draft extends Emitter {
  snapshot: RunSnapshot;
  spec: ResolvedSpec;
  machine: PersistedMachine;
  nowMs: number;
  /** State before a transition that logged no verdict decision: the next decision starts from it. */
  pendingFrom: string | null;
}

export function openDraft(snapshot: RunSnapshot, producedAt: string, causedBy: string | null): Draft {
  return {
    snapshot,
    spec: snapshot.spec,
    machine: snapshot.machine,
    runId: snapshot.runId,
    producer: snapshot.producer,
    producedAt,
    causedBy,
    nowMs: Date.parse(producedAt),
    data: cloneData(snapshot.data),
    commands: [],
    decisions: [],
    pendingFrom: null,
  };
}

export function closeDraft(d: Draft): RunSnapshot {
  const s = d.snapshot;
  return { machineId: s.machineId, machineVersion: s.machineVersion, runId: s.runId, producer: s.producer, baseDir: s.baseDir, spec: s.spec, machine: d.machine, data: d.data };
}

export function stageIndexOf(d: Draft): number {
  return d.machine.context.stageIndex;
}

export function stageOf(d: Draft): StageSpec {
  return d.spec.stages[stageIndexOf(d)] as StageSpec;
}

export function label(d: Draft): string {
  const stage = d.spec.stages[stageIndexOf(d)];
  return `${stateName(d.machine.value)}:${stage?.id ?? '-'}`;
}

/**
 * Sends a verdict to the statechart. Returns false (and changes nothing) when the current
 * state does not accept it. The decision, if any, is logged before the effects' own output.
 */
export function fire(d: Draft, event: MachineEvent, decision: { kind: DecisionKind; reasons: Reason[] } | null, details: VerdictDetails = {}): boolean {
  const from = label(d);
  const step = stepMachine(d.machine, event);
  if (!step.changed) return false;
  d.machine = step.machine;
  if (decision) emitDecision(d, decision.kind, from, label(d), decision.reasons);
  else d.pendingFrom = from;
  for (const effect of step.effects) runEffect(d, effect, details);
  d.pendingFrom = null;
  return true;
}

/** From-label of a decision an effect logs: the decision log reads as one chain of states. */
function effectFrom(d: Draft): string {
  const from = d.pendingFrom ?? label(d);
  d.pendingFrom = null;
  return from;
}

function runEffect(d: Draft, effect: Effect, details: VerdictDetails): void {
  switch (effect.type) {
    case 'startLesson':
      startLesson(d, effect.params?.purpose ?? 'train', details.reviewTasks ?? []);
      return;
    case 'requestEvaluation':
      requestEvaluation(d);
      return;
    case 'enterNextStage':
      closeStage(d, stageIndexOf(d) - 1, details.stageOutcome ?? 'advanced');
      openStage(d);
      return;
    case 'finishStages':
      closeStage(d, stageIndexOf(d), details.stageOutcome ?? 'advanced');
      return;
    case 'enterContinual': {
      // The evaluation that ended the last stage measured the model deployed now, per category too.
      const last = d.data.inFlight?.kind === 'evaluate' ? d.data.inFlight.results.heldout : undefined;
      d.data.continual = {
        ...d.data.continual,
        ...(d.spec.continual.categoryRegression && last ? { deployedCategories: categoryScores(last.categories) } : {}),
        deployedCheckpointId: d.data.lastCheckpoint?.checkpointId ?? null,
        deployedStep: d.data.lastCheckpoint?.step ?? d.data.step,
        deployedHeldout: { ...d.data.heldout },
        feedbackSinceRetrain: 0,
        errorsSinceRetrain: 0,
        ...(d.data.continual.repeatedSinceRetrain !== undefined ? { repeatedSinceRetrain: 0 } : {}),
        lastDriftCheckAt: d.data.continual.feedbackTotal,
      };
      d.data.inFlight = null;
      d.data.deadline = null;
      return;
    }
    case 'completeRun':
      emitDecision(d, 'complete', effectFrom(d), label(d), [
        { code: 'stages.done', policy: 'curriculum', holds: true, message: `all ${d.spec.stages.length === 1 ? '1 stage' : `${d.spec.stages.length} stages`} finished; the spec has no continual phase (no retraining on production feedback)` },
      ]);
      stopCommand(d, 'completed');
      return;
    case 'revertToCheckpoint':
      revert(d, details);
      return;
    case 'retryCommand':
      retry(d);
      return;
    case 'stopRun':
      stopCommand(d, details.stopReason ?? 'stopped');
      return;
    case 'promoteCandidate':
    case 'rejectCandidate':
      // Bookkeeping of these two lives with the continual policy (continual-phase.ts), which
      // updates the data before firing; nothing is sent to executors.
      d.data.inFlight = null;
      d.data.deadline = null;
      return;
  }
}

function stopCommand(d: Draft, why: string): void {
  const { commandId, sequence } = nextCommandId(d);
  emitCommand(d, 'run.stop', commandId, sequence, { commandId, reason: why });
  d.data.inFlight = null;
  d.data.deadline = null;
}

function closeStage(d: Draft, index: number, outcome: string): void {
  const record = d.data.stages[index];
  if (record && record.endedStep === null) {
    record.endedStep = d.data.step;
    record.outcome = outcome;
  }
  const stage = d.spec.stages[index];
  if (!stage) return;
  for (const t of stage.tasks) {
    if (d.data.mastered[t]) continue;
    d.data.mastered[t] = masterTask(d.data.heldout[t] ?? 0, d.spec.review.intervals, d.data.lessons, index);
  }
}

function openStage(d: Draft): void {
  const i = stageIndexOf(d);
  const record = d.data.stages[i];
  if (record) record.startedStep = d.data.step;
  d.data.stageLessons = 0;
  d.data.stageTrainedSteps = 0;
  d.data.stageStartTrainedSteps = d.data.trainedSteps;
  d.data.teacher = {};
  d.data.shift = null;
  d.data.learningRateScale = 1;
  d.data.gateStreak = 0;
  d.data.plateauWindow = [];
  d.data.earlyStop = { best: null, evalsWithoutImprovement: 0 };
  while (d.data.clMatrix.length <= i) d.data.clMatrix.push(d.spec.tasks.map(() => null));
}

function startLesson(d: Draft, purpose: LessonPurpose, reviewTasks: readonly string[]): void {
  const spec = d.spec;
  const stageIndex = stageIndexOf(d);
  const stage = spec.stages[stageIndex] as StageSpec;
  const plan = planLesson(spec, stageIndex, d.data, purpose, reviewTasks);
  const runLeft = spec.training.maxSteps - d.data.trainedSteps;
  const stageLeft = stage.maxSteps - d.data.stageTrainedSteps;
  const steps =
    purpose === 'retrain'
      ? spec.continual.retrainSteps
      : purpose === 'review'
        ? lessonLength(spec.review.lessonSteps ?? spec.training.lessonSteps, Number.POSITIVE_INFINITY, runLeft)
        : lessonLength(stage.lessonSteps ?? spec.training.lessonSteps, stageLeft, runLeft);
  const [samplerSeed, rng] = nextUint32(d.data.rng);
  d.data.rng = rng;
  const lessonNumber = d.data.nextLesson;
  d.data.nextLesson = lessonNumber + 1;
  const lessonId = `${d.runId}:lesson:${lessonNumber}`;
  const fromCheckpointId = purpose === 'retrain' ? (d.data.continual.deployedCheckpointId ?? d.data.lastCheckpoint?.checkpointId ?? null) : (d.data.lastCheckpoint?.checkpointId ?? null);
  const scheduleOffsetSteps = purpose === 'retrain' ? 0 : d.data.stageTrainedSteps;
  const { commandId, sequence } = nextCommandId(d);
  d.data.inFlight = {
    kind: 'lesson',
    commandId,
    lessonId,
    purpose,
    startStep: d.data.step,
    steps,
    fromCheckpointId,
    weights: plan.weights,
    focus: plan.focus,
    reviewTasks: plan.reviewTasks,
    attempts: 1,
    lastMetricsStep: -1,
    tasks: {},
    completed: null,
    samplerSeed,
    scheduleOffsetSteps,
    ...(purpose === 'retrain' ? { feedbackUpTo: d.data.continual.feedbackTotal } : {}),
  };
  if (purpose !== 'retrain') d.data.weights = plan.weights;
  if (purpose === 'review') d.data.reviews += 1;
  d.data.deadline = d.nowMs + livenessTimeoutMs(d.spec);
  sendLesson(d, commandId, sequence);
  emitDecision(d, 'lesson', effectFrom(d), label(d), [
    {
      code: `lesson.${purpose}`,
      policy: `teacher.${stage.teacher.kind}`,
      holds: true,
      metric: 'steps',
      value: steps,
      message: `${purpose} lesson ${lessonId}: ${steps} steps from ${fromCheckpointId ?? 'scratch'} with weights ${Object.entries(plan.weights)
        .map(([t, w]) => `${t}=${w.toFixed(3)}`)
        .join(' ')}`,
    },
    ...plan.reasons,
    ...d.data.teacherNotes,
  ]);
  d.data.teacherNotes = [];
}

function sendLesson(d: Draft, commandId: string, sequence: number): void {
  const lesson = d.data.inFlight;
  if (!lesson || lesson.kind !== 'lesson') return;
  const stage = d.spec.stages[stageIndexOf(d)] as StageSpec;
  const lastStage = d.spec.stages[d.spec.stages.length - 1] as StageSpec;
  emitCommand(d, 'lesson.start', commandId, sequence, {
    commandId,
    run: runConfigOf(d.spec, d.snapshot.baseDir),
    lessonId: lesson.lessonId,
    stage: stage.id,
    stageIndex: stageIndexOf(d),
    branch: d.data.branch,
    purpose: lesson.purpose,
    taskWeights: lesson.weights,
    learningRate: lesson.purpose === 'retrain' ? lastStage.learningRate : stage.learningRate,
    learningRateScale: d.data.learningRateScale,
    scheduleOffsetSteps: lesson.scheduleOffsetSteps,
    steps: lesson.steps,
    startStep: lesson.startStep,
    checkpointEvery: d.spec.training.checkpointEvery > 0 ? d.spec.training.checkpointEvery : lesson.steps,
    metricsEvery: d.spec.training.metricsEvery,
    fromCheckpointId: lesson.fromCheckpointId,
    samplerSeed: lesson.samplerSeed,
    ...(lesson.feedbackUpTo !== undefined ? { feedback: feedbackSelection(d.spec, lesson.feedbackUpTo, { fraction: d.spec.continual.feedbackFraction }) } : {}),
  });
}

/** The slice of the deployment's feedback pool a command works on (see FeedbackSelection). */
export function feedbackSelection(spec: ResolvedSpec, upToCount: number, extra: Pick<FeedbackSelection, 'fraction' | 'baselineCheckpointId'> = {}): FeedbackSelection {
  const c = spec.continual;
  return { deploymentId: c.deploymentId, upToCount, poolLimit: c.poolLimit, holdoutFraction: c.feedbackHoldoutFraction, ...extra };
}

/** Tasks an evaluation covers: everything unlocked so far plus the next stage's (so R[i][i+1] fills). */
export function evaluationTasks(spec: ResolvedSpec, stageIndex: number, continual: boolean): string[] {
  return tasksUpTo(spec, continual ? spec.stages.length - 1 : Math.min(stageIndex + 1, spec.stages.length - 1));
}

function requestEvaluation(d: Draft): void {
  const lesson = d.data.inFlight;
  if (!lesson || lesson.kind !== 'lesson' || !lesson.completed) return;
  const continual = lesson.purpose === 'retrain';
  const suites: SuiteName[] = [...d.spec.evaluation.suites];
  if (continual && !suites.includes('feedback')) suites.push('feedback');
  const tasks = evaluationTasks(d.spec, stageIndexOf(d), continual);
  const { commandId, sequence } = nextCommandId(d);
  const deployed = d.data.continual.deployedCheckpointId;
  d.data.inFlight = {
    kind: 'evaluate',
    commandId,
    checkpointId: lesson.completed.checkpointId,
    branch: d.data.branch,
    step: lesson.completed.step,
    purpose: lesson.purpose,
    reviewTasks: lesson.reviewTasks,
    suites,
    tasks,
    attempts: 1,
    results: {},
    ...(continual ? { feedbackUpTo: lesson.feedbackUpTo ?? d.data.continual.feedbackTotal } : {}),
    ...(continual && deployed !== null ? { baselineCheckpointId: deployed } : {}),
  };
  d.data.deadline = d.nowMs + livenessTimeoutMs(d.spec);
  sendEvaluate(d, commandId, sequence);
  emitDecision(d, 'evaluate', effectFrom(d), label(d), [
    {
      code: lesson.purpose === 'train' ? 'evaluate.schedule' : `evaluate.after-${lesson.purpose}`,
      policy: 'evaluation',
      holds: true,
      metric: 'stage-lessons',
      value: d.data.stageLessons,
      threshold: d.spec.evaluation.everyLessons,
      message: `evaluate ${lesson.completed.checkpointId} on ${suites.join(', ')} for ${tasks.join(', ')}`,
    },
  ]);
}

export function sendEvaluate(d: Draft, commandId: string, sequence: number): void {
  const ev = d.data.inFlight;
  if (!ev || ev.kind !== 'evaluate') return;
  emitCommand(d, 'checkpoint.evaluate', commandId, sequence, {
    commandId,
    run: runConfigOf(d.spec, d.snapshot.baseDir),
    checkpointId: ev.checkpointId,
    branch: ev.branch,
    step: ev.step,
    suites: ev.suites,
    tasks: ev.tasks,
    ...(ev.feedbackUpTo !== undefined
      ? { feedback: feedbackSelection(d.spec, ev.feedbackUpTo, ev.baselineCheckpointId !== undefined ? { baselineCheckpointId: ev.baselineCheckpointId } : {}) }
      : {}),
  });
}

function revert(d: Draft, details: VerdictDetails): void {
  const target = details.revertTarget;
  if (!target) return;
  d.data.branch += 1;
  const { commandId, sequence } = nextCommandId(d);
  emitCommand(d, 'checkpoint.revert', commandId, sequence, {
    commandId,
    checkpointId: target.checkpointId,
    branch: d.data.branch,
    step: target.step,
    reason: details.revertReason ?? 'revert',
  });
  d.data.step = target.step;
  d.data.lastCheckpoint = { checkpointId: target.checkpointId, step: target.step, branch: d.data.branch };
  d.data.reverts += 1;
  d.data.lastRevertTrainedSteps = d.data.trainedSteps;
  d.data.revertArmed = false;
  d.data.gateStreak = 0;
  d.data.plateauWindow = [];
  d.data.inFlight = null;
}

function retry(d: Draft): void {
  const inFlight = d.data.inFlight;
  if (!inFlight) return;
  const { commandId, sequence } = nextCommandId(d);
  inFlight.commandId = commandId;
  inFlight.attempts += 1;
  d.data.deadline = d.nowMs + livenessTimeoutMs(d.spec);
  if (inFlight.kind === 'lesson') {
    inFlight.tasks = {};
    inFlight.lastMetricsStep = -1;
    inFlight.completed = null;
    sendLesson(d, commandId, sequence);
  } else {
    inFlight.results = {};
    sendEvaluate(d, commandId, sequence);
  }
}

/** Book-keeping of a finished lesson: step counters and the teacher's observation. */
export function finishLesson(d: Draft): LessonPurpose | null {
  const lesson = d.data.inFlight;
  if (!lesson || lesson.kind !== 'lesson' || !lesson.completed) return null;
  d.data.trainedSteps += lesson.steps;
  d.data.lessons += 1;
  if (lesson.purpose !== 'retrain') {
    d.data.stageTrainedSteps += lesson.steps;
    d.data.stageLessons += 1;
    const stage = stageOf(d);
    const observation = observe(stage.teacher, {
      tasks: stage.tasks,
      state: d.data.teacher,
      rng: d.data.rng,
      focus: lesson.focus,
      lesson: lessonStats(lesson.tasks),
    });
    d.data.teacher = observation.state;
    d.data.rng = observation.rng;
    d.data.teacherNotes = observation.reasons;
  }
  return lesson.purpose;
}

export function reviewInterval(spec: ResolvedSpec, box: number): number {
  return intervalOf(spec.review.intervals, box);
}

export function counterAdd(data: RunData, key: string, by = 1): void {
  data.counters[key] = (data.counters[key] ?? 0) + by;
}

export function rememberEventId(data: RunData, id: string): void {
  data.recentEventIds.push(id);
  if (data.recentEventIds.length > RECENT_EVENT_IDS) data.recentEventIds.splice(0, data.recentEventIds.length - RECENT_EVENT_IDS);
}

export type { AnyEvent };
