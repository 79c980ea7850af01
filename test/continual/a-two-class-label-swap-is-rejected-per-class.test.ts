// The per-class gate on a real run: the continual-digits example, embedded, with
// its default continual.categoryRegression. Production feedback swaps the labels of two classes (3 and 5) of
// familiar digits; the candidate learns the swap, gains on the (equally swapped) feedback
// hold-out, and loses little enough on the task as a whole to pass a whole-task gate, but its
// held-out accuracy on the two classes collapses: it is rejected with a reason naming the class
// and both values, and the deployed model stays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parse, stringify } from 'yaml';
import { runEmbedded } from '../../embedded/run-embedded.ts';
import type { ControllerService } from '../../controller/runtime/controller-service.ts';
import { feedbackCommand } from '../../cli/feedback.ts';
import { DEPLOYMENT, EXAMPLE_SPEC, Watcher, productionFeedback, writeJsonl } from './support/digits-demo.ts';

test('a two-class label swap in the feedback is rejected by the per-class gate, naming the class and both values', { timeout: 240_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'curriculum-label-swap-'));
  const raw = parse(readFileSync(EXAMPLE_SPEC, 'utf8')) as { evaluation: Record<string, unknown>; continual: Record<string, unknown> };
  // 1000 held-out digits (about 100 a class) keep each class's noise margin near 0.16.
  raw.evaluation = { ...raw.evaluation, samplesPerTask: 1000 };
  // A task-level margin wide enough to let the swap through (0.15; the candidate loses about 0.1 on
  // the task): only the per-class gate stands between it and production.
  raw.continual = { ...raw.continual, maxRegression: 0.15 }; // the per-class guard is on by default
  const specFile = join(dir, 'swap.yaml');
  writeFileSync(specFile, stringify(raw));
  const watcher = new Watcher();
  let controller: ControllerService | undefined;
  let runDir = '';
  const runId = 'label-swap';
  const run = runEmbedded({
    specFile,
    runsDir: dir,
    runId,
    logger: pino({ level: 'silent' }),
    backend: 'wasm',
    skipReport: true,
    onStarted: (c) => {
      controller = c.controller;
      runDir = c.runDir;
    },
    hooks: { onTransition: (view, result) => watcher.observe(view, result.decisions.map((d) => d.payload), result.commands) },
  });
  await watcher.until(() => watcher.view?.detailedState === 'continual.monitoring', 'deployment', 90_000);
  const deployed = watcher.view?.continual?.deployedCheckpointId;
  assert.ok(deployed);
  const all = await productionFeedback(join(runDir, 'checkpoints'), runId, deployed, { kind: 'label-swap', count: 1200, deploymentId: DEPLOYMENT, seed: 4 });
  // Mostly the two swapped classes (what production complains about), some correct others.
  const swapped = all.filter((r) => r.category === 'digit-3' || r.category === 'digit-5').slice(0, 200);
  const rows = [...swapped, ...all.filter((r) => r.category !== 'digit-3' && r.category !== 'digit-5').slice(0, 240 - swapped.length)];
  assert.ok(swapped.every((r) => r.label === (r.category === 'digit-3' ? '5' : '3')));
  assert.equal(await feedbackCommand(['send', writeJsonl(rows), '--run-dir', runDir]), 0);
  await watcher.until(() => watcher.kinds().includes('promote') || watcher.kinds().includes('reject'), 'the candidate decided', 120_000);
  await controller?.act(runId, 'stop', { requestedBy: 'test' });
  const result = await run;

  const verdict = watcher.decisions.find((d) => d.kind === 'promote' || d.kind === 'reject');
  assert.ok(verdict);
  t.diagnostic(verdict.reasons.map((r) => `${r.code}${r.category ? `[${r.category}]` : ''}=${r.value?.toFixed(4) ?? '-'}/${r.threshold?.toFixed(4) ?? '-'} ${r.holds ? 'holds' : 'FAILS'}`).join('; '));
  assert.equal(verdict.kind, 'reject', JSON.stringify(verdict.reasons));
  assert.ok(verdict.reasons.find((r) => r.code === 'continual.regression')?.holds, 'the whole-task gate alone would promote it');
  assert.ok(verdict.reasons.find((r) => r.code === 'continual.feedback-gain')?.holds, 'it gains on the (swapped) feedback hold-out');
  const failed = verdict.reasons.filter((r) => r.code === 'continual.category-regression' && !r.holds);
  assert.ok(failed.length > 0 && failed.every((r) => r.category === 'digit-3' || r.category === 'digit-5'), JSON.stringify(failed));
  assert.match(failed[0]?.message ?? '', /^digit-[35]: \d\.\d{4} on \d+ items vs deployed \d\.\d{4} on \d+/);
  assert.equal(result.view.continual?.deployedCheckpointId, deployed, 'the deployed model stays');
});
