// Model-based test: @xstate/graph enumerates shortest paths to every reachable machine snapshot,
// each path is extended by every event its end state accepts, and each resulting path is driven
// through the real core with bus events (operator commands, checkpoints, evaluation results,
// service errors, feedback). After every step the core's state must be the path's state. Every
// state node and every transition of the machine must be covered by at least one executed path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getShortestPaths } from '@xstate/graph';
import { transition, type AnyStateNode } from 'xstate';
import { describeRun } from '../../controller/core/index.ts';
import { runMachine, stateName, type MachineEvent, type MachineEventType, type RunMachineSnapshot } from '../../controller/core/machine.ts';
import type { SuiteMetrics } from '../../schemas/events.ts';
import { SimulatedRun } from './support/simulated-executors.ts';
import { spec } from './support/specs.ts';

const EVENT_TYPES: MachineEventType[] = ['START', 'LESSON_DONE', 'NEXT_LESSON', 'HOLD', 'REVIEW', 'ADVANCE', 'REVERT', 'RETRY', 'PAUSE', 'RESUME', 'STOP', 'FAIL', 'RETRAIN', 'PROMOTE', 'REJECT'];
const EVENTS: MachineEvent[] = EVENT_TYPES.map((type) => ({ type }) as MachineEvent);

function modelSpec(continual: boolean) {
  return spec({
    tasks: [
      { id: 'a', skill: 's', difficulty: 1, generator: { kind: 'permuted-digits', permutation: 0 } },
      { id: 'b', skill: 's', difficulty: 2, generator: { kind: 'permuted-digits', permutation: 1 } },
    ],
    stages: ['a', 'b'].map((t, i) => ({
      id: `s${i + 1}`,
      tasks: [t],
      teacher: { kind: 'uniform' },
      learningRate: { kind: 'constant', value: 0.01 },
      advance: { gates: [{ metric: 'accuracy', task: t, threshold: 0.8 }], consecutive: 1, confidence: 0 },
      maxSteps: 100000,
    })),
    evaluation: { suites: ['heldout'], samplesPerTask: 100, everyLessons: 2 },
    review: { enabled: true, intervals: [1000] },
    regression: { forgetThreshold: 0.05, revertThreshold: 0.3, cooldownSteps: 0, maxReverts: 100, hysteresis: 0.01 },
    earlyStopping: { enabled: false },
    continual: { enabled: continual, minFeedback: 1, maxRegression: 0.5, minFeedbackGain: 0 },
  });
}

/** The accuracies the next results carry, chosen per verdict. */
type Plan = (task: string, sim: SimulatedRun) => number;

const atBest: Plan = (task, sim) => sim.snapshot.data.mastered[task]?.best ?? 0.1;

function sendResults(sim: SimulatedRun, plan: Plan, feedbackAccuracy = 0.9): boolean {
  const ev = sim.snapshot.data.inFlight;
  if (ev?.kind !== 'evaluate') return false;
  for (const suite of ev.suites) {
    const tasks: Record<string, SuiteMetrics> = {};
    for (const t of ev.tasks) {
      const accuracy = suite === 'feedback' ? feedbackAccuracy : plan(t, sim);
      tasks[t] = { n: 100, accuracy, loss: 1 - accuracy, ece: 0 };
    }
    sim.feed(sim.event('evaluation.results', { commandId: ev.commandId, checkpointId: ev.checkpointId, branch: ev.branch, step: ev.step, suite, tasks, categories: {}, durationSeconds: 1 }));
  }
  return true;
}

function finishLesson(sim: SimulatedRun): boolean {
  const lesson = sim.snapshot.data.inFlight;
  if (lesson?.kind !== 'lesson') return false;
  sim.feed(
    sim.event('checkpoint.saved', {
      checkpointId: `ck-${sim.inputs.length}`,
      lessonId: lesson.lessonId,
      commandId: lesson.commandId,
      branch: sim.snapshot.data.branch,
      step: lesson.startStep + lesson.steps,
      location: '/x',
      parentCheckpointId: lesson.fromCheckpointId,
      lessonComplete: true,
    }),
  );
  return true;
}

function intermediateCheckpoint(sim: SimulatedRun): boolean {
  const lesson = sim.snapshot.data.inFlight;
  if (lesson?.kind !== 'lesson') return false;
  sim.feed(
    sim.event('checkpoint.saved', {
      checkpointId: `ck-mid-${sim.inputs.length}`,
      lessonId: lesson.lessonId,
      commandId: lesson.commandId,
      branch: sim.snapshot.data.branch,
      step: lesson.startStep + 1,
      location: '/x',
      parentCheckpointId: lesson.fromCheckpointId,
      lessonComplete: false,
    }),
  );
  return true;
}

function serviceError(sim: SimulatedRun): boolean {
  const inFlight = sim.snapshot.data.inFlight;
  if (!inFlight) return false;
  sim.feed(sim.event('service.error', { commandId: inFlight.commandId, service: 'trainer', code: 'CUR_TRAINING_NAN', message: 'nan' }));
  return true;
}

const operator = (sim: SimulatedRun, action: 'pause' | 'resume' | 'force-advance' | 'revert' | 'stop', checkpointId?: string) => {
  sim.feed(sim.event('operator.command', { action, ...(checkpointId ? { checkpointId } : {}) }));
  return true;
};

const stageTask = (sim: SimulatedRun) => (sim.snapshot.machine.context.stageIndex === 0 ? 'a' : 'b');
const state = (sim: SimulatedRun) => describeRun(sim.snapshot).detailedState;

/** Drives the core so that it takes the machine event; false when the core cannot right now. */
function drive(sim: SimulatedRun, event: MachineEventType): boolean {
  const here = state(sim);
  switch (event) {
    case 'START':
      return false; // createRun does it
    case 'NEXT_LESSON': {
      if ((sim.snapshot.data.stageLessons + 1) % sim.spec.evaluation.everyLessons === 0) return false;
      return finishLesson(sim);
    }
    case 'LESSON_DONE': {
      if (here === 'training' && (sim.snapshot.data.stageLessons + 1) % sim.spec.evaluation.everyLessons !== 0) finishLesson(sim);
      return finishLesson(sim);
    }
    case 'HOLD':
      return sendResults(sim, (t, s) => (t === stageTask(s) ? 0.1 : atBest(t, s)));
    case 'REVIEW': {
      const mastered = Object.entries(sim.snapshot.data.mastered).find(([, m]) => !m.regressed);
      if (!mastered) return false;
      return sendResults(sim, (t, s) => (t === mastered[0] ? mastered[1].best - 0.1 : t === stageTask(s) ? 0.1 : atBest(t, s)));
    }
    case 'ADVANCE':
      if (here === 'evaluating') return sendResults(sim, (t, s) => (t === stageTask(s) ? 0.95 : atBest(t, s)));
      return operator(sim, 'force-advance');
    case 'REVERT': {
      // Before the first lesson ends there is no checkpoint: the trainer saves a periodic one first.
      if (!sim.snapshot.data.lastCheckpoint && !intermediateCheckpoint(sim)) return false;
      const ck = sim.snapshot.data.lastCheckpoint;
      return ck ? operator(sim, 'revert', ck.checkpointId) : false;
    }
    case 'RETRY':
      return serviceError(sim);
    case 'FAIL':
      if (!sim.snapshot.data.inFlight) return false;
      for (let i = 0; i < 3; i++) serviceError(sim);
      return true;
    case 'PAUSE':
      return operator(sim, 'pause');
    case 'RESUME':
      return operator(sim, 'resume');
    case 'STOP':
      return operator(sim, 'stop');
    case 'RETRAIN':
      sim.feed(sim.event('feedback', { feedbackId: `f${sim.inputs.length}`, deploymentId: 'default', input: 'x', prediction: 'n', label: 'y', source: 'test', severity: 'low', observedAt: '2026-01-01T00:00:00.000Z' }));
      return true;
    case 'PROMOTE':
      return sendResults(sim, atBest, 0.9);
    case 'REJECT':
      return sendResults(sim, atBest, 0);
  }
}

interface Walk {
  events: MachineEventType[];
  states: RunMachineSnapshot[];
}

function walks(continual: boolean): Walk[] {
  const paths = getShortestPaths(runMachine, { input: { stageCount: 2, continual }, events: EVENTS });
  const out: Walk[] = [];
  for (const p of paths) {
    const steps = p.steps.filter((s) => !s.event.type.startsWith('xstate.'));
    const base: Walk = { events: steps.map((s) => s.event.type), states: steps.map((s) => s.state) };
    out.push(base);
    for (const e of EVENTS) {
      if (!p.state.can(e)) continue;
      out.push({ events: [...base.events, e.type], states: [...base.states, transition(runMachine, p.state, e)[0]] });
    }
  }
  return out;
}

function runWalk(walk: Walk, continual: boolean): { ok: boolean; covered: string[]; visited: string[] } {
  const sim = new SimulatedRun(modelSpec(continual), () => 0.5);
  const covered: string[] = [];
  const visited: string[] = [];
  let previous = 'pending';
  for (let i = 0; i < walk.events.length; i++) {
    const event = walk.events[i] as MachineEventType;
    const expected = walk.states[i] as RunMachineSnapshot;
    if (event === 'START') sim.start();
    else if (!drive(sim, event)) return { ok: false, covered, visited };
    assert.equal(state(sim), stateName(expected.value as never), `after ${walk.events.slice(0, i + 1).join(' ')}`);
    assert.equal(sim.snapshot.machine.context.stageIndex, expected.context.stageIndex, `stage after ${walk.events.slice(0, i + 1).join(' ')}`);
    covered.push(`${previous} ${event}`);
    previous = stateName(expected.value as never);
    visited.push(previous);
  }
  return { ok: true, covered, visited };
}

/** Every (source state, event) the machine defines, with compound-state transitions under the parent. */
function definedTransitions(): Set<string> {
  const out = new Set<string>();
  const visit = (node: AnyStateNode) => {
    for (const child of Object.values(node.states) as AnyStateNode[]) {
      for (const [event] of child.transitions) {
        const leaves = Object.keys(child.states);
        if (leaves.length === 0) out.add(`${child.path.join('.')} ${event}`);
        else out.add(`${child.path.join('.')}.* ${event}`);
      }
      visit(child);
    }
  };
  visit(runMachine.root);
  return out;
}

test('every state and every transition of the statechart is walked through the core', () => {
  const covered = new Set<string>();
  const visited = new Set<string>();
  let executed = 0;
  for (const continual of [false, true]) {
    for (const walk of walks(continual)) {
      const r = runWalk(walk, continual);
      if (!r.ok) continue;
      executed++;
      for (const c of r.covered) {
        covered.add(c);
        const [source, event] = c.split(' ');
        if (source?.startsWith('continual.')) covered.add(`continual.* ${event}`);
      }
      for (const v of r.visited) visited.add(v);
    }
  }
  assert.ok(executed > 50, `${executed} walks executed`);
  if (process.env.SHOW_WALKS) console.log(`walks executed: ${executed}`);
  const missing = [...definedTransitions()].filter((t) => !covered.has(t));
  assert.deepEqual(missing, []);
  const allStates = ['training', 'reviewing', 'evaluating', 'paused', 'continual.monitoring', 'continual.retraining', 'continual.validating', 'completed', 'stopped', 'failed'];
  assert.deepEqual(allStates.filter((s) => !visited.has(s)), []);
});
