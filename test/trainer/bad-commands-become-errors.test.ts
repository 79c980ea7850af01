import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryBus } from '../../transport/memory-bus.ts';
import { decodeEvent } from '../../schemas/decode.ts';
import { TOPICS } from '../../schemas/topics.ts';
import type { AnyEvent } from '../../schemas/events.ts';
import { startTrainerService } from '../../trainer/service.ts';
import { startEvaluatorService } from '../../evaluator/service.ts';
import { additionTask, evaluateCommand, lessonCommand, runConfig, silent, tempRoot, testBackend } from './fixtures.ts';

function published(bus: MemoryBus, topic: string): AnyEvent[] {
  return bus.messages(topic).flatMap((m) => {
    const d = decodeEvent(m.value);
    return d.ok ? [d.event] : [];
  });
}

async function until(check: () => boolean, what: string, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('bad commands produce service.error events and both services carry on with the next command', async () => {
  const root = tempRoot();
  writeFileSync(join(root, 'all-heldout.jsonl'), [...Array(10).keys()].map((i) => JSON.stringify({ input: [i], label: String(i % 2) })).join('\n'));
  const bus = new MemoryBus();
  const trainer = await startTrainerService({ bus, checkpointRoot: root, producer: 'trainer-1', logger: silent, backend: testBackend() });
  const evaluator = await startEvaluatorService({ bus, checkpointRoot: root, producer: 'evaluator-1', logger: silent, backend: testBackend() });
  assert.equal(trainer.backend, testBackend());
  const run = runConfig({ model: { kind: 'seq2seq', cell: 'gru', units: 8 }, batchSize: 8 });
  const nanRun = runConfig({ ...run, optimizer: { kind: 'sgd', gradientClipNorm: 0 } });
  const fileRun = runConfig({
    ...run,
    model: { kind: 'mlp', hidden: [4], activation: 'relu' },
    baseDir: root,
    tasks: [{ id: 'file', skill: 'mine', difficulty: 1, generator: { kind: 'jsonl', path: 'all-heldout.jsonl', heldoutFraction: 1 } }],
  });
  await bus.publish([
    lessonCommand('bad', run, { lessonId: 'unknown-task', taskWeights: { 'add-9': 1 } }),
    lessonCommand('bad', run, { lessonId: 'missing-checkpoint', fromCheckpointId: 'never-saved' }),
    lessonCommand('bad', nanRun, { lessonId: 'nan', learningRate: { kind: 'constant', value: 1e38, warmupSteps: 0 } }),
    lessonCommand('bad', fileRun, { lessonId: 'exhausted', taskWeights: { file: 1 } }),
    evaluateCommand('bad', run, { checkpointId: 'never-saved' }),
    evaluateCommand('bad', runConfig({ ...run, tasks: [additionTask('add-1', 1)] }), { checkpointId: 'never-saved', commandId: 'eval-unknown', tasks: ['add-7'] }),
    lessonCommand('bad', run, { lessonId: 'good', steps: 5 }),
  ]);
  const serviceEvents = () => published(bus, TOPICS.serviceEvents);
  // Like the controller, ask for an evaluation once the checkpoint exists.
  await until(() => published(bus, TOPICS.checkpoints).length > 0, 'the good checkpoint');
  await bus.publish([evaluateCommand('bad', run, { checkpointId: 'good.step-5' })]);
  await until(() => serviceEvents().some((e) => e.type === 'command.ack' && e.payload.commandId === 'good.step-5:evaluate'), 'the last command');
  const errors = serviceEvents()
    .flatMap((e) => (e.type === 'service.error' ? [[e.payload.commandId, e.payload.service, e.payload.code] as const] : []))
    .sort((a, b) => b[1].localeCompare(a[1]));
  // Each service reports its own errors in command order (the two consume independently).
  assert.deepEqual(errors, [
    ['unknown-task:cmd', 'trainer', 'CUR_TASK_UNKNOWN'],
    ['missing-checkpoint:cmd', 'trainer', 'CUR_CHECKPOINT_MISSING'],
    ['nan:cmd', 'trainer', 'CUR_TRAINING_NAN'],
    ['exhausted:cmd', 'trainer', 'CUR_DATASET_EXHAUSTED'],
    ['never-saved:evaluate', 'evaluator', 'CUR_CHECKPOINT_MISSING'],
    ['eval-unknown', 'evaluator', 'CUR_TASK_UNKNOWN'],
  ]);
  // Only the trainer's own errors: the evaluator's interleave with them depending on load.
  const messages = serviceEvents().flatMap((e) => (e.type === 'service.error' && e.payload.service === 'trainer' ? [e.payload.message] : []));
  assert.match(messages[0]!, /unknown task "add-9"/);
  assert.match(messages[2]!, /loss became (NaN|Infinity)/);
  // Errors carry deterministic ids derived from the command.
  assert.ok(serviceEvents().some((e) => e.eventId === 'nan:cmd:error:trainer'));
  const acks = serviceEvents().flatMap((e) => (e.type === 'command.ack' ? [[e.payload.commandId, e.payload.service, e.payload.outcome]] : []));
  assert.deepEqual(acks.sort(), [
    ['good.step-5:evaluate', 'evaluator', 'executed'],
    ['good:cmd', 'trainer', 'executed'],
  ]);
  const checkpoints = published(bus, TOPICS.checkpoints);
  assert.deepEqual(checkpoints.map((e) => e.eventId), ['good:cmd:checkpoint']);
  assert.equal(published(bus, TOPICS.evaluatorResults).length, 1);
  await trainer.stop();
  await evaluator.stop();
});
