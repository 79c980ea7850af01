// A real Prometheus scrapes the controller's /metrics served by our fastify server, and its
// query API returns the stage gauge and a per-task accuracy series with the values we set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildHttpServer } from '../../observability/http-server.ts';
import { createServiceLogger } from '../../observability/logger.ts';
import { populatedControllerRegistry } from './fixtures.ts';
import { startPrometheus } from './prometheus-harness.ts';
import { REPO_ROOT, requireTool } from './tools.ts';

test('a real Prometheus scrapes the controller metrics and answers queries', { timeout: 90_000 }, async (t) => {
  const binary = requireTool(t, 'prometheus', 'apt-get install prometheus (Debian package, /usr/bin/prometheus)');
  if (binary === undefined) return;
  const { registry, metrics } = populatedControllerRegistry();
  const app = buildHttpServer({
    registry,
    probes: { bus: () => true, store: async () => true },
    logger: createServiceLogger({ service: 'controller', level: 'warn' }),
    service: 'controller',
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  const prometheus = await startPrometheus({
    binary,
    targets: [`${address}/metrics`],
    ruleFiles: [join(REPO_ROOT, 'deploy', 'prometheus', 'alerts.yml')],
  });
  t.after(() => prometheus.stop());

  const up = await prometheus.waitFor('up{job="curriculum-test"}', (r) => r[0]?.value[1] === '1');
  assert.equal(up.length, 1);

  const stage = await prometheus.waitFor('curriculum_run_stage{run_id="run-a"}');
  assert.equal(stage.length, 1);
  assert.equal(stage[0]?.metric.stage, 'carry');
  assert.equal(stage[0]?.value[1], '1');

  const accuracy = await prometheus.query('curriculum_heldout_accuracy_ratio{run_id="run-a",task="add-2digit"}');
  assert.equal(accuracy.length, 1);
  assert.equal(Number(accuracy[0]?.value[1]), 0.81);

  // A change in the service shows up in the next scrapes.
  metrics.setRunStage('run-a', 'multi-digit', 2);
  const advanced = await prometheus.waitFor('curriculum_run_stage{run_id="run-a",stage="multi-digit"}');
  assert.equal(advanced[0]?.value[1], '2');

  // The real server loads the alert rules too.
  const rules = (await prometheus.api('/api/v1/rules')) as { groups: { name: string; rules: unknown[] }[] };
  assert.deepEqual(rules.groups.map((g) => g.name).sort(), ['curriculum.pipeline', 'curriculum.runs']);
});
