// Property tests: random runs where executors answer, redeliver, reorder and drop events, and
// operators, errors, ticks and feedback interleave. After every event the run must be in a
// valid state, have taken at most one transition per verdict, and not have applied anything twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AnyEvent } from '../../schemas/events.ts';
import { applyEvent, describeRun, restoreSnapshot, type CoreResult, type RunSnapshot, type TickEvent } from '../../controller/core/index.ts';
import { stateName } from '../../controller/core/machine.ts';
import { SimulatedRun } from './support/simulated-executors.ts';
import { spec } from './support/specs.ts';

type Action =
  | { kind: 'answer'; reverse: boolean; redeliver: boolean }
  | { kind: 'drop' }
  | { kind: 'duplicate'; index: number }
  | { kind: 'operator'; action: 'pause' | 'resume' | 'force-advance' | 'revert' | 'stop' }
  | { kind: 'error' }
  | { kind: 'tick'; minutes: number }
  | { kind: 'feedback'; wrong: boolean };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('answer' as const), reverse: fc.boolean(), redeliver: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'drop' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), index: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('operator' as const), action: fc.constantFrom('pause' as const, 'resume' as const, 'force-advance' as const, 'revert' as const, 'stop' as const) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'error' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), minutes: fc.integer({ min: 1, max: 90 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('feedback' as const), wrong: fc.boolean() }) },
);

// Accuracies are often high so that random runs get through stages, not only wander in the first.
const accuracy = fc.oneof(fc.constant(0.97), fc.constant(0.97), fc.double({ min: 0, max: 1, noNaN: true }));

const STATES = new Set(['training', 'reviewing', 'evaluating', 'paused', 'continual.monitoring', 'continual.retraining', 'continual.validating', 'completed', 'stopped', 'failed']);
const TERMINAL = new Set(['completed', 'stopped', 'failed']);

function label(s: RunSnapshot): string {
  return `${stateName(s.machine.value)}:${s.spec.stages[s.machine.context.stageIndex]?.id ?? '-'}`;
}

function checkStep(before: RunSnapshot, event: AnyEvent | TickEvent, r: CoreResult, seenCommands: Set<string>): void {
  const after = r.snapshot;
  const state = stateName(after.machine.value);
  assert.ok(STATES.has(state), state);
  assert.ok(after.machine.context.stageIndex >= before.machine.context.stageIndex, 'stage never goes back');
  assert.ok(after.machine.context.stageIndex < after.spec.stages.length);
  assert.ok(after.data.branch >= before.data.branch);
  if (r.outcome !== 'applied') {
    assert.deepEqual([r.commands, r.decisions], [[], []], `${r.outcome} emits nothing`);
    assert.deepEqual(after.machine, before.machine, `${r.outcome} changes no state`);
  }
  // Decisions form one chain from the state before to the state after, numbered without gaps.
  if (r.decisions.length > 0) {
    assert.equal(r.decisions[0]!.payload.from, label(before));
    for (let i = 1; i < r.decisions.length; i++) assert.equal(r.decisions[i]!.payload.from, r.decisions[i - 1]!.payload.to);
    assert.equal(r.decisions.at(-1)!.payload.to, label(after));
    r.decisions.forEach((d, i) => assert.equal(d.payload.sequence, before.data.nextDecision + i));
  } else {
    assert.equal(label(after), label(before), 'a state change always comes with a decision');
  }
  // At most one lesson and one evaluation per event; ids never repeat.
  assert.ok(r.commands.filter((c) => c.type === 'lesson.start').length <= 1);
  assert.ok(r.commands.filter((c) => c.type === 'checkpoint.evaluate').length <= 1);
  for (const c of r.commands) {
    assert.ok(!seenCommands.has(c.eventId), `command id ${c.eventId} repeated`);
    seenCommands.add(c.eventId);
    if (c.type === 'lesson.start') {
      const sum = Object.values(c.payload.taskWeights).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-9, `weights sum ${sum}`);
      const stage = after.spec.stages[c.payload.stageIndex]!;
      if (c.payload.purpose !== 'retrain') for (const t of stage.tasks) assert.ok((c.payload.taskWeights[t] ?? 0) >= stage.teacher.floor - 1e-12, `floor on ${t}`);
    }
  }
  // What is in flight matches the state.
  const inFlight = after.data.inFlight;
  if (state === 'training' || state === 'reviewing' || state === 'continual.retraining') assert.equal(inFlight?.kind, 'lesson', state);
  if (state === 'evaluating' || state === 'continual.validating') assert.equal(inFlight?.kind, 'evaluate', state);
  if (TERMINAL.has(state) || state === 'continual.monitoring') assert.equal(inFlight, null, state);
  // Redelivering the same event right away is recognised and applies nothing.
  if (event.type !== 'tick') {
    const again = applyEvent(after, event);
    if (TERMINAL.has(stateName(before.machine.value))) assert.ok(again.outcome === 'ignored' || again.outcome === 'duplicate');
    else assert.equal(again.outcome, 'duplicate');
    assert.deepEqual([again.commands, again.decisions], [[], []]);
  }
}

function play(actions: Action[], accuracies: number[], continual: boolean): { log: string; snapshot: RunSnapshot } {
  const sim = new SimulatedRun(spec({ continual: { enabled: continual, minFeedback: 3 } }), (t, ctx) => accuracies[(ctx.index * 3 + t.charCodeAt(0)) % accuracies.length] ?? 0.5);
  sim.start();
  const seen = new Set(sim.commands.map((c) => c.eventId));
  let clock = Date.parse('2026-01-01T00:00:00.000Z');
  const apply = (e: AnyEvent | TickEvent) => {
    const before = sim.snapshot;
    let r: CoreResult;
    if (e.type === 'tick') {
      r = applyEvent(before, e);
      sim.snapshot = r.snapshot;
      sim.decisions.push(...r.decisions);
      sim.commands.push(...r.commands);
    } else r = sim.feed(e);
    checkStep(before, e, r, seen);
  };
  const queue: AnyEvent[] = [];
  const answered = new Set<string>();
  for (const a of actions) {
    queue.push(...sim.commands.filter((c) => !queue.includes(c) && !answered.has(c.eventId)));
    switch (a.kind) {
      case 'answer': {
        const next = queue.shift();
        if (!next) break;
        answered.add(next.eventId);
        const responses = sim.responsesTo(next);
        if (a.reverse) responses.reverse();
        for (const e of responses) {
          apply(e);
          if (a.redeliver) apply(e);
        }
        break;
      }
      case 'drop': {
        const next = queue.shift();
        if (next) answered.add(next.eventId);
        break;
      }
      case 'duplicate': {
        const old = sim.inputs[a.index % Math.max(1, sim.inputs.length)];
        if (old) apply(old);
        break;
      }
      case 'operator':
        apply(sim.event('operator.command', { action: a.action }));
        break;
      case 'error': {
        const inFlight = sim.snapshot.data.inFlight;
        apply(sim.event('service.error', { commandId: inFlight?.commandId ?? null, service: 'trainer', code: 'CUR_TRAINING_NAN', message: 'nan' }));
        break;
      }
      case 'tick':
        clock += a.minutes * 60000;
        apply({ type: 'tick', runId: sim.runId, now: new Date(clock).toISOString() });
        break;
      case 'feedback':
        apply(sim.event('feedback', { feedbackId: `f${sim.inputs.length}`, deploymentId: 'default', input: 'x', prediction: a.wrong ? 'n' : 'y', label: 'y', source: 't', severity: 'low', observedAt: '2026-01-01T00:00:00.000Z' }));
        break;
    }
  }
  const json = JSON.stringify(sim.snapshot);
  assert.ok(json.length < 20000, `snapshot ${json.length} bytes`);
  assert.deepEqual(restoreSnapshot(JSON.parse(json)), sim.snapshot);
  assert.equal(describeRun(sim.snapshot).decisionsCount, sim.decisions.length);
  return { log: sim.decisions.map((d) => JSON.stringify(d)).join('\n'), snapshot: sim.snapshot };
}
test('random, duplicated, reordered and dropped events never break the run invariants', () => {
  const reached = new Set<string>();
  const reachedStages = new Set<number>();
  fc.assert(
    fc.property(fc.array(action, { minLength: 1, maxLength: 160 }), fc.array(accuracy, { minLength: 1, maxLength: 12 }), fc.boolean(), (actions, accuracies, continual) => {
      const end = play(actions, accuracies, continual);
      reached.add(stateName(end.snapshot.machine.value));
      reachedStages.add(end.snapshot.machine.context.stageIndex);
    }),
    { numRuns: 150, seed: 20260101 },
  );
  // The random runs are not all stuck at the start: they end in many states and stages.
  assert.ok(reached.size >= 5, [...reached].join(', '));
  assert.deepEqual([...reachedStages].sort(), [0, 1, 2]);
});

test('the same inputs give byte-identical decision logs', () => {
  fc.assert(
    fc.property(fc.array(action, { minLength: 1, maxLength: 80 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 8 }), (actions, accuracies) => {
      assert.equal(play(actions, accuracies, true).log, play(actions, accuracies, true).log);
    }),
    { numRuns: 40, seed: 7 },
  );
});
