// Every service's exposition passes `promtool check metrics` (Prometheus' own naming lint),
// and per-run series disappear when a run is removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Registry } from 'prom-client';
import { populatedControllerRegistry, populatedEvaluatorRegistry, populatedTrainerRegistry } from './fixtures.ts';
import { requireTool } from './tools.ts';
import { createControllerMetrics, describeMetrics, METRIC_PREFIX, boundedLabel } from '../../observability/metrics.ts';

const services = {
  controller: async () => populatedControllerRegistry().registry.metrics(),
  trainer: async () => populatedTrainerRegistry().metrics(),
  evaluator: async () => populatedEvaluatorRegistry().metrics(),
};

for (const [service, exposition] of Object.entries(services)) {
  test(`promtool check metrics accepts the ${service} exposition`, async (t) => {
    const promtool = requireTool(t, 'promtool', 'apt-get install prometheus');
    if (promtool === undefined) return;
    const text = await exposition();
    assert.match(text, /curriculum_build_info\{service="/);
    const r = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, `promtool check metrics failed:\n${r.stdout}${r.stderr}`);
    assert.equal(r.stdout.trim() + r.stderr.trim(), '', 'promtool printed lint findings');
  });
}

test('promtool check metrics really lints (a badly named counter is reported)', (t) => {
  const promtool = requireTool(t, 'promtool', 'apt-get install prometheus');
  if (promtool === undefined) return;
  const bad = '# HELP curriculum_requests a counter without _total\n# TYPE curriculum_requests counter\ncurriculum_requests 1\n';
  const r = spawnSync(promtool, ['check', 'metrics'], { input: bad, encoding: 'utf8' });
  assert.notEqual(r.status, 0);
});

test('every metric is prefixed, documented, and counters end in _total', () => {
  const all = describeMetrics();
  assert.ok(all.length >= 30, `expected the full catalogue, got ${all.length}`);
  for (const m of all) {
    assert.ok(m.name.startsWith(METRIC_PREFIX), m.name);
    assert.ok(m.help.length > 20, `${m.name} needs a help text`);
    if (m.type === 'counter') assert.match(m.name, /_total$/);
    else assert.doesNotMatch(m.name, /_total$/);
    if (m.labels.includes('run_id')) assert.equal(m.type, 'gauge', `${m.name}: run_id only on per-run gauges`);
  }
});

test('removeRun drops every per-run series of that run and keeps the others', async () => {
  const { registry, metrics } = populatedControllerRegistry();
  const before = await registry.metrics();
  assert.match(before, /run_id="run-b"/);
  metrics.removeRun('run-b');
  const after = await registry.metrics();
  assert.doesNotMatch(after, /run_id="run-b"/);
  assert.match(after, /curriculum_heldout_accuracy_ratio\{run_id="run-a",task="add-2digit"\} 0.81/);
  // Counters without run_id survive the run.
  assert.match(after, /curriculum_reverts_total\{reason="regression.accuracy-drop"\} 1/);
});

test('a new stage or state replaces the previous series of the run', async () => {
  const registry = new Registry();
  const m = createControllerMetrics(registry);
  m.setRunStage('r1', 'basics', 0);
  m.setRunStage('r1', 'carry', 1);
  m.setRunState('r1', 'training');
  m.setRunState('r1', 'paused');
  m.setSamplingWeights('r1', { a: 0.5, b: 0.5 });
  m.setSamplingWeights('r1', { c: 1 });
  const text = await registry.metrics();
  assert.doesNotMatch(text, /stage="basics"/);
  assert.match(text, /curriculum_run_stage\{run_id="r1",stage="carry"\} 1/);
  assert.doesNotMatch(text, /state="training"/);
  assert.match(text, /curriculum_run_state\{run_id="r1",state="paused"\} 1/);
  assert.doesNotMatch(text, /task="a"/);
  assert.match(text, /curriculum_sampling_weight_ratio\{run_id="r1",task="c"\} 1/);
});

test('decisions are counted by kind and primary reason, with unbounded values folded', async () => {
  const registry = new Registry();
  const m = createControllerMetrics(registry);
  m.recordDecision('r1', { kind: 'hold', reasons: [{ code: 'gate.lower-bound', holds: false }, { code: 'gate.min-steps', holds: true }] });
  m.recordDecision('r1', { kind: 'hold', reasons: [{ code: 'a message with spaces, not a code' }] });
  m.recordDecision('r1', { kind: 'hold', reasons: [] });
  const text = await registry.metrics();
  assert.match(text, /curriculum_decisions_total\{kind="hold",reason="gate.min-steps"\} 1/);
  assert.match(text, /curriculum_decisions_total\{kind="hold",reason="other"\} 1/);
  assert.match(text, /curriculum_decisions_total\{kind="hold",reason="none"\} 1/);
  assert.equal(boundedLabel('x'.repeat(200)), 'other');
});
