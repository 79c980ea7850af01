// The retraining trigger counts new usable items. The pool recognises repeats (a re-sent id, the
// same content under another id) anywhere in its history and hands its verdict to the pure core
// as event data; the core counts a repeat once, as repeated, never toward retraining, however many
// arrive (the core's own memory of recent event ids is 32 long and plays no part). The retraining
// decision cites how many items were new and how many repeated; the view, counters and report agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EnvelopeOf, Feedback, PoolVerdict } from '../../schemas/events.ts';
import type { PooledFeedbackEvent } from '../../controller/core/index.ts';
import { SimulatedRun } from '../controller/support/simulated-executors.ts';
import { spec } from '../controller/support/specs.ts';
import { continualCycles } from '../../report/continual-phase.ts';

const ONE_TASK = [{ id: 'a', skill: 's', difficulty: 1, generator: { kind: 'permuted-digits', permutation: 0 } }];
const STAGE = { id: 'only', tasks: ['a'], teacher: { kind: 'uniform' }, learningRate: { kind: 'constant', value: 0.01 }, advance: { gates: [{ metric: 'accuracy', task: 'a', threshold: 0.8 }], consecutive: 1 }, maxSteps: 10000 };

function deployed(): SimulatedRun {
  const sim = new SimulatedRun(spec({ tasks: ONE_TASK, stages: [STAGE], continual: { enabled: true, minFeedback: 10, errorRate: 1, retrainSteps: 50 } }), () => 0.95);
  sim.start();
  for (let i = 0; i < 100 && sim.pending() > 0; i++) sim.answerNext();
  assert.equal(sim.view().detailedState, 'continual.monitoring');
  return sim;
}

let seq = 0;
function pooled(sim: SimulatedRun, id: string, repeatOf?: PoolVerdict['repeatOf']): PooledFeedbackEvent {
  const payload: Feedback = { feedbackId: id, deploymentId: 'default', input: '1+2', prediction: '3', label: '3', source: 'user', severity: 'low', observedAt: '2026-01-01T00:00:00.000Z' };
  seq += 1;
  // A re-sent row keeps its event id (the producer derives it from the row), like the CLI's.
  const event = { ...sim.event('feedback', payload), eventId: `feedback:default:${id}` } as EnvelopeOf<'feedback'>;
  return { type: 'feedback.pooled', feedback: event, pool: { seq, ...(repeatOf ? { repeatOf } : {}) } };
}

test('240 re-sent rows and content copies count once: no retraining until minFeedback new items, and the decision cites new and repeated', () => {
  seq = 0;
  const sim = deployed();
  for (let i = 0; i < 5; i++) sim.feed(pooled(sim, `f${i}`));
  for (let i = 0; i < 240; i++) {
    const result = sim.feed(pooled(sim, `f${i % 5}`, i % 2 === 0 ? { feedbackId: `f${i % 5}`, by: 'id' } : { feedbackId: `f${i % 5}`, by: 'content' }));
    assert.equal(result.outcome, 'duplicate');
  }
  assert.ok(!sim.decisions.some((d) => d.payload.kind === 'retrain'), 'repeats never trigger retraining');
  const view = sim.view().continual;
  assert.deepEqual([view?.feedbackTotal, view?.feedbackSinceRetrain, view?.feedbackRepeated], [245, 5, 240]);
  const counters = sim.snapshot.data.counters;
  assert.deepEqual([counters['feedback'], counters['feedback.repeated-id'], counters['feedback.repeated-content']], [5, 120, 120]);

  for (let i = 5; i < 10; i++) sim.feed(pooled(sim, `f${i}`));
  const retrain = sim.decisions.find((d) => d.payload.kind === 'retrain')?.payload;
  assert.ok(retrain);
  const count = retrain.reasons.find((r) => r.code === 'continual.feedback-count');
  assert.ok(count?.holds);
  assert.equal(count.value, 10);
  assert.match(count.message, /^10 new feedback items since the last retraining \(240 repeated: re-sent ids or duplicate content, counted once\)$/);
  // The lesson's cut is the pool's position: repeats are lines of the pool too, never selected.
  const lesson = sim.commands.at(-1);
  assert.ok(lesson?.type === 'lesson.start');
  assert.equal(lesson.payload.feedback?.upToCount, 250);
  assert.deepEqual([sim.view().continual?.feedbackSinceRetrain, sim.snapshot.data.continual.repeatedSinceRetrain], [0, 0]);
  // The report's cycle row says the same as the decision.
  const [cycle] = continualCycles(sim.decisions.map((d) => d.payload), []);
  assert.deepEqual([cycle?.trigger, cycle?.newItems, cycle?.repeated], ['feedback-count', 10, 240]);
});

test('a repeat of an item seen long before (far beyond the 32 recent event ids) is still a repeat', () => {
  seq = 0;
  const sim = deployed();
  sim.feed(pooled(sim, 'old'));
  for (let i = 0; i < 8; i++) sim.feed(pooled(sim, `n${i}`));
  for (let i = 0; i < 100; i++) sim.feed(pooled(sim, 'old', { feedbackId: 'old', by: 'id' }));
  assert.equal(sim.view().continual?.feedbackSinceRetrain, 9);
  assert.ok(!sim.decisions.some((d) => d.payload.kind === 'retrain'));
});
