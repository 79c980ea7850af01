// The continual demo, embedded, seen the way Grafana sees it: the run's /metrics (the same
// metricsHooks as the distributed controller) counts the retraining cycles, the promotion, the
// rejection, the dead letters of feedback that cannot apply, and re-sent feedback as duplicates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { runEmbedded } from '../../embedded/run-embedded.ts';
import { createRunTelemetry, startRunHttp, type RunHttp } from '../../cli/run-http.ts';
import { chainHooks } from '../../controller/runtime/metrics-hooks.ts';
import type { ControllerService } from '../../controller/runtime/controller-service.ts';
import { feedbackCommand } from '../../cli/feedback.ts';
import { dropIntoInbox } from '../../embedded/feedback-inbox.ts';
import { DEPLOYMENT, EXAMPLE_SPEC, Watcher, productionFeedback, writeJsonl } from '../continual/support/digits-demo.ts';
import { until } from '../continual/support/feedback-run.ts';

test('an embedded continual run moves the retraining, promotion, rejection, dead-letter and feedback counters on /metrics', { timeout: 240_000 }, async (t) => {
  const runsDir = mkdtempSync(join(tmpdir(), 'curriculum-continual-metrics-'));
  const runId = 'continual-metrics';
  const watcher = new Watcher();
  const telemetry = createRunTelemetry();
  const logger = pino({ level: 'silent' });
  let http: RunHttp | undefined;
  let controller: ControllerService | undefined;
  let runDir = '';
  const run = runEmbedded({
    specFile: EXAMPLE_SPEC,
    runsDir,
    runId,
    logger,
    backend: 'wasm',
    skipReport: true,
    hooks: chainHooks(telemetry.hooks, { onTransition: (view, result) => watcher.observe(view, result.decisions.map((d) => d.payload), result.commands) }),
    onEvent: (e) => telemetry.observe(e),
    onStarted: async (c) => {
      controller = c.controller;
      runDir = c.runDir;
      http = await startRunHttp({ controller: c.controller, telemetry, port: 0, logger, backend: c.backend, runDir: c.runDir });
    },
  });
  t.after(() => http?.close());
  const decided = (n: number) => watcher.decisions.filter((d) => d.kind === 'promote' || d.kind === 'reject').length >= n;
  const deployed = () => watcher.view?.continual?.deployedCheckpointId ?? '';
  await watcher.until(() => watcher.view?.detailedState === 'continual.monitoring', 'deployment');
  const shifted = await productionFeedback(join(runDir, 'checkpoints'), runId, deployed(), { kind: 'permutation', permutation: 77, count: 240, deploymentId: DEPLOYMENT, seed: 1 });
  assert.equal(await feedbackCommand(['send', writeJsonl(shifted), '--run-dir', runDir]), 0);
  await watcher.until(() => decided(1) && watcher.view?.detailedState === 'continual.monitoring', 'the first candidate decided', 90_000);
  // The same rows again: counted once, as duplicates; and rows that cannot apply, dropped into the inbox by hand.
  assert.equal(await feedbackCommand(['send', writeJsonl(shifted), '--run-dir', runDir]), 0);
  const first = shifted[0];
  assert.ok(first);
  dropIntoInbox(runDir, [{ ...first, feedbackId: 'other-dep', deploymentId: 'staging' }, { ...first, feedbackId: 'bad-label', label: 'seven' }].map((r) => JSON.stringify(r)).join('\n') + '\n', new Date());
  // Repeats change no state the watcher sees (no decision): ask the controller.
  await until(async () => (await controller?.view(runId))?.continual?.feedbackRepeated === 240, 'the re-sent rows counted as repeats', 60_000);
  const noise = await productionFeedback(join(runDir, 'checkpoints'), runId, deployed(), { kind: 'noise', permutation: 77, count: 240, deploymentId: DEPLOYMENT, seed: 3 });
  assert.equal(await feedbackCommand(['send', writeJsonl(noise), '--run-dir', runDir]), 0);
  await watcher.until(() => decided(2), 'the second candidate decided', 90_000);
  await controller?.act(runId, 'stop', { requestedBy: 'test' });
  await run;

  assert.ok(http);
  const text = await (await fetch(`http://${http.address}/metrics`)).text();
  const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
  const kinds = watcher.kinds();
  t.diagnostic(text.split('\n').filter((l) => /feedback|retrain|promot|reject|dlq/.test(l) && !l.startsWith('#')).join('\n'));
  assert.equal(value(/^curriculum_retraining_cycles_total (\d+)/m), kinds.filter((k) => k === 'retrain').length);
  assert.equal(kinds.filter((k) => k === 'retrain').length, 2, 'the re-sent rows started no retraining');
  assert.equal(value(/^curriculum_promotions_total (\d+)/m), kinds.filter((k) => k === 'promote').length);
  const rejections = [...text.matchAll(/^curriculum_rejections_total\{[^}]*\} (\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
  assert.equal(rejections, kinds.filter((k) => k === 'reject').length);
  assert.ok(kinds.includes('promote') && kinds.includes('reject'), kinds.join(' '));
  assert.equal(value(/^curriculum_dlq_messages_total\{topic="curriculum\.feedback",code="CUR_FEEDBACK_REFUSED"\} (\d+)/m), 2);
  assert.equal(value(/^curriculum_feedback_total\{severity="medium",outcome="duplicate"\} (\d+)/m), 240);
  assert.equal(value(/^curriculum_feedback_total\{severity="unknown",outcome="invalid"\} (\d+)/m), 2);
});
