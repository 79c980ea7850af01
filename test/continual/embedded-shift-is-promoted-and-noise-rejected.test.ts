// Demo 1, embedded: the continual-digits example is deployed, production shifts to a pixel
// permutation it never saw, the feedback (true labels, the deployed model's answers) goes in
// through `curriculum feedback send --run-dir`, and the run retrains, evaluates and promotes the
// candidate. The same with adversarial noise (uniform-noise images, random labels): the candidate
// gains nothing on the feedback hold-out and is rejected, and the trainer reverts to the deployed model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { runEmbedded } from '../../embedded/run-embedded.ts';
import { readDecisions } from '../../embedded/run-recorder.ts';
import type { ControllerService } from '../../controller/runtime/controller-service.ts';
import { feedbackCommand } from '../../cli/feedback.ts';
import { feedbackPoolFile, readPool } from '../../tasks/feedback-pool.ts';
import { DEPLOYMENT, EXAMPLE_SPEC, Watcher, productionFeedback, writeJsonl } from './support/digits-demo.ts';

async function demo(kind: 'permutation' | 'noise') {
  const runsDir = mkdtempSync(join(tmpdir(), 'curriculum-continual-'));
  const runId = `continual-${kind}`;
  const watcher = new Watcher();
  let controller: ControllerService | undefined;
  let runDir = '';
  const started = Date.now();
  const run = runEmbedded({
    specFile: EXAMPLE_SPEC,
    runsDir,
    runId,
    logger: pino({ level: 'silent' }),
    backend: 'wasm',
    onStarted: (c) => {
      controller = c.controller;
      runDir = c.runDir;
    },
    hooks: { onTransition: (view, result) => watcher.observe(view, result.decisions.map((d) => d.payload), result.commands) },
  });
  await watcher.until(() => watcher.view?.detailedState === 'continual.monitoring', 'deployment');
  const deployed = watcher.view?.continual?.deployedCheckpointId;
  assert.ok(deployed, 'a checkpoint is deployed when the stages end');
  const rows = await productionFeedback(join(runDir, 'checkpoints'), runId, deployed, { kind, permutation: 77, count: 240, deploymentId: DEPLOYMENT, seed: 1 });
  const file = writeJsonl(rows);
  assert.equal(await feedbackCommand(['send', file, '--run-dir', runDir]), 0);
  await watcher.until(() => watcher.kinds().includes('promote') || watcher.kinds().includes('reject'), 'a promotion decision');
  await controller?.act(runId, 'stop', { requestedBy: 'test' });
  const result = await run;
  return { result, watcher, runDir, runId, seconds: (Date.now() - started) / 1000, rows };
}

test('a production shift to an unseen pixel permutation is retrained on and the candidate promoted', async (t) => {
  const { result, runDir, runId, seconds } = await demo('permutation');
  assert.ok(seconds < 60, `took ${seconds.toFixed(1)} s`);
  assert.equal(result.view.state, 'stopped');
  const decisions = readDecisions(runDir).map((d) => d.payload);
  const kinds = decisions.map((d) => d.kind);
  const retrain = decisions.find((d) => d.kind === 'retrain');
  assert.ok(retrain, kinds.join(' '));
  assert.deepEqual(retrain.reasons.filter((r) => r.holds).map((r) => [r.code, r.value]), [['continual.feedback-count', 240]]);
  const promote = decisions.find((d) => d.kind === 'promote');
  assert.ok(promote, `expected a promotion: ${JSON.stringify(decisions.find((d) => d.kind === 'reject')?.reasons)}`);
  t.diagnostic(`${seconds.toFixed(1)} s; promote: ${promote.reasons.map((r) => `${r.code}=${r.value?.toFixed(4) ?? '-'} (${r.message})`).join('; ')}`);
  const gain = promote.reasons.find((r) => r.code === 'continual.feedback-gain');
  assert.ok(gain && gain.holds && (gain.value ?? 0) > 0.1, JSON.stringify(gain));
  assert.match(gain.message, /deployed .+ on the same \d+ items/, 'the deployed model was scored on the same hold-out');
  const regression = promote.reasons.find((r) => r.code === 'continual.regression' && r.task === 'digits');
  assert.ok(regression?.holds, JSON.stringify(regression));
  const named = promote.reasons.find((r) => r.code === 'continual.promoted-checkpoint');
  assert.ok(named && result.view.continual?.deployedCheckpointId && named.message.includes(result.view.continual.deployedCheckpointId));
  assert.equal(result.view.continual?.promotions, 1);
  // The pool holds every row once, and the retraining lesson named its cut of it.
  const pool = readPool(feedbackPoolFile(join(runDir, 'checkpoints'), runId, DEPLOYMENT));
  assert.equal(pool.length, 240);
  const lessons = readFileSync(join(runDir, 'lessons.jsonl'), 'utf8');
  assert.match(lessons, /"purpose":"retrain"/);
  // The report shows the continual phase.
  const html = readFileSync(join(runDir, 'report.html'), 'utf8');
  assert.match(html, /Continual phase/);
  assert.match(html, /promote/);
});

test('adversarial noise feedback yields a rejected candidate, the reasons recorded and the deployed model restored', async (t) => {
  const { result, runDir, watcher, seconds } = await demo('noise');
  const decisions = readDecisions(runDir).map((d) => d.payload);
  assert.ok(!decisions.some((d) => d.kind === 'promote'));
  const reject = decisions.find((d) => d.kind === 'reject');
  assert.ok(reject, decisions.map((d) => d.kind).join(' '));
  t.diagnostic(`${seconds.toFixed(1)} s; reject: ${reject.reasons.map((r) => `${r.code}=${r.value?.toFixed(4) ?? '-'} (${r.message})`).join('; ')}`);
  const failed = reject.reasons.filter((r) => !r.holds).map((r) => r.code);
  assert.ok(failed.includes('continual.feedback-gain'), `noise cannot improve feedback accuracy: ${JSON.stringify(reject.reasons)}`);
  assert.equal(reject.reasons[0]?.holds, false, 'the decisive reason comes first');
  assert.equal(result.view.continual?.rejections, 1);
  assert.equal(result.view.continual?.promotions, 0);
  // The candidate was abandoned: the trainer was told to revert to the deployed checkpoint.
  const deployed = watcher.decisions.find((d) => d.kind === 'retrain') && result.view.continual?.deployedCheckpointId;
  const revert = watcher.commands.find((c) => c.type === 'checkpoint.revert');
  assert.ok(revert && revert.type === 'checkpoint.revert' && deployed);
  assert.equal(revert.payload.checkpointId, deployed);
  assert.match(revert.payload.reason, /rejected: continual\.feedback-gain/);
  const inbox = readdirSync(join(runDir, 'feedback-inbox', 'done'));
  assert.equal(inbox.length, 1);
  assert.ok(existsSync(join(runDir, 'report.html')));
});
