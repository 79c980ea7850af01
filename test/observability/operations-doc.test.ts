// docs/operations.md lists every metric of the catalogue (generated table, must be fresh), every
// alert of alerts.yml and every environment variable the services read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DOC_FILE, withFreshMetrics } from '../../observability/metrics-doc.ts';
import { describeMetrics } from '../../observability/metrics.ts';
import { ENVIRONMENT } from '../../config/service-config.ts';
import { REPO_ROOT } from './tools.ts';

const doc = readFileSync(DOC_FILE, 'utf8');

test('the metrics table in docs/operations.md is fresh', () => {
  assert.equal(doc, withFreshMetrics(doc), 'stale: run `npx tsx observability/metrics-doc.ts`');
  for (const m of describeMetrics()) assert.ok(doc.includes(`\`${m.name}\``), m.name);
});

test('every alert and every environment variable is documented', () => {
  const rules = parse(readFileSync(join(REPO_ROOT, 'deploy/prometheus/alerts.yml'), 'utf8')) as { groups: { rules: { alert: string }[] }[] };
  for (const r of rules.groups.flatMap((g) => g.rules)) assert.ok(doc.includes(`\`${r.alert}\``), r.alert);
  for (const e of ENVIRONMENT) assert.ok(doc.includes(`\`${e.name}\``), e.name);
});
