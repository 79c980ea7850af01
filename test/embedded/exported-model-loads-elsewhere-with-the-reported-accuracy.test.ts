// Every run exports its best gated and final models; a separate process loads one with
// tf.loadLayersModel and gets the held-out accuracy the run's evaluator reported for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { runEmbedded } from '../../embedded/run-embedded.ts';
import type { AnyEvent, EnvelopeOf } from '../../schemas/events.ts';

const spec = join(import.meta.dirname, 'fixtures/tiny-addition.yaml');
const script = join(import.meta.dirname, 'support/score-exported-model.ts');

function reportedHeldout(runDir: string, checkpointId: string): Record<string, number> {
  const results = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as AnyEvent)
    .filter((e): e is EnvelopeOf<'evaluation.results'> => e.type === 'evaluation.results' && e.payload.suite === 'heldout' && e.payload.checkpointId === checkpointId);
  const last = results.at(-1);
  assert.ok(last, `an evaluation of ${checkpointId}`);
  return Object.fromEntries(Object.entries(last.payload.tasks).map(([id, m]) => [id, m.accuracy]));
}

test('the best and final models are exported, and load elsewhere with the accuracy the run reported', async () => {
  const runsDir = mkdtempSync(join(tmpdir(), 'curriculum-export-'));
  const result = await runEmbedded({ specFile: spec, runsDir, runId: 'exported', logger: pino({ level: 'silent' }), backend: 'wasm', skipReport: true });
  assert.equal(result.view.state, 'completed');
  assert.ok(result.view.models.best && result.view.models.final);
  for (const which of ['best', 'final'] as const) {
    const dir = join(result.runDir, 'model', which);
    for (const f of ['model.json', 'weights.bin', 'input.json']) assert.ok(existsSync(join(dir, f)), `${which}/${f}`);
    const { curriculum } = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { curriculum: { checkpointId: string } };
    assert.equal(curriculum.checkpointId, result.view.models[which]!.checkpointId);
    const reported = reportedHeldout(result.runDir, curriculum.checkpointId);
    const scored = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', script, dir, result.runDir], { encoding: 'utf8' })) as Record<string, number>;
    for (const [task, accuracy] of Object.entries(reported)) assert.equal(scored[task], accuracy, `${which} ${task}`);
    assert.ok(Object.keys(reported).length > 0);
  }
  assert.ok(existsSync(join(result.runDir, 'checkpoints')), 'the checkpoints stay');
});
