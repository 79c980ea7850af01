// The main job, end to end, in one process: a tiny spec runs to completion and leaves a
// decision log, a summary and a report that agree with what happened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { runEmbedded } from '../../embedded/run-embedded.ts';
import { readDecisions } from '../../embedded/run-recorder.ts';
import { runSummaryErrors } from '../../report/run-summary.ts';

const spec = join(import.meta.dirname, 'fixtures/tiny-addition.yaml');

test('a tiny curriculum runs to completion in under a minute with its decision log, summary and report', async () => {
  const runsDir = mkdtempSync(join(tmpdir(), 'curriculum-e2e-'));
  const started = Date.now();
  const result = await runEmbedded({ specFile: spec, runsDir, runId: 'tiny', logger: pino({ level: 'silent' }), backend: 'wasm' });
  const seconds = (Date.now() - started) / 1000;
  assert.ok(seconds < 60, `took ${seconds.toFixed(1)} s`);
  assert.equal(result.outcome, 'finished');
  assert.equal(result.view.state, 'completed');

  const decisions = readDecisions(result.runDir).map((d) => d.payload);
  assert.equal(decisions[0]?.kind, 'start');
  assert.equal(decisions.at(-1)?.kind, 'complete');
  const advance = decisions.find((d) => d.kind === 'advance');
  assert.ok(advance, 'the run advanced from ones to twos');
  const gate = advance.reasons.find((r) => r.task === 'add-1' && r.metric === 'accuracy');
  assert.ok(gate && gate.holds && gate.threshold === 0.6 && (gate.value ?? 0) >= 0.6, JSON.stringify(advance.reasons));
  assert.deepEqual(decisions.map((d) => d.sequence), decisions.map((_, i) => i), 'the log is complete and ordered');

  const summary: unknown = JSON.parse(readFileSync(join(result.runDir, 'summary.json'), 'utf8'));
  assert.deepEqual(runSummaryErrors(summary), []);
  const s = summary as { status: string; stages: Array<{ id: string; outcome: string }>; decisions: number; finalHeldout: Record<string, number> };
  assert.equal(s.status, 'completed');
  assert.deepEqual(s.stages.map((x) => [x.id, x.outcome]), [['ones', 'advanced'], ['twos', 'completed']]);
  assert.equal(s.decisions, decisions.length);
  assert.ok((s.finalHeldout['add-2'] ?? 0) >= 0.2);

  const html = readFileSync(join(result.runDir, 'report.html'), 'utf8');
  assert.ok(existsSync(join(result.runDir, 'checkpoints')));
  assert.match(html, /warm up on single digits/, 'the stage rationale is in the report');
  for (const chart of html.matchAll(/data-chart="([^"]+)"[^>]*data-points="(\d+)"/g)) {
    assert.ok(Number(chart[2]) > 0, `chart ${chart[1]} has no data`);
  }
});
