// Operator commands (pause, resume, force-advance, revert, stop), failed commands (bounded
// retries, then a failed run with the reason) and liveness deadlines fired by ticks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyEvent } from '../../schemas/events.ts';
import { applyEvent } from '../../controller/core/index.ts';
import { SimulatedRun } from './support/simulated-executors.ts';
import { spec } from './support/specs.ts';

function started(): SimulatedRun {
  const sim = new SimulatedRun(spec(), () => 0.5);
  sim.start();
  return sim;
}

test('a lesson that ends while paused is evaluated on resume, not before', () => {
  const sim = started();
  const lesson = sim.commands[0]!;
  assert.equal(sim.feed(sim.event('operator.command', { action: 'pause', requestedBy: 'ana' })).outcome, 'applied');
  assert.equal(sim.view().state, 'paused');
  assert.equal(sim.decisions.at(-1)?.payload.reasons[0]?.message, 'paused by ana');
  for (const e of sim.responsesTo(lesson)) sim.feed(e);
  assert.equal(sim.view().state, 'paused');
  assert.equal(sim.commands.filter((c) => c.type === 'checkpoint.evaluate').length, 0);
  assert.equal(sim.feed(sim.event('operator.command', { action: 'pause' })).outcome, 'ignored');
  sim.feed(sim.event('operator.command', { action: 'resume' }));
  assert.equal(sim.view().state, 'evaluating');
  assert.equal(sim.commands.filter((c) => c.type === 'checkpoint.evaluate').length, 1);
  assert.deepEqual(sim.decisions.slice(-2).map((d) => d.payload.kind), ['resume', 'evaluate']);
});

test('force-advance moves to the next stage from the latest checkpoint', () => {
  const sim = started();
  sim.answerNext(); // lesson 0 -> evaluate
  sim.answerNext(); // results -> hold, lesson 1
  sim.feed(sim.event('operator.command', { action: 'force-advance', note: 'enough' }));
  const v = sim.view();
  assert.deepEqual([v.state, v.stageId, v.stages[0]?.outcome], ['training', 's2', 'forced']);
  const lesson = sim.commands.at(-1)!;
  assert.ok(lesson.type === 'lesson.start');
  assert.deepEqual([lesson.payload.stage, lesson.payload.fromCheckpointId], ['s2', 'ckpt-0-b0']);
  // The abandoned lesson of s1 no longer counts.
  const abandoned = sim.responsesTo(sim.commands.filter((c) => c.type === 'lesson.start')[1]!);
  assert.equal(sim.feed(abandoned.at(-1)!).outcome, 'stale');
});

test('operator revert goes to a named known checkpoint and refuses an unknown one', () => {
  const sim = started();
  sim.answerNext();
  sim.answerNext();
  const unknown = sim.feed(sim.event('operator.command', { action: 'revert', checkpointId: 'nope' }));
  assert.equal(unknown.decisions[0]?.payload.kind, 'revert-blocked');
  assert.equal(unknown.commands.length, 0);
  const none = sim.feed(sim.event('operator.command', { action: 'revert' }));
  assert.equal(none.decisions[0]?.payload.reasons[0]?.message, 'no checkpoint met every gate yet');
  const ok = sim.feed(sim.event('operator.command', { action: 'revert', checkpointId: 'ckpt-0-b0' }));
  assert.deepEqual(ok.commands.map((c) => c.type), ['checkpoint.revert', 'lesson.start']);
  assert.equal(sim.view().branch, 1);
});

test('a failed command is retried under a new id, then the run fails with the reason', () => {
  const sim = started();
  const fail = (commandId: string) =>
    sim.feed(sim.event('service.error', { commandId, service: 'trainer', code: 'CUR_TRAINING_NAN', message: 'loss is NaN' }));
  const first = fail(sim.commands[0]!.eventId);
  assert.deepEqual(first.commands.map((c) => c.type), ['lesson.start']);
  const retried = first.commands[0]!;
  assert.notEqual(retried.eventId, sim.commands[0]!.eventId);
  assert.ok(retried.type === 'lesson.start' && sim.commands[0]!.type === 'lesson.start');
  assert.equal(retried.payload.lessonId, sim.commands[0]!.payload.lessonId);
  // An error about the old command id is stale now.
  assert.equal(fail(sim.commands[0]!.eventId).outcome, 'stale');
  const second = fail(retried.eventId);
  const third = fail(second.commands[0]!.eventId);
  assert.equal(sim.view().state, 'failed');
  assert.equal(third.decisions[0]?.payload.kind, 'fail');
  assert.equal(third.decisions[0]?.payload.reasons[0]?.code, 'retry.service-error.exhausted');
  assert.equal(third.commands[0]?.type, 'run.stop');
  assert.match(sim.view().failureReason ?? '', /CUR_TRAINING_NAN/);
});

test('a tick past the liveness deadline re-sends the command; earlier ticks change nothing', () => {
  const sim = started();
  const early = applyEvent(sim.snapshot, { type: 'tick', runId: 'run-1', now: '2026-01-01T00:10:00.000Z' });
  assert.equal(early.outcome, 'ignored');
  assert.equal(early.snapshot, sim.snapshot);
  const late = applyEvent(sim.snapshot, { type: 'tick', runId: 'run-1', now: '2026-01-01T00:30:00.001Z' });
  assert.equal(late.outcome, 'applied');
  assert.deepEqual(late.commands.map((c) => c.type), ['lesson.start']);
  assert.equal(late.decisions[0]?.payload.reasons[0]?.code, 'retry.timeout');
});

test('training.livenessTimeoutSeconds sets the deadline: the re-sent lesson starts from the same checkpoint under a new id', () => {
  const sim = new SimulatedRun(spec({ training: { batchSize: 32, lessonSteps: 100, metricsEvery: 50, maxSteps: 100000, livenessTimeoutSeconds: 10 } }), () => 0.5);
  sim.start();
  const first = sim.commands[0]!;
  assert.ok(first.type === 'lesson.start');
  assert.equal(applyEvent(sim.snapshot, { type: 'tick', runId: 'run-1', now: '2026-01-01T00:00:09.000Z' }).outcome, 'ignored');
  const late = applyEvent(sim.snapshot, { type: 'tick', runId: 'run-1', now: '2026-01-01T00:00:10.001Z' });
  assert.equal(late.outcome, 'applied');
  const resent = late.commands[0]!;
  assert.ok(resent.type === 'lesson.start');
  assert.notEqual(resent.payload.commandId, first.payload.commandId);
  assert.deepEqual([resent.payload.lessonId, resent.payload.fromCheckpointId, resent.payload.startStep], [first.payload.lessonId, first.payload.fromCheckpointId, first.payload.startStep]);
  assert.equal(late.decisions[0]?.payload.reasons[0]?.message, `no progress on ${first.payload.commandId} for 10 s; attempt 2 of 3`);
});

test('command acks are counted and change nothing else', () => {
  const sim = started();
  const before = sim.snapshot;
  const r = sim.feed(sim.event('command.ack', { commandId: sim.commands[0]!.eventId, service: 'trainer', outcome: 'executed' }));
  assert.equal(r.outcome, 'ignored');
  assert.equal(r.snapshot.data.counters['acks.executed'], 1);
  assert.deepEqual(r.snapshot.machine, before.machine);
});

test('stop ends the run from any working state with a run.stop command', () => {
  const sim = started();
  const r = sim.feed(sim.event('operator.command', { action: 'stop', note: 'budget' }) as AnyEvent);
  assert.deepEqual([sim.view().state, r.decisions[0]?.payload.kind, r.commands[0]?.type], ['stopped', 'stop', 'run.stop']);
  assert.equal(sim.view().stages[0]?.outcome, 'stopped');
});
