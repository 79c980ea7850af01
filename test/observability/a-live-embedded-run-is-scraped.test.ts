// The real thing, end to end: an embedded run serves /metrics, a real Prometheus scrapes it
// and answers queries for the stage gauge and a per-task accuracy series; the live exposition
// passes promtool; and every metric the Grafana dashboard queries has a sample in that live
// scrape, except the Kafka-only families (consumer lag and crashes: the dashboard says so) and the
// counters of things this run never does (a revert, an error), which are at least declared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { runEmbedded } from '../../embedded/run-embedded.ts';
import { createRunTelemetry, startRunHttp, type RunHttp } from '../../cli/run-http.ts';
import { startPrometheus } from './prometheus-harness.ts';
import { requireTool } from './tools.ts';
import { allQueries, dashboard, metricNames } from '../deploy/dashboard-queries.ts';
import { KAFKA_ONLY_METRICS, ON_OCCURRENCE_METRICS } from '../../observability/metrics.ts';

const spec = join(import.meta.dirname, '../embedded/fixtures/tiny-addition.yaml');

test('Prometheus scrapes a live embedded run; promtool accepts it; the dashboard queries only live metrics', { timeout: 180_000 }, async (t) => {
  const prometheusBinary = requireTool(t, 'prometheus', 'apt-get install prometheus');
  const promtool = requireTool(t, 'promtool', 'apt-get install prometheus');
  if (!prometheusBinary || !promtool) return;
  const logger = pino({ level: 'silent' });
  let http: RunHttp | undefined;
  const telemetry = createRunTelemetry();
  const result = await runEmbedded({
    specFile: spec,
    runsDir: mkdtempSync(join(tmpdir(), 'scraped-')),
    runId: 'scraped',
    logger,
    backend: 'wasm',
    skipReport: true,
    hooks: telemetry.hooks,
    onEvent: (e) => telemetry.observe(e),
    onStarted: async ({ controller, backend, device, version, runDir }) => {
      http = await startRunHttp({ controller, telemetry, port: 0, logger, backend, device, version, runDir });
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

  const declared = new Set<string>();
  for (const m of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [name, type] = [m[1] as string, m[2] as string];
    declared.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) declared.add(`${name}${suffix}`);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) declared.add(`${name}${suffix}`);
  }
  const sampled = new Set([...exposition.matchAll(/^([a-z_][a-z0-9_]*)[{ ]/gm)].map((m) => m[1] as string));
  const queries = allQueries(dashboard);
  assert.ok(queries.length > 20);
  const expected = new Set(queries.flatMap((q) => metricNames(q.expr)));
  for (const { where, expr } of queries) {
    for (const name of metricNames(expr)) {
      assert.ok(declared.has(name), `${where}: ${name} is not in the live scrape of a running service`);
      if (KAFKA_ONLY_METRICS.includes(name)) {
        assert.match(dashboard.panels.find((p) => p.targets?.some((t) => t.expr === expr))?.description ?? '', /Kafka\) only/, `${where}: says it is Kafka-only`);
        continue;
      }
      if (ON_OCCURRENCE_METRICS.includes(name)) continue;
      assert.ok(sampled.has(name), `${where}: ${name} has no sample in a live embedded run`);
    }
  }
  // The lists name dashboard families only, so a stale entry cannot hide one.
  for (const name of [...KAFKA_ONLY_METRICS, ...ON_OCCURRENCE_METRICS]) assert.ok(expected.has(name), `${name} is not queried by the dashboard`);
});
