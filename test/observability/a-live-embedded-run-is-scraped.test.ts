// The real thing, end to end: an embedded run serves /metrics, a real Prometheus scrapes it
// and answers queries for the stage gauge and a per-task accuracy series; the live exposition
// passes promtool; and every metric the Grafana dashboard queries is in that live scrape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { runEmbedded } from '../../embedded/run-embedded.ts';
import { startRunHttp, type RunHttp } from '../../cli/run-http.ts';
import { startPrometheus } from './prometheus-harness.ts';
import { requireTool } from './tools.ts';
import { allQueries, dashboard, metricNames } from '../deploy/dashboard-queries.ts';

const spec = join(import.meta.dirname, '../embedded/fixtures/tiny-addition.yaml');

test('Prometheus scrapes a live embedded run; promtool accepts it; the dashboard queries only live metrics', { timeout: 180_000 }, async (t) => {
  const prometheusBinary = requireTool(t, 'prometheus', 'apt-get install prometheus');
  const promtool = requireTool(t, 'promtool', 'apt-get install prometheus');
  if (!prometheusBinary || !promtool) return;
  const logger = pino({ level: 'silent' });
  let http: RunHttp | undefined;
  const result = await runEmbedded({
    specFile: spec,
    runsDir: mkdtempSync(join(tmpdir(), 'scraped-')),
    runId: 'scraped',
    logger,
    backend: 'wasm',
    skipReport: true,
    hooks: {
      onOutcome: (...a) => http?.metrics.onOutcome(...a),
      onTransition: (...a) => http?.metrics.onTransition(...a),
      onCommitLatency: (s) => http?.metrics.onCommitLatency(s),
    },
    onEvent: (e) => http?.observe(e),
    onStarted: async ({ controller, backend, device, version, runDir }) => {
      http = await startRunHttp({ controller, port: 0, logger, backend, device, version, runDir });
    },
  });
  assert.ok(http);
  t.after(() => http?.close());
  assert.equal(result.view.state, 'completed');

  const prometheus = await startPrometheus({ binary: prometheusBinary, targets: [`http://${http.address}/metrics`] });
  t.after(() => prometheus.stop());
  const stage = await prometheus.waitFor('curriculum_run_stage{run_id="scraped"}');
  assert.equal(stage[0]?.metric.stage, 'twos');
  assert.equal(stage[0]?.value[1], '1');
  const accuracy = await prometheus.waitFor('curriculum_heldout_accuracy_ratio{run_id="scraped",task="add-1"}');
  assert.equal(Number(accuracy[0]?.value[1]), result.view.heldout['add-1']);

  const exposition = await (await fetch(`http://${http.address}/metrics`)).text();
  const check = spawnSync(promtool, ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  assert.equal(check.status, 0, `promtool check metrics:\n${check.stdout}${check.stderr}`);
  assert.match(exposition, /^curriculum_trainer_backend_info\{backend="wasm",device="CPU \(wasm SIMD, 1 thread\)",version="\d+\.\d+\.\d+"\} 1$/m);

  const live = new Set<string>();
  for (const m of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [name, type] = [m[1] as string, m[2] as string];
    live.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) live.add(`${name}${suffix}`);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) live.add(`${name}${suffix}`);
  }
  const queries = allQueries(dashboard);
  assert.ok(queries.length > 20);
  for (const { where, expr } of queries) {
    for (const name of metricNames(expr)) assert.ok(live.has(name), `${where}: ${name} is not in the live scrape of a running service`);
  }
});
