// The run statechart. It is the same for every spec: the stage index is data in context, so a
// persisted snapshot survives spec edits. Transitions are named actions only (no implementations
// here); `transition()` returns them and the core turns them into commands, so nothing runs.
//
// The machine's events are verdicts, not raw bus events: the core's policies read the bus event
// and the run data and decide which verdict to send (see verdicts in apply-event.ts).
import { assign, setup, transition, type SnapshotFrom } from 'xstate';

export interface RunMachineContext {
  stageIndex: number;
  stageCount: number;
  continual: boolean;
  /** The state a paused run returns to. */
  resumeTo: ResumableState | null;
}

export const RESUMABLE_STATES = ['training', 'reviewing', 'evaluating', 'continual.monitoring', 'continual.retraining', 'continual.validating'] as const;
export type ResumableState = (typeof RESUMABLE_STATES)[number];

export type MachineEvent =
  | { type: 'START' }
  | { type: 'LESSON_DONE' }
  | { type: 'NEXT_LESSON' }
  | { type: 'HOLD' }
  | { type: 'REVIEW' }
  | { type: 'ADVANCE' }
  | { type: 'REVERT' }
  | { type: 'RETRY' }
  | { type: 'PAUSE' }
  | { type: 'RESUME' }
  | { type: 'STOP' }
  | { type: 'FAIL' }
  | { type: 'RETRAIN' }
  | { type: 'PROMOTE' }
  | { type: 'REJECT' };
export type MachineEventType = MachineEvent['type'];

/** Effects the core executes (purely) when a transition returns them, in this order. */
export type EffectType =
  | 'startLesson'
  | 'requestEvaluation'
  | 'enterNextStage'
  | 'finishStages'
  | 'enterContinual'
  | 'completeRun'
  | 'revertToCheckpoint'
  | 'retryCommand'
  | 'stopRun'
  | 'promoteCandidate'
  | 'rejectCandidate';
export interface Effect {
  type: EffectType;
  params?: { purpose: 'train' | 'review' | 'retrain' };
}

type Purpose = 'train' | 'review' | 'retrain';
const lesson = (purpose: Purpose) => ({ type: 'startLesson', params: { purpose } }) as const;
const pauseFrom = (state: ResumableState) => ({ target: '#run.paused', actions: { type: 'setResumeTo', params: { state } } }) as const;
const stopAndFail = {
  STOP: { target: '#run.stopped', actions: 'stopRun' },
  FAIL: { target: '#run.failed', actions: 'stopRun' },
} as const;
const advance = [
  { guard: 'hasNextStage', target: '#run.training', actions: ['nextStageIndex', 'enterNextStage', lesson('train')] },
  { guard: 'continualEnabled', target: '#run.continual', actions: ['finishStages', 'enterContinual'] },
  { target: '#run.completed', actions: ['finishStages', 'completeRun'] },
] as const;
const revert = { target: '#run.training', actions: ['revertToCheckpoint', lesson('train')] } as const;
// Effects are declared so the machine type-checks; transition() returns them instead of running them.
const effect = () => undefined;

export const runMachine = setup({
  types: {
    context: {} as RunMachineContext,
    events: {} as MachineEvent,
    input: {} as { stageCount: number; continual: boolean },
  },
  actions: {
    startLesson: (_: unknown, _params: { purpose: Purpose }) => undefined,
    requestEvaluation: effect,
    enterNextStage: effect,
    finishStages: effect,
    enterContinual: effect,
    completeRun: effect,
    revertToCheckpoint: effect,
    retryCommand: effect,
    stopRun: effect,
    promoteCandidate: effect,
    rejectCandidate: effect,
    nextStageIndex: assign(({ context }) => ({ stageIndex: context.stageIndex + 1 })),
    setResumeTo: assign((_, params: { state: ResumableState }) => ({ resumeTo: params.state })),
    clearResumeTo: assign({ resumeTo: null }),
  },
  guards: {
    hasNextStage: ({ context }) => context.stageIndex + 1 < context.stageCount,
    continualEnabled: ({ context }) => context.continual,
    resumeTo: ({ context }, params: { state: ResumableState }) => context.resumeTo === params.state,
  },
}).createMachine({
  id: 'run',
  context: ({ input }) => ({ stageIndex: 0, stageCount: input.stageCount, continual: input.continual, resumeTo: null }),
  initial: 'pending',
  states: {
    pending: {
      // createRun starts the run in the same call, so nothing else can happen in pending.
      on: { START: { target: 'training', actions: lesson('train') } },
    },
    training: {
      on: {
        LESSON_DONE: { target: 'evaluating', actions: 'requestEvaluation' },
        NEXT_LESSON: { target: 'training', reenter: true, actions: lesson('train') },
        RETRY: { target: 'training', reenter: true, actions: 'retryCommand' },
        ADVANCE: advance,
        REVERT: revert,
        PAUSE: pauseFrom('training'),
        ...stopAndFail,
      },
    },
    reviewing: {
      on: {
        LESSON_DONE: { target: 'evaluating', actions: 'requestEvaluation' },
        RETRY: { target: 'reviewing', reenter: true, actions: 'retryCommand' },
        ADVANCE: advance,
        REVERT: revert,
        PAUSE: pauseFrom('reviewing'),
        ...stopAndFail,
      },
    },
    evaluating: {
      on: {
        HOLD: { target: 'training', actions: lesson('train') },
        REVIEW: { target: 'reviewing', actions: lesson('review') },
        ADVANCE: advance,
        REVERT: revert,
        RETRY: { target: 'evaluating', reenter: true, actions: 'retryCommand' },
        PAUSE: pauseFrom('evaluating'),
        ...stopAndFail,
      },
    },
    paused: {
      on: {
        RESUME: RESUMABLE_STATES.map((state) => ({
          guard: { type: 'resumeTo', params: { state } },
          target: `#run.${state}`,
          actions: 'clearResumeTo',
        }) as const),
        // No FAIL: nothing is in flight for the run to fail on while it is paused.
        STOP: stopAndFail.STOP,
      },
    },
    continual: {
      initial: 'monitoring',
      on: { ...stopAndFail },
      states: {
        monitoring: {
          on: { RETRAIN: { target: 'retraining', actions: lesson('retrain') }, PAUSE: pauseFrom('continual.monitoring') },
        },
        retraining: {
          on: {
            LESSON_DONE: { target: 'validating', actions: 'requestEvaluation' },
            RETRY: { target: 'retraining', reenter: true, actions: 'retryCommand' },
            PAUSE: pauseFrom('continual.retraining'),
          },
        },
        validating: {
          on: {
            PROMOTE: { target: 'monitoring', actions: 'promoteCandidate' },
            REJECT: { target: 'monitoring', actions: 'rejectCandidate' },
            RETRY: { target: 'validating', reenter: true, actions: 'retryCommand' },
            PAUSE: pauseFrom('continual.validating'),
          },
        },
      },
    },
    completed: { type: 'final' },
    stopped: { type: 'final' },
    failed: { type: 'final' },
  },
});

const EFFECT_TYPES: ReadonlySet<string> = new Set<EffectType>([
  'startLesson', 'requestEvaluation', 'enterNextStage', 'finishStages', 'enterContinual', 'completeRun',
  'revertToCheckpoint', 'retryCommand', 'stopRun', 'promoteCandidate', 'rejectCandidate',
]);

export type RunMachineSnapshot = SnapshotFrom<typeof runMachine>;

/** The JSON form of a machine snapshot kept in the run snapshot. */
export interface PersistedMachine {
  status: 'active' | 'done';
  value: string | Record<string, string>;
  context: RunMachineContext;
}

export interface MachineStep {
  machine: PersistedMachine;
  effects: Effect[];
  /** False when the event is not handled in the current state (nothing changed). */
  changed: boolean;
}

// transition() builds an inert actor on every call (about 0.1 ms). The machine is a pure function
// of (state value, context, event type), so its results are memoised on that key; the cache only
// ever holds values transition() itself computed.
const memo = new Map<string, MachineStep>();
const MEMO_LIMIT = 5000;

export function stepMachine(current: PersistedMachine, event: MachineEvent): MachineStep {
  const key = `${JSON.stringify(current.value)}|${current.context.stageIndex}|${current.context.stageCount}|${current.context.continual}|${current.context.resumeTo}|${event.type}`;
  const hit = memo.get(key);
  if (hit) return hit;
  const snapshot = runMachine.resolveState({ value: current.value, context: current.context });
  const result = computeStep(snapshot, event);
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, result);
  return result;
}

function computeStep(snapshot: RunMachineSnapshot, event: MachineEvent): MachineStep {
  if (!snapshot.can(event)) return { machine: persist(snapshot), effects: [], changed: false };
  const [next, actions] = transition(runMachine, snapshot, event);
  const effects: Effect[] = [];
  for (const a of actions) {
    if (!EFFECT_TYPES.has(a.type)) continue;
    const params = a.params as Effect['params'] | undefined;
    effects.push(params ? { type: a.type as EffectType, params } : { type: a.type as EffectType });
  }
  return { machine: persist(next), effects, changed: true };
}

export function persist(snapshot: RunMachineSnapshot): PersistedMachine {
  return {
    status: snapshot.status === 'done' ? 'done' : 'active',
    value: snapshot.value as PersistedMachine['value'],
    context: { ...snapshot.context },
  };
}

export function initialMachine(stageCount: number, continual: boolean): PersistedMachine {
  return persist(runMachine.resolveState({ value: 'pending', context: { stageIndex: 0, stageCount, continual, resumeTo: null } }));
}

/** 'continual.monitoring' for nested values, the state name otherwise. */
export function stateName(value: PersistedMachine['value']): string {
  if (typeof value === 'string') return value;
  const [parent, child] = Object.entries(value)[0] ?? ['unknown', ''];
  return `${parent}.${child}`;
}

export function topLevelState(value: PersistedMachine['value']): string {
  return typeof value === 'string' ? value : (Object.keys(value)[0] ?? 'unknown');
}
