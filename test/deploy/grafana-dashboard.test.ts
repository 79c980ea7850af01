// Lints the generated Grafana dashboard: fresh, a datasource variable used by every query, a run
// selector, a unit on every panel, counters only through rate()/increase(), and every metric it
// queries exported by some service's metrics catalogue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { renderDashboard } from '../../deploy/grafana/dashboard.ts';
import { describeMetrics, exposedSeriesNames, registerProcessMetrics } from '../../observability/metrics.ts';
import { REPO_ROOT } from '../observability/tools.ts';
import { allQueries, committed, dashboard, metricNames } from './dashboard-queries.ts';

/** name -> Prometheus type, for every series a service exposes (process metrics included). */
function exportedTypes(): Map<string, string> {
  const types = new Map<string, string>();
  for (const m of describeMetrics()) {
    for (const name of exposedSeriesNames(m)) types.set(name, m.type === 'histogram' && !name.endsWith('_bucket') ? 'counter' : m.type);
  }
  const registry = new Registry();
  registerProcessMetrics(registry);
  for (const m of registry.getMetricsAsArray()) {
    const type = String(m.type);
    for (const name of exposedSeriesNames({ name: m.name, type })) types.set(name, type === 'histogram' && !name.endsWith('_bucket') ? 'counter' : type);
  }
  return types;
}

/** The function that directly encloses position `at` in `expr`, or undefined at top level. */
function enclosingFunction(expr: string, at: number): string | undefined {
  let depth = 0;
  for (let i = at - 1; i >= 0; i--) {
    const c = expr[i];
    if (c === ')') depth++;
    else if (c === '(') {
      if (depth === 0) return /([a-z_]+)\s*$/.exec(expr.slice(0, i))?.[1];
      depth--;
    }
  }
  return undefined;
}

test('the committed dashboard JSON is what deploy/grafana/dashboard.ts generates', () => {
  assert.equal(committed, renderDashboard(), 'stale: run `npx tsx deploy/grafana/dashboard.ts`');
});

test('a datasource variable exists and every query and annotation uses it', () => {
  const ds = dashboard.templating.list.find((v) => v.type === 'datasource');
  assert.ok(ds, 'no datasource variable');
  assert.equal(ds.query, 'prometheus');
  const ref = `\${${ds.name}}`;
  for (const p of dashboard.panels.filter((x) => x.type !== 'row')) {
    assert.equal(p.datasource?.uid, ref, `panel "${p.title}"`);
    for (const t of p.targets ?? []) assert.equal(t.datasource?.uid, ref, `panel "${p.title}" target`);
  }
  for (const a of dashboard.annotations.list) assert.equal(a.datasource?.uid, ref, `annotation "${a.name}"`);
  const run = dashboard.templating.list.find((v) => v.name === 'run_id');
  assert.ok(run, 'no run selector');
  assert.equal(run.datasource?.uid, ref);
});

test('every panel has a unit', () => {
  const panels = dashboard.panels.filter((p) => p.type !== 'row');
  assert.ok(panels.length >= 25);
  for (const p of panels) assert.ok((p.fieldConfig?.defaults?.unit ?? '') !== '', `panel "${p.title}" has no unit`);
});

test('stage and revert annotations come from the decision counters', () => {
  const names = dashboard.annotations.list.map((a) => a.name);
  assert.ok(names.includes('Stage transitions'));
  assert.ok(names.includes('Reverts'));
});

test('every queried metric is exported by a service, and counters only appear inside rate()/increase()', () => {
  const types = exportedTypes();
  const queries = allQueries(dashboard);
  const used = new Set<string>();
  for (const { where, expr } of queries) {
    const names = metricNames(expr);
    assert.ok(names.length > 0, `${where}: no curriculum metric in ${expr}`);
    for (const name of names) {
      used.add(name);
      const type = types.get(name);
      assert.ok(type !== undefined, `${where}: ${name} is not exported by any service`);
      if (type === 'counter' || name.endsWith('_bucket')) {
        for (const m of expr.matchAll(new RegExp(`\\b${name}\\b`, 'g'))) {
          const fn = enclosingFunction(expr, m.index);
          assert.ok(fn === 'rate' || fn === 'increase' || fn === 'irate', `${where}: counter ${name} used outside rate/increase (in ${fn ?? 'top level'}): ${expr}`);
        }
      }
    }
  }
  // Everything in the service catalogue (not the process metrics) is on the dashboard somewhere.
  const catalogue = describeMetrics().filter((m) => m.name !== 'curriculum_build_info');
  for (const m of catalogue) {
    assert.ok(exposedSeriesNames(m).some((n) => used.has(n)), `${m.name} (${m.service}) is on no panel`);
  }
});

test('the lint catches a raw counter and an unknown metric', () => {
  assert.equal(enclosingFunction('sum(curriculum_decisions_total)', 4), 'sum');
  assert.equal(enclosingFunction('sum(rate(curriculum_decisions_total[5m]))', 9), 'rate');
  assert.equal(exportedTypes().has('curriculum_made_up_total'), false);
  assert.deepEqual(metricNames('sum by (kind) (rate(curriculum_decisions_total{kind="revert", x="curriculum_fake"}[5m]))'), ['curriculum_decisions_total']);
});

test('provisioning points Grafana at the dashboards folder and the compose Prometheus', () => {
  const ds = parse(readFileSync(join(REPO_ROOT, 'deploy/grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as {
    datasources: { type: string; url: string }[];
  };
  assert.equal(ds.datasources[0]?.type, 'prometheus');
  assert.equal(ds.datasources[0]?.url, 'http://prometheus:9090');
  const dash = parse(readFileSync(join(REPO_ROOT, 'deploy/grafana/provisioning/dashboards/curriculum.yml'), 'utf8')) as {
    providers: { type: string; options: { path: string } }[];
  };
  assert.equal(dash.providers[0]?.type, 'file');
  assert.equal(dash.providers[0]?.options.path, '/var/lib/grafana/dashboards');
});
