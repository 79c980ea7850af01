// The alert rules pass `promtool check rules`, their unit tests pass `promtool test rules`, the
// compose scrape config passes `promtool check config`, and the rules only use metrics that the
// services export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT, requireTool } from '../observability/tools.ts';
import { describeMetrics, exposedSeriesNames, IDLE_RUN_STATES, TERMINAL_RUN_STATES } from '../../observability/metrics.ts';

const dir = join(REPO_ROOT, 'deploy', 'prometheus');
const hint = 'apt-get install prometheus (Debian package, provides /usr/bin/promtool)';

function promtool(bin: string, args: string[], cwd = dir) {
  const r = spawnSync(bin, args, { cwd, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('promtool check rules accepts alerts.yml', (t) => {
  const bin = requireTool(t, 'promtool', hint);
  if (bin === undefined) return;
  const r = promtool(bin, ['check', 'rules', 'alerts.yml']);
  assert.equal(r.status, 0, r.out);
  // promtool read every rule of the file (a rule it skipped would be missing from the count).
  const groups = (parse(readFileSync(join(dir, 'alerts.yml'), 'utf8')) as { groups: { rules: unknown[] }[] }).groups;
  assert.match(r.out, new RegExp(`SUCCESS: ${groups.reduce((n, g) => n + g.rules.length, 0)} rules found`));
});

test('promtool test rules: every alert fires and stays quiet where it should', (t) => {
  const bin = requireTool(t, 'promtool', hint);
  if (bin === undefined) return;
  const r = promtool(bin, ['test', 'rules', 'alerts.test.yml']);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /SUCCESS/);
});

test('every alert in alerts.yml has a firing and a not-firing case in alerts.test.yml', () => {
  const rules = parse(readFileSync(join(dir, 'alerts.yml'), 'utf8')) as { groups: { rules: { alert: string }[] }[] };
  const tests = parse(readFileSync(join(dir, 'alerts.test.yml'), 'utf8')) as {
    tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
  };
  const cases = tests.tests.flatMap((c) => c.alert_rule_test);
  const alerts = new Set(rules.groups.flatMap((g) => g.rules.map((r) => r.alert)));
  assert.ok(alerts.size >= 6);
  for (const alert of alerts) {
    assert.ok(cases.some((c) => c.alertname === alert && c.exp_alerts.length > 0), `${alert}: no firing case`);
    assert.ok(cases.some((c) => c.alertname === alert && c.exp_alerts.length === 0), `${alert}: no not-firing case`);
  }
});

test('the rule unit tests can fail: a wrong expectation is reported', (t) => {
  const bin = requireTool(t, 'promtool', hint);
  if (bin === undefined) return;
  const tmp = mkdtempSync(join(tmpdir(), 'curriculum-rules-'));
  try {
    const wrong = {
      rule_files: [join(dir, 'alerts.yml')],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            { series: 'curriculum_run_step{run_id="stuck"}', values: '500x40' },
            { series: 'curriculum_run_state{run_id="stuck",state="training"}', values: '1x40' },
          ],
          alert_rule_test: [{ eval_time: '30m', alertname: 'CurriculumRunStalled', exp_alerts: [] }],
        },
      ],
    };
    writeFileSync(join(tmp, 'wrong.test.yml'), JSON.stringify(wrong));
    const r = promtool(bin, ['test', 'rules', 'wrong.test.yml'], tmp);
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.out, /CurriculumRunStalled/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('promtool check config accepts the compose prometheus.yml', (t) => {
  const bin = requireTool(t, 'promtool', hint);
  if (bin === undefined) return;
  const r = promtool(bin, ['check', 'config', 'prometheus.yml']);
  assert.equal(r.status, 0, r.out);
});

test('alert expressions name only exported metrics, and the stall alert knows the idle states', () => {
  const exported = new Set(describeMetrics().flatMap(exposedSeriesNames));
  exported.add('up');
  const text = readFileSync(join(dir, 'alerts.yml'), 'utf8');
  const rules = parse(text) as { groups: { rules: { alert: string; expr: string }[] }[] };
  for (const rule of rules.groups.flatMap((g) => g.rules)) {
    const names = rule.expr.match(/\b(curriculum_[a-z0-9_]+|up)\b/g) ?? [];
    assert.ok(names.length > 0, rule.alert);
    for (const name of names) assert.ok(exported.has(name), `${rule.alert} uses ${name}, which no service exports`);
  }
  const stall = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === 'CurriculumRunStalled');
  assert.ok(stall?.expr.includes(`state!~"${[...TERMINAL_RUN_STATES, ...IDLE_RUN_STATES].join('|')}"`));
});
