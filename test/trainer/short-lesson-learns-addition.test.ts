import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBus } from '../../transport/memory-bus.ts';
import { decodeEvent } from '../../schemas/decode.ts';
import { TOPICS } from '../../schemas/topics.ts';
import type { AnyEvent } from '../../schemas/events.ts';
import { startTrainerService } from '../../trainer/service.ts';
import { startEvaluatorService } from '../../evaluator/service.ts';
import { additionTask, evaluateCommand, lessonCommand, runConfig, silent, tempRoot, testBackend } from './fixtures.ts';

test('a short lesson on 1-digit addition lifts held-out accuracy above 90%', async () => {
  const bus = new MemoryBus();
  const root = tempRoot();
  const trainer = await startTrainerService({ bus, checkpointRoot: root, producer: 'trainer-1', logger: silent, backend: testBackend() });
  const evaluator = await startEvaluatorService({ bus, checkpointRoot: root, producer: 'evaluator-1', logger: silent, backend: testBackend() });
  const run = runConfig({ model: { kind: 'seq2seq', cell: 'gru', units: 64 }, batchSize: 64, tasks: [additionTask('add-1', 1), additionTask('add-2', 2)] });
  const results = () =>
    bus.messages(TOPICS.evaluatorResults).flatMap((m) => {
      const d = decodeEvent(m.value);
      return d.ok && d.event.type === 'evaluation.results' ? [d.event] : [];
    });
  const checkpoints = () => bus.messages(TOPICS.checkpoints).length;
  const until = async (check: () => boolean) => {
    const deadline = Date.now() + 120000;
    while (!check()) {
      assert.ok(Date.now() < deadline, 'timed out');
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  // As the controller does: each evaluation is requested once its checkpoint was announced.
  await bus.publish([lessonCommand('learn', run, { lessonId: 'probe', steps: 1 })]);
  await until(() => checkpoints() === 1);
  const before = evaluateCommand('learn', run, { checkpointId: 'probe.step-1', commandId: 'before' });
  await bus.publish([before, before, lessonCommand('learn', run, { lessonId: 'lesson', steps: 200, metricsEvery: 50, taskWeights: { 'add-1': 1 }, learningRate: { kind: 'constant', value: 0.03, warmupSteps: 10 } })]);
  await until(() => checkpoints() === 2);
  await bus.publish([evaluateCommand('learn', run, { checkpointId: 'lesson.step-200', commandId: 'after', suites: ['heldout', 'holdout-domain', 'adversarial'] })]);
  await until(() => results().filter((e) => e.payload.commandId === 'after').length === 3);
  const beforeResult = results().find((e) => e.payload.commandId === 'before')!.payload;
  const after = results().filter((e) => e.payload.commandId === 'after');
  const heldout = after.find((e) => e.payload.suite === 'heldout')!.payload;
  assert.equal(heldout.tasks['add-1']!.n, 200);
  assert.ok(beforeResult.tasks['add-1']!.accuracy < 0.2, `untrained accuracy ${beforeResult.tasks['add-1']!.accuracy}`);
  assert.ok(heldout.tasks['add-1']!.accuracy > 0.9, `held-out accuracy after the lesson ${heldout.tasks['add-1']!.accuracy}`);
  // Per-category metrics across tasks: carry / no-carry for held-out, perturbation kinds for adversarial.
  assert.deepEqual(Object.keys(heldout.categories).sort(), ['carry', 'no-carry']);
  assert.equal(heldout.categories['carry']!.n + heldout.categories['no-carry']!.n, 400);
  const adversarial = after.find((e) => e.payload.suite === 'adversarial')!.payload;
  assert.deepEqual(Object.keys(adversarial.categories), ['digit-noise', 'distractor', 'leading-zeros']);
  // The second 'before' evaluation is a duplicate: acknowledged, same result event id re-published.
  const acks = bus.messages(TOPICS.serviceEvents).flatMap((m) => {
    const d = decodeEvent(m.value);
    return d.ok && d.event.type === 'command.ack' && d.event.payload.commandId === 'before' ? [d.event.payload.outcome] : [];
  });
  assert.deepEqual(acks, ['executed', 'duplicate']);
  const metrics = bus.messages(TOPICS.trainerMetrics).flatMap((m): AnyEvent[] => {
    const d = decodeEvent(m.value);
    return d.ok ? [d.event] : [];
  });
  assert.deepEqual(metrics.map((e) => e.eventId), ['probe:cmd:metrics:1', 'lesson:cmd:metrics:50', 'lesson:cmd:metrics:100', 'lesson:cmd:metrics:150', 'lesson:cmd:metrics:200']);
  await trainer.stop();
  await evaluator.stop();
});
