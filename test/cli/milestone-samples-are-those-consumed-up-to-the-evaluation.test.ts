// "Samples to a milestone" is what a benchmark or a user compares strategies by: it must be the
// samples the trainer consumed up to the evaluated checkpoint, not one metrics window more
// (the trainer runs on while a checkpoint is evaluated, so the next window arrives first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-process.ts';

const SPEC = join(import.meta.dirname, '../embedded/fixtures/tiny-addition.yaml');
const BATCH = 32; // the fixture's training.batchSize

test('the report and compare give each milestone the samples consumed up to its evaluation', async () => {
  const runsDir = mkdtempSync(join(tmpdir(), 'cli-milestones-'));
  const run = await runCli(['run', SPEC, '--runs-dir', runsDir, '--run-id', 'tiny', '--no-http', '--plain'], { timeoutMs: 180_000 });
  assert.equal(run.code, 0, run.stderr);
  const runDir = join(runsDir, 'tiny');
  const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as { reverts: number; milestones: Array<{ name: string; step: number; samples: number }> };
  assert.equal(summary.reverts, 0, 'one branch: samples up to step S are S x batch size');

  // The oracle from the trainer's own lines: every window ending at or before the step.
  const windows = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n')
    .map((l) => JSON.parse(l) as { type: string; payload: { step: number; tasks: Record<string, { samples: number }> } })
    .filter((e) => e.type === 'trainer.metrics');
  const consumedBy = (step: number) =>
    windows.filter((w) => w.payload.step <= step).reduce((n, w) => n + Object.values(w.payload.tasks).reduce((a, t) => a + t.samples, 0), 0);

  assert.ok(summary.milestones.length >= 1, JSON.stringify(summary.milestones));
  for (const m of summary.milestones) {
    assert.equal(m.samples, consumedBy(m.step), `${m.name} at step ${m.step}`);
    assert.equal(m.samples, m.step * BATCH, `${m.name} at step ${m.step}`);
  }

  const compare = await runCli(['compare', runDir], { timeoutMs: 30_000 });
  assert.equal(compare.code, 0, compare.stderr);
  for (const m of summary.milestones) {
    const row = compare.stdout.split('\n').find((l) => l.startsWith(`samples to ${m.name} `));
    assert.ok(row, compare.stdout);
    assert.equal(Number(row.trim().split(/\s+/).at(-1)?.replace(/,/g, '')), m.step * BATCH, row);
  }

  const html = readFileSync(join(runDir, 'report.html'), 'utf8');
  for (const m of summary.milestones) {
    assert.match(html, new RegExp(`<td class="num">${(m.step * BATCH).toLocaleString('en-US')}</td>`), `report row for ${m.name}`);
  }
  assert.deepEqual(readdirSync(runDir).filter((f) => f === 'operator-token'), [], '--no-http writes no token');
});
