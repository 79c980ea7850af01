import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { makeEvent } from '../../schemas/envelope.ts';
import { selectBackend } from '../../trainer/backend.ts';
import { harness, lessonCommand, runConfig, silent, testBackend } from './fixtures.ts';

before(async () => {
  await selectBackend(testBackend(), silent);
});

const bytes = (weights: Float32Array[]) => Buffer.concat(weights.map((w) => Buffer.from(w.buffer)));

test('a repeated lesson id is acknowledged as duplicate and its checkpoint re-published, not re-trained', async () => {
  const h = harness();
  const run = runConfig({ model: { kind: 'seq2seq', cell: 'gru', units: 16 }, batchSize: 16 });
  const command = lessonCommand('run-d', run, { lessonId: 'once', steps: 10, metricsEvery: 5 });
  await h.trainer.handle(command);
  const weights = bytes(h.trainer.weightsOf('run-d')!);
  const firstSaved = h.of('checkpoint.saved')[0]!;
  assert.equal(h.of('trainer.metrics').length, 2);

  await h.trainer.handle(command);
  assert.equal(h.of('trainer.metrics').length, 2, 'no training metrics the second time');
  assert.deepEqual(
    h.of('command.ack').map((e) => e.payload.outcome),
    ['executed', 'duplicate'],
  );
  const again = h.of('checkpoint.saved')[1]!;
  assert.equal(again.eventId, firstSaved.eventId);
  assert.deepEqual(again.payload, firstSaved.payload);
  assert.ok(bytes(h.trainer.weightsOf('run-d')!).equals(weights), 'weights untouched');

  // A restarted trainer (new instance, same checkpoint directory) also recognises it.
  const restarted = harness(h.root);
  await restarted.trainer.handle(command);
  assert.deepEqual(restarted.of('command.ack').map((e) => e.payload.outcome), ['duplicate']);
  assert.equal(restarted.of('trainer.metrics').length, 0);
  assert.deepEqual(restarted.of('checkpoint.saved')[0]!.payload, firstSaved.payload);

  // A retry of the same lesson under a new command id (the controller's retry after a timeout)
  // is not re-trained either; the re-published checkpoint names the new command.
  const retry = lessonCommand('run-d', run, { lessonId: 'once', commandId: 'retry-2', steps: 10, metricsEvery: 5 });
  await h.trainer.handle(retry);
  assert.equal(h.of('trainer.metrics').length, 2);
  assert.deepEqual(h.of('checkpoint.saved').at(-1)!.payload, { ...firstSaved.payload, commandId: 'retry-2' });
  assert.deepEqual(h.of('command.ack').at(-1)!.payload, { commandId: 'retry-2', service: 'trainer', outcome: 'duplicate' });

  // Reverts dedupe by id too.
  const revert = makeEvent('checkpoint.revert', { eventId: 'r', runId: 'run-d', producer: 't', sequence: 0, producedAt: new Date().toISOString() }, {
    commandId: 'rv-1',
    checkpointId: 'once.step-10',
    branch: 1,
    step: 10,
    reason: 'test',
  });
  await h.trainer.handle(revert);
  await h.trainer.handle(revert);
  assert.deepEqual(h.of('command.ack').slice(-2).map((e) => e.payload.outcome), ['executed', 'duplicate']);
  h.trainer.dispose();
  restarted.trainer.dispose();
});
