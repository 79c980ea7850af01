// Repeated event ids, repeated content under new ids, events of reverted branches and results
// for checkpoints the run no longer waits for are recognised, counted, and change nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyEvent } from '../../schemas/events.ts';
import { applyEvent, describeRun } from '../../controller/core/index.ts';
import { SimulatedRun } from './support/simulated-executors.ts';
import { spec } from './support/specs.ts';

function started(script: (task: string, index: number) => number = () => 0.5): SimulatedRun {
  const sim = new SimulatedRun(spec(), (t, ctx) => script(t, ctx.index));
  sim.start();
  return sim;
}

test('a repeated event id is a duplicate and changes only the counters', () => {
  const sim = started();
  const lesson = sim.commands[0]!;
  const [metrics, checkpoint] = sim.responsesTo(lesson);
  assert.equal(sim.feed(metrics!).outcome, 'applied');
  const before = sim.snapshot;
  const again = applyEvent(before, metrics!);
  assert.equal(again.outcome, 'duplicate');
  assert.deepEqual([again.commands, again.decisions], [[], []]);
  assert.deepEqual({ ...again.snapshot.data, counters: {} }, { ...before.data, counters: {} });
  assert.equal(again.snapshot.data.counters['duplicate.event-id'], 1);
  void checkpoint;
});

test('the same checkpoint under a new event id is not applied twice', () => {
  const sim = started();
  const responses = sim.responsesTo(sim.commands[0]!);
  for (const e of responses) sim.feed(e);
  assert.equal(describeRun(sim.snapshot).state, 'evaluating');
  const checkpoint = responses.at(-1)!;
  const copy = { ...checkpoint, eventId: 'another-id' } as AnyEvent;
  const result = applyEvent(sim.snapshot, copy);
  // The run already moved on to evaluating; the lesson's command is no longer in flight.
  assert.equal(result.outcome, 'stale');
  assert.deepEqual(result.commands, []);
});

test('a repeated suite result is a duplicate; an unrequested suite is ignored', () => {
  const spec2 = spec({ evaluation: { suites: ['heldout', 'adversarial'], samplesPerTask: 500 } });
  const sim = new SimulatedRun(spec2, () => 0.5);
  sim.start();
  sim.answerNext();
  const evaluate = sim.commands.find((c) => c.type === 'checkpoint.evaluate')!;
  const [heldout, adversarial] = sim.responsesTo(evaluate);
  assert.equal(sim.feed(heldout!).outcome, 'applied');
  assert.equal(sim.view().state, 'evaluating'); // waits for the second suite
  assert.equal(sim.feed({ ...heldout!, eventId: 'copy' } as AnyEvent).outcome, 'duplicate');
  const foreign = { ...heldout!, eventId: 'foreign', payload: { ...(heldout as { payload: object }).payload, suite: 'feedback' } } as AnyEvent;
  assert.equal(sim.feed(foreign).outcome, 'ignored');
  assert.equal(sim.feed(adversarial!).outcome, 'applied');
  assert.equal(sim.view().state, 'training');
  assert.equal(sim.view().counters['duplicate.suite'], 1);
});

test('metrics and checkpoints of a reverted branch, and results for an old checkpoint, are stale', () => {
  // Master a (two passes), advance, then a severe drop of a reverts to branch 1.
  const sim = started((t, i) => (i < 2 ? (t === 'a' ? 0.95 : 0.1) : t === 'a' ? 0.5 : 0.1));
  let lessonOnBranch0: AnyEvent | undefined;
  let evaluateOnBranch0: AnyEvent | undefined;
  while (sim.view().reverts === 0 && sim.answerNext()) {
    lessonOnBranch0 = [...sim.commands].reverse().find((c) => c.type === 'lesson.start' && c.payload.branch === 0) ?? lessonOnBranch0;
    evaluateOnBranch0 = [...sim.commands].reverse().find((c) => c.type === 'checkpoint.evaluate' && c.payload.branch === 0) ?? evaluateOnBranch0;
  }
  assert.equal(sim.view().branch, 1);
  const oldLessonEvents = sim.responsesTo(lessonOnBranch0!);
  const oldResults = sim.responsesTo(evaluateOnBranch0!);
  const before = sim.snapshot;
  for (const e of [...oldLessonEvents, ...oldResults]) {
    const r = sim.feed(e);
    assert.equal(r.outcome, 'stale', e.type);
    assert.deepEqual([r.commands, r.decisions], [[], []]);
  }
  assert.deepEqual(sim.snapshot.machine, before.machine);
  assert.equal(sim.snapshot.data.counters['stale.branch'], oldLessonEvents.length + oldResults.length);
});

test('a duplicate older than the id window is still caught by its content', () => {
  const sim = started();
  const responses = sim.responsesTo(sim.commands[0]!);
  for (const e of responses) sim.feed(e);
  // Push the checkpoint's id out of the 32-id window with unrelated acks.
  for (let i = 0; i < 40; i++) sim.feed(sim.event('command.ack', { commandId: `x${i}`, service: 'trainer', outcome: 'executed' }));
  assert.equal(sim.snapshot.data.recentEventIds.includes(responses.at(-1)!.eventId), false);
  const replay = sim.feed(responses.at(-1)!);
  assert.equal(replay.outcome, 'stale');
  assert.deepEqual(replay.commands, []);
});

test('events of another run and events after the end are ignored', () => {
  const sim = started();
  const other = { ...sim.commands[0]!, runId: 'someone-else', eventId: 'z' } as AnyEvent;
  assert.equal(applyEvent(sim.snapshot, other).outcome, 'ignored');
  sim.feed(sim.event('operator.command', { action: 'stop' }));
  assert.equal(sim.view().state, 'stopped');
  const late = sim.responsesTo(sim.commands[0]!)[0]!;
  const r = sim.feed(late);
  assert.deepEqual([r.outcome, r.commands.length, r.decisions.length], ['ignored', 0, 0]);
});
