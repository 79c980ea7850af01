// applyEvent: recognise duplicates and stale events, record what an event says, and when it
// completes what the run was waiting for, let the policies pick the verdict.
import type { AnyEvent, EnvelopeOf, OperatorCommand, PayloadOf, PoolVerdict } from '../../schemas/events.ts';
import type { ResolvedSpec } from '../../schemas/spec.ts';
import { isTerminalRunState } from '../../schemas/common.ts';
import { copyData, copyLesson } from './clone-data.ts';
import { countFeedback, decideCandidate, decideDrift, onFeedback } from './continual-phase.ts';
import {
  livenessTimeoutMs,
  MAX_COMMAND_ATTEMPTS,
  RECENT_EVENT_IDS,
  closeDraft,
  counterAdd,
  finishLesson,
  fire,
  label,
  openDraft,
  rememberEventId,
  stageIndexOf,
  type Draft,
} from './engine.ts';
import { emitDecision } from './envelopes.ts';
import { decideAfterEvaluation, recordEvaluation } from './evaluation-verdict.ts';
import { initialMachine, stateName, topLevelState, type PersistedMachine } from './machine.ts';
import { categoriesOfTasks } from './policies/category-regression.ts';
import { bestGatedCheckpoint } from './policies/regression.ts';
import { tasksUpTo } from './lesson-plan.ts';
import { seedState } from './rng.ts';
import { MACHINE_ID, MACHINE_VERSION, type RunData, type RunSnapshot, type TaskAccumulator } from './snapshot.ts';

export type TickEvent = { type: 'tick'; runId: string; now: string };
export type CoreOutcome = 'applied' | 'duplicate' | 'stale' | 'ignored';
export interface CoreResult {
  snapshot: RunSnapshot;
  commands: AnyEvent[];
  decisions: EnvelopeOf<'decision'>[];
  outcome: CoreOutcome;
}

export function isTerminal(machine: PersistedMachine): boolean {
  return isTerminalRunState(topLevelState(machine.value));
}

function initialData(spec: ResolvedSpec): RunData {
  return {
    rng: seedState(spec.seed),
    nextCommand: 0,
    nextDecision: 0,
    nextLesson: 0,
    step: 0,
    trainedSteps: 0,
    samples: 0,
    branch: 0,
    lessons: 0,
    stageLessons: 0,
    stageTrainedSteps: 0,
    stageStartTrainedSteps: 0,
    inFlight: null,
    lastCheckpoint: null,
    weights: {},
    learningRateScale: 1,
    teacher: {},
    shift: null,
    gateStreak: 0,
    plateauWindow: [],
    earlyStop: { best: null, evalsWithoutImprovement: 0 },
    earlyStopped: false,
    heldout: {},
    mastered: {},
    gated: [],
    reverts: 0,
    lastRevertTrainedSteps: null,
    revertArmed: true,
    reviews: 0,
    stages: spec.stages.map((s) => ({ id: s.id, startedStep: null, endedStep: null, outcome: null, ...(s.rationale ? { rationale: s.rationale } : {}) })),
    clMatrix: [spec.tasks.map(() => null)],
    clBaseline: spec.tasks.map(() => null),
    continual: { deployedCheckpointId: null, deployedHeldout: {}, feedbackSinceRetrain: 0, errorsSinceRetrain: 0, baselineFeedbackAccuracy: null, promotions: 0, rejections: 0, deployedStep: 0, feedbackTotal: 0, lastDriftCheckAt: 0, lastDrift: null },
    deadline: null,
    recentEventIds: [],
    counters: {},
    lastDecision: null,
    decisionsCount: 0,
    teacherNotes: [],
    failureReason: null,
  };
}

/** A new run: the 'start' decision and the first lesson. */
export function createRun(input: { runId: string; spec: ResolvedSpec; baseDir: string; producer: string; now: string }): CoreResult {
  const snapshot: RunSnapshot = {
    machineId: MACHINE_ID,
    machineVersion: MACHINE_VERSION,
    runId: input.runId,
    producer: input.producer,
    baseDir: input.baseDir,
    spec: input.spec,
    machine: initialMachine(input.spec.stages.length, input.spec.continual.enabled),
    data: initialData(input.spec),
  };
  const d = openDraft(snapshot, input.now, null);
  const first = input.spec.stages[0];
  if (d.data.stages[0]) d.data.stages[0].startedStep = 0;
  fire(d, { type: 'START' }, {
    kind: 'start',
    reasons: [
      {
        code: 'run.start',
        policy: 'curriculum',
        holds: true,
        message: `run ${input.spec.name}: ${input.spec.stages.length} stage(s), ${input.spec.tasks.length} task(s), seed ${input.spec.seed}, first stage ${first?.id ?? '-'}`,
      },
    ],
  });
  return { snapshot: closeDraft(d), commands: d.commands, decisions: d.decisions, outcome: 'applied' };
}

function unchanged(snapshot: RunSnapshot, outcome: CoreOutcome): CoreResult {
  return { snapshot, commands: [], decisions: [], outcome };
}

/** Counts an event that changes nothing but the bookkeeping (duplicate, stale, ignored). */
function noted(snapshot: RunSnapshot, event: AnyEvent, outcome: Exclude<CoreOutcome, 'applied'>, detail: string, remember: boolean): CoreResult {
  const data = copyData(snapshot.data);
  data.counters = withCount(withCount(snapshot.data.counters, `events.${outcome}`), `${outcome}.${detail}`);
  if (remember) data.recentEventIds = withId(snapshot.data.recentEventIds, event.eventId);
  return unchanged(withData(snapshot, data), outcome);
}

function finish(d: Draft, event: AnyEvent | null, outcome: CoreOutcome = 'applied'): CoreResult {
  if (event) {
    rememberEventId(d.data, event.eventId);
    counterAdd(d.data, `events.${outcome}`);
  }
  return { snapshot: closeDraft(d), commands: d.commands, decisions: d.decisions, outcome };
}

/** A feedback event with the pool's verdict on it (built by the controller's runtime, never on the bus). */
export interface PooledFeedbackEvent {
  type: 'feedback.pooled';
  feedback: EnvelopeOf<'feedback'>;
  pool: PoolVerdict;
}

export function applyEvent(snapshot: RunSnapshot, event: AnyEvent | TickEvent | PooledFeedbackEvent): CoreResult {
  if (event.type === 'tick') return onTick(snapshot, event);
  if (event.type === 'feedback.pooled') return onPooledFeedback(snapshot, event);
  if (event.runId !== snapshot.runId) return noted(snapshot, event, 'ignored', 'other-run', false);
  if (snapshot.data.recentEventIds.includes(event.eventId)) {
    if (event.type === 'feedback') return feedbackDuplicate(snapshot, event);
    return noted(snapshot, event, 'duplicate', 'event-id', false);
  }
  if (isTerminal(snapshot.machine)) return noted(snapshot, event, 'ignored', 'terminal', true);
  switch (event.type) {
    case 'trainer.metrics':
      return onMetrics(snapshot, event);
    case 'checkpoint.saved':
      return onCheckpoint(snapshot, event);
    case 'evaluation.results':
      return onResults(snapshot, event);
    case 'operator.command':
      return onOperator(snapshot, event);
    case 'service.error':
      return onServiceError(snapshot, event);
    case 'feedback':
      return onFeedbackEvent(snapshot, event);
    case 'command.ack': {
      const result = noted(snapshot, event, 'ignored', 'ack', true);
      result.snapshot.data.counters[`acks.${event.payload.outcome}`] = (result.snapshot.data.counters[`acks.${event.payload.outcome}`] ?? 0) + 1;
      return result;
    }
    default:
      return noted(snapshot, event, 'ignored', event.type, true);
  }
}

// trainer.metrics is the most frequent event: no draft, no deep copy, only the fields it changes.
function onMetrics(snapshot: RunSnapshot, event: EnvelopeOf<'trainer.metrics'>): CoreResult {
  const data = snapshot.data;
  const p = event.payload;
  if (p.branch < data.branch) return noted(snapshot, event, 'stale', 'branch', true);
  const lesson = data.inFlight;
  if (!lesson || lesson.kind !== 'lesson' || lesson.commandId !== p.commandId) return noted(snapshot, event, 'stale', 'command', true);
  if (p.step <= lesson.lastMetricsStep) return noted(snapshot, event, 'stale', 'order', true);
  const tasks: Record<string, TaskAccumulator> = {};
  for (const t in lesson.tasks) tasks[t] = lesson.tasks[t] as TaskAccumulator;
  let samples = 0;
  for (const task in p.tasks) {
    const m = p.tasks[task];
    if (!m) continue;
    const prev = tasks[task];
    samples += m.samples;
    tasks[task] = prev
      ? { correct: prev.correct + m.accuracy * m.samples, samples: prev.samples + m.samples, lossFirst: prev.lossFirst, lossLast: m.loss }
      : { correct: m.accuracy * m.samples, samples: m.samples, lossFirst: m.loss, lossLast: m.loss };
  }
  const nextLesson = copyLesson(lesson);
  nextLesson.lastMetricsStep = p.step;
  nextLesson.tasks = tasks;
  const next = copyData(data);
  next.inFlight = nextLesson;
  next.step = Math.max(data.step, p.step);
  next.samples = data.samples + samples;
  const nowMs = Date.parse(event.producedAt);
  if (Number.isFinite(nowMs)) next.deadline = nowMs + livenessTimeoutMs(snapshot.spec);
  next.counters = withCount(data.counters, 'events.applied');
  next.recentEventIds = withId(data.recentEventIds, event.eventId);
  return { snapshot: withData(snapshot, next), commands: [], decisions: [], outcome: 'applied' };
}

function withCount(counters: Readonly<Record<string, number>>, key: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k in counters) out[k] = counters[k] as number;
  out[key] = (out[key] ?? 0) + 1;
  return out;
}

function withId(ids: readonly string[], id: string): string[] {
  const start = ids.length >= RECENT_EVENT_IDS ? ids.length - RECENT_EVENT_IDS + 1 : 0;
  const out = ids.slice(start);
  out.push(id);
  return out;
}

function withData(s: RunSnapshot, data: RunData): RunSnapshot {
  return { machineId: s.machineId, machineVersion: s.machineVersion, runId: s.runId, producer: s.producer, baseDir: s.baseDir, spec: s.spec, machine: s.machine, data };
}

function isPaused(machine: PersistedMachine): boolean {
  return machine.value === 'paused';
}

function onCheckpoint(snapshot: RunSnapshot, event: EnvelopeOf<'checkpoint.saved'>): CoreResult {
  const p = event.payload;
  const data = snapshot.data;
  if (p.branch < data.branch) return noted(snapshot, event, 'stale', 'branch', true);
  const lesson = data.inFlight;
  if (!lesson || lesson.kind !== 'lesson' || lesson.commandId !== p.commandId) return noted(snapshot, event, 'stale', 'command', true);
  if (p.lessonComplete && lesson.completed) return noted(snapshot, event, 'duplicate', 'checkpoint', true);
  const d = openDraft(snapshot, event.producedAt, event.eventId);
  d.data.lastCheckpoint = { checkpointId: p.checkpointId, step: p.step, branch: p.branch };
  d.data.step = Math.max(d.data.step, p.step);
  if (!p.lessonComplete) return finish(d, event);
  const inFlight = d.data.inFlight;
  if (inFlight?.kind === 'lesson') inFlight.completed = { checkpointId: p.checkpointId, step: p.step };
  d.data.step = p.step;
  if (!isPaused(d.machine)) onLessonEnd(d);
  return finish(d, event);
}

function onLessonEnd(d: Draft): void {
  const purpose = finishLesson(d);
  if (purpose === null) return;
  const spec = d.spec;
  const stage = spec.stages[stageIndexOf(d)];
  const budgetsReached = d.data.trainedSteps >= spec.training.maxSteps || (stage !== undefined && d.data.stageTrainedSteps >= stage.maxSteps);
  const due = purpose !== 'train' || budgetsReached || d.data.stageLessons % spec.evaluation.everyLessons === 0;
  fire(d, { type: due ? 'LESSON_DONE' : 'NEXT_LESSON' }, null);
}

function onResults(snapshot: RunSnapshot, event: EnvelopeOf<'evaluation.results'>): CoreResult {
  const p = event.payload;
  const data = snapshot.data;
  if (p.branch < data.branch) return noted(snapshot, event, 'stale', 'branch', true);
  const ev = data.inFlight;
  if (!ev || ev.kind !== 'evaluate' || ev.checkpointId !== p.checkpointId || ev.commandId !== p.commandId) return noted(snapshot, event, 'stale', 'checkpoint', true);
  if (!ev.suites.includes(p.suite)) return noted(snapshot, event, 'ignored', 'suite-not-requested', true);
  if (ev.results[p.suite]) return noted(snapshot, event, 'duplicate', 'suite', true);
  const d = openDraft(snapshot, event.producedAt, event.eventId);
  const inFlight = d.data.inFlight;
  if (inFlight?.kind !== 'evaluate') return finish(d, event);
  // Fairness and the class guards judge the tasks trained so far; an older evaluator sends only the pooled categories.
  const trained = tasksUpTo(d.spec, Math.min(stageIndexOf(d), d.spec.stages.length - 1));
  const categories = p.taskCategories ? categoriesOfTasks(p.taskCategories, trained) : p.categories;
  inFlight.results[p.suite] = p.baseline ? { tasks: p.tasks, categories, baseline: p.baseline } : { tasks: p.tasks, categories };
  if (!isPaused(d.machine)) onEvaluationProgress(d);
  return finish(d, event);
}

function onEvaluationProgress(d: Draft): void {
  const ev = d.data.inFlight;
  if (ev?.kind !== 'evaluate' || !ev.suites.every((s) => ev.results[s] !== undefined)) return;
  const state = stateName(d.machine.value);
  if (ev.purpose === 'drift-check') {
    if (state === 'continual.monitoring') decideDrift(d, ev);
    return;
  }
  recordEvaluation(d, ev);
  if (state === 'continual.validating') decideCandidate(d, ev);
  else decideAfterEvaluation(d, ev);
}

/** After a resume: continue with whatever completed while the run was paused. */
function settle(d: Draft): void {
  const inFlight = d.data.inFlight;
  if (inFlight?.kind === 'lesson' && inFlight.completed) onLessonEnd(d);
  else if (inFlight?.kind === 'evaluate') onEvaluationProgress(d);
}

const ACTIVE_WORK = new Set(['training', 'reviewing', 'evaluating']);

function onOperator(snapshot: RunSnapshot, event: EnvelopeOf<'operator.command'>): CoreResult {
  const p: OperatorCommand = event.payload;
  const d = openDraft(snapshot, event.producedAt, event.eventId);
  const who = p.requestedBy ? ` by ${p.requestedBy}` : '';
  const note = p.note ? `: ${p.note}` : '';
  const why = (code: string, message: string) => [{ code, policy: 'operator', holds: true, message: `${message}${who}${note}` }];
  let done = false;
  switch (p.action) {
    case 'pause':
      done = fire(d, { type: 'PAUSE' }, { kind: 'pause', reasons: why('operator.pause', 'paused') });
      break;
    case 'resume':
      done = fire(d, { type: 'RESUME' }, { kind: 'resume', reasons: why('operator.resume', 'resumed') });
      if (done) settle(d);
      break;
    case 'stop':
      done = fire(d, { type: 'STOP' }, { kind: 'stop', reasons: why('operator.stop', 'stopped') }, { stopReason: `operator stop${who}${note}`, stageOutcome: 'stopped' });
      if (done) {
        const record = d.data.stages[stageIndexOf(d)];
        if (record && record.endedStep === null && record.startedStep !== null) {
          record.endedStep = d.data.step;
          record.outcome = 'stopped';
        }
      }
      break;
    case 'force-advance':
      if (!ACTIVE_WORK.has(stateName(d.machine.value))) break;
      done = fire(d, { type: 'ADVANCE' }, { kind: 'advance', reasons: why('operator.force-advance', 'stage advanced by the operator') }, { stageOutcome: 'forced' });
      break;
    case 'revert': {
      if (!ACTIVE_WORK.has(stateName(d.machine.value))) break;
      const known = p.checkpointId
        ? (d.data.gated.find((g) => g.checkpointId === p.checkpointId) ??
          (d.data.lastCheckpoint?.checkpointId === p.checkpointId ? { ...d.data.lastCheckpoint, stageIndex: stageIndexOf(d), score: 0 } : null))
        : bestGatedCheckpoint(d.data.gated);
      if (!known) {
        emitDecision(d, 'revert-blocked', label(d), label(d), [
          {
            code: 'revert.target',
            policy: 'operator',
            holds: false,
            message: p.checkpointId ? `checkpoint ${p.checkpointId} is not one this run knows` : 'no checkpoint met every gate yet',
          },
        ]);
        done = true;
        break;
      }
      done = fire(d, { type: 'REVERT' }, { kind: 'revert', reasons: why('operator.revert', `revert to ${known.checkpointId} (step ${known.step})`) }, {
        revertTarget: { checkpointId: known.checkpointId, step: known.step, branch: known.branch },
        revertReason: `operator revert${who}${note}`,
      });
      break;
    }
  }
  if (!done) {
    counterAdd(d.data, `ignored.operator-${p.action}`);
    return finish(d, event, 'ignored');
  }
  return finish(d, event);
}

function onServiceError(snapshot: RunSnapshot, event: EnvelopeOf<'service.error'>): CoreResult {
  const p: PayloadOf<'service.error'> = event.payload;
  const inFlight = snapshot.data.inFlight;
  if (p.commandId === null || !inFlight || inFlight.commandId !== p.commandId) return noted(snapshot, event, 'stale', 'service-error', true);
  if (isPaused(snapshot.machine)) return noted(snapshot, event, 'ignored', 'service-error-paused', true);
  const d = openDraft(snapshot, event.producedAt, event.eventId);
  if (inFlight.kind === 'evaluate' && inFlight.purpose === 'drift-check') {
    // A failed drift check is dropped, not retried: the next one is due after driftCheckEvery items.
    d.data.inFlight = null;
    counterAdd(d.data, 'drift-check.failed');
    return finish(d, event);
  }
  counterAdd(d.data, 'service-errors');
  retryOrFail(d, `${p.service} failed ${p.commandId} with ${p.code}: ${p.message}`, 'retry.service-error');
  return finish(d, event);
}

function retryOrFail(d: Draft, what: string, code: string): void {
  const inFlight = d.data.inFlight;
  if (!inFlight) return;
  const attempts = inFlight.attempts;
  if (attempts < MAX_COMMAND_ATTEMPTS) {
    fire(d, { type: 'RETRY' }, {
      kind: inFlight.kind === 'lesson' ? 'lesson' : 'evaluate',
      reasons: [{ code, policy: 'retry', holds: true, metric: 'attempts', value: attempts, threshold: MAX_COMMAND_ATTEMPTS, comparator: '<', message: `${what}; attempt ${attempts + 1} of ${MAX_COMMAND_ATTEMPTS}` }],
    });
    return;
  }
  d.data.failureReason = what;
  fire(d, { type: 'FAIL' }, {
    kind: 'fail',
    reasons: [{ code: `${code}.exhausted`, policy: 'retry', holds: false, metric: 'attempts', value: attempts, threshold: MAX_COMMAND_ATTEMPTS, comparator: '<', message: `${what}; ${attempts} attempts used` }],
  }, { stopReason: `failed: ${what}` });
}

function onTick(snapshot: RunSnapshot, tick: TickEvent): CoreResult {
  if (tick.runId !== snapshot.runId || isTerminal(snapshot.machine) || isPaused(snapshot.machine)) return unchanged(snapshot, 'ignored');
  const now = Date.parse(tick.now);
  const deadline = snapshot.data.deadline;
  if (deadline === null || !snapshot.data.inFlight || !(now > deadline)) return unchanged(snapshot, 'ignored');
  const d = openDraft(snapshot, tick.now, null);
  counterAdd(d.data, 'timeouts');
  retryOrFail(d, `no progress on ${d.data.inFlight?.commandId ?? '-'} for ${livenessTimeoutMs(d.spec) / 1000} s`, 'retry.timeout');
  return finish(d, null);
}

function onFeedbackEvent(snapshot: RunSnapshot, event: EnvelopeOf<'feedback'>): CoreResult {
  const state = stateName(snapshot.machine.value);
  if (event.payload.deploymentId !== snapshot.spec.continual.deploymentId) return noted(snapshot, event, 'ignored', 'feedback-other-deployment', true);
  const d = openDraft(snapshot, event.producedAt, event.eventId);
  // The pool (service side) keeps every item of the deployment in arrival order; the count keeps
  // the core's cut of it (FeedbackSelection.upToCount) aligned, also for items that arrive early.
  countFeedback(d);
  return countNewFeedback(d, event, state);
}

/** A new item: toward retraining in the continual phase, only pooled before it. */
function countNewFeedback(d: Draft, event: EnvelopeOf<'feedback'>, state: string): CoreResult {
  if (!state.startsWith('continual.')) {
    counterAdd(d.data, 'ignored.feedback-outside-continual');
    return finish(d, event, 'ignored');
  }
  counterAdd(d.data, 'feedback');
  onFeedback(d, event.payload, state === 'continual.monitoring');
  return finish(d, event);
}

/**
 * Feedback the runtime admitted and pooled, with the pool's verdict: the pool's position becomes
 * the core's cut, and only a new item counts toward retraining; a repeat (a re-sent id or the same
 * content, anywhere in the pool's history) is counted once, as repeated.
 */
function onPooledFeedback(snapshot: RunSnapshot, pooled: PooledFeedbackEvent): CoreResult {
  const { feedback: event, pool } = pooled;
  if (event.runId !== snapshot.runId) return noted(snapshot, event, 'ignored', 'other-run', false);
  if (isTerminal(snapshot.machine)) return noted(snapshot, event, 'ignored', 'terminal', true);
  if (event.payload.deploymentId !== snapshot.spec.continual.deploymentId) return noted(snapshot, event, 'ignored', 'feedback-other-deployment', true);
  const state = stateName(snapshot.machine.value);
  const d = openDraft(snapshot, event.producedAt, event.eventId);
  const c = d.data.continual;
  c.feedbackTotal = Math.max(c.feedbackTotal, pool.seq);
  c.repeatedSinceRetrain ??= 0;
  c.repeatedTotal ??= 0;
  if (pool.repeatOf) {
    c.repeatedSinceRetrain += 1;
    c.repeatedTotal += 1;
    counterAdd(d.data, `feedback.repeated-${pool.repeatOf.by}`);
    return finish(d, event, 'duplicate');
  }
  return countNewFeedback(d, event, state);
}

/**
 * A repeated feedback event is not new feedback, but it is a delivery the pool records (as a
 * duplicate line), so it still moves the pool position the core names in its commands.
 */
function feedbackDuplicate(snapshot: RunSnapshot, event: EnvelopeOf<'feedback'>): CoreResult {
  if (isTerminal(snapshot.machine) || event.payload.deploymentId !== snapshot.spec.continual.deploymentId) return noted(snapshot, event, 'duplicate', 'event-id', false);
  const d = openDraft(snapshot, event.producedAt, event.eventId);
  countFeedback(d);
  counterAdd(d.data, 'events.duplicate');
  counterAdd(d.data, 'duplicate.event-id');
  return { snapshot: closeDraft(d), commands: [], decisions: [], outcome: 'duplicate' };
}
