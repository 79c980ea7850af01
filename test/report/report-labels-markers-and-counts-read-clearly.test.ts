// Details a reader of the report trips over: a reference label hidden under a data line, review
// markers dashed like abandoned branches, stage labels cut to one letter, "1 tasks", and the
// project's own examples without rationales.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { lineChart, type ChartPoint } from '../../report/charts/line-chart.ts';
import { loadSpecFile } from '../../schemas/spec-loader.ts';
import { runCli } from '../cli/cli-process.ts';

const points = (n: number, f: (i: number) => number): ChartPoint[] => Array.from({ length: n }, (_, i) => ({ x: i * 100, y: f(i) }));

function chart(stages: number, stepsPerStage: number) {
  return lineChart({
    name: 'accuracy',
    title: 'accuracy',
    xLabel: 'step',
    yLabel: 'accuracy',
    yDomain: [0, 1],
    series: [{ name: 'a', colour: '#123456', points: points(stages * 3, (i) => (i % 3) / 3 + 0.3), abandoned: [{ points: points(3, () => 0.5) }] }],
    bands: Array.from({ length: stages }, (_, i) => ({ from: i * stepsPerStage, to: (i + 1) * stepsPerStage, label: `task-${i}` })),
    markers: [{ x: 250, kind: 'review', label: 'review' }],
    references: [{ y: 0.9, label: 'milestone 90%' }],
  }).value;
}

test('the milestone label is drawn above the data, on a halo', () => {
  const svg = chart(3, 1000);
  const label = svg.indexOf('>milestone 90%</text>');
  assert.ok(label > svg.lastIndexOf('<polyline'), 'after (above) every series line');
  assert.match(svg, /<text[^>]*paint-order="stroke" stroke="#fff"[^>]*>milestone 90%<\/text>/);
});

test('review markers are solid lines; only an abandoned branch is dashed', () => {
  const svg = chart(3, 1000);
  const marker = /<g class="marker marker-review">.*?<\/g>/s.exec(svg)?.[0] ?? '';
  assert.ok(marker.includes('<line'), svg);
  assert.doesNotMatch(marker, /stroke-dasharray/);
  assert.match(svg, /<polyline[^>]*stroke-dasharray="5 4"/, 'the abandoned branch is dashed, as the legend says');
});

test('a stage label too wide for its band becomes the stage number, never one letter and an ellipsis', () => {
  for (const [stages, steps] of [[10, 800], [10, 150], [30, 100]] as const) {
    const labels = [...chart(stages, steps).matchAll(/<text[^>]*class="band-label">([^<]*)<\/text>/g)].map((m) => m[1] ?? '');
    assert.equal(labels.length, stages);
    labels.forEach((l, i) => assert.ok(l === '' || l === `task-${i}` || l === String(i + 1) || /^task-.+…$/.test(l), `band ${i}: "${l}"`));
    assert.ok(!labels.some((l) => /^.{1,2}…$/.test(l)), labels.join(' '));
  }
});

test('curriculum validate counts in the right number ("1 task, 1 stage")', async () => {
  const r = await runCli(['validate', join(import.meta.dirname, '../cli/fixtures/short-run.yaml'), join(import.meta.dirname, '../../examples/addition.yaml')], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /short-run\.yaml \(1 task, 1 stage\)/);
  assert.match(r.stdout, /addition\.yaml \(3 tasks, 3 stages\)/);
});

test('every task and stage of the examples says why it is there (no "no rationale given" in their reports)', () => {
  const dir = join(import.meta.dirname, '../../examples');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    const { spec } = loadSpecFile(join(dir, file));
    for (const t of spec.tasks) assert.ok(t.rationale, `${file}: task ${t.id}`);
    for (const s of spec.stages) assert.ok(s.rationale, `${file}: stage ${s.id}`);
  }
});
