// Ctrl-C leaves a resumable run; resuming it reaches the same decisions as a run that was
// never interrupted (same spec, same seed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { runEmbedded } from '../../embedded/run-embedded.ts';
import { readDecisions } from '../../embedded/run-recorder.ts';

const spec = join(import.meta.dirname, 'fixtures/tiny-addition.yaml');
const logger = pino({ level: 'silent' });

function decisionPayloads(runDir: string): unknown[] {
  return readDecisions(runDir).map((d) => d.payload);
}

test('interrupt and resume gives the same decision log as an uninterrupted run (wasm)', async () => {
  const straight = await runEmbedded({ specFile: spec, runsDir: mkdtempSync(join(tmpdir(), 'straight-')), runId: 'same', logger, backend: 'wasm', skipReport: true });
  assert.equal(straight.outcome, 'finished');

  const runsDir = mkdtempSync(join(tmpdir(), 'interrupted-'));
  const abort = new AbortController();
  let decisions = 0;
  const first = await runEmbedded({
    specFile: spec,
    runsDir,
    runId: 'same',
    logger,
    backend: 'wasm',
    signal: abort.signal,
    skipReport: true,
    onEvent: (e) => {
      // Interrupt in the middle of the second stage's lessons.
      if (e.type === 'decision' && ++decisions === 4) abort.abort();
    },
  });
  assert.equal(first.outcome, 'interrupted');
  assert.ok(!first.view.terminal);
  const resumed = await runEmbedded({ resumeDir: first.runDir, logger, backend: 'wasm', skipReport: true });
  assert.equal(resumed.outcome, 'finished');
  assert.deepEqual(decisionPayloads(first.runDir), decisionPayloads(straight.runDir));
});
