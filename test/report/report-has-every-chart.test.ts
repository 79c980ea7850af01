import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderReport, writeReport } from '../../report/render-report.ts';
import { writeRunDirFixture } from './run-dir-fixture.ts';
import { tempDir } from './temp-run-dir.ts';
import { chartsIn, FIXTURE_CHARTS } from './chart-attributes.ts';

test('the report of a 3-stage run draws every chart with data', (t) => {
  const dir = writeRunDirFixture(tempDir(t));
  const html = renderReport(dir);
  const charts = chartsIn(html);
  for (const name of FIXTURE_CHARTS) {
    assert.ok(charts.has(name), `chart ${name} is missing`);
    assert.ok((charts.get(name) ?? 0) > 0, `chart ${name} has data-points ${String(charts.get(name))}`);
  }
  // A point per held-out evaluation and task (abandoned branches included), a row per decision.
  const heldout = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"suite":"heldout"'));
  assert.equal(charts.get('heldout-accuracy'), heldout.length * 3);
  assert.equal(charts.get('decision-log'), 50);
  assert.equal(charts.get('continual-learning-matrix'), 9);
  assert.doesNotMatch(html, /data-chart-empty/, 'no chart fell back to its empty state');
});

test('the report shows the header, every stage and task rationale, stage bands and markers', (t) => {
  const dir = writeRunDirFixture(tempDir(t));
  const html = renderReport(dir);
  assert.match(html, /<h1>addition-ladder<span class="status status-completed">completed/);
  for (const rationale of [
    'Master the easiest sums before anything else.',
    'Carries, with one-digit sums mixed in so they are not forgotten.',
    'Single-digit sums teach the output format and the carry-free table.',
    'Three digits need carries that propagate.',
  ]) {
    assert.ok(html.includes(rationale), `rationale shown: ${rationale}`);
  }
  for (const stage of ['one-digit', 'two-digits', 'three-digits']) {
    assert.match(html, new RegExp(`class="band-label">${stage}</text>`), `band for ${stage}`);
  }
  assert.equal([...html.matchAll(/class="marker marker-review"/g)].length, 7, 'six reviews and one regression review');
  assert.equal([...html.matchAll(/class="marker marker-revert"/g)].length, 1);
  assert.match(html, /accuracy 98\.\d% \(bound 94\.\d%\) &gt;= 90\.0%/, 'gate reasons show value, bound and threshold');
});

test('the report is self-contained: no script, no external reference, a CSP that forbids fetching', (t) => {
  const dir = writeRunDirFixture(tempDir(t));
  const html = renderReport(dir);
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /\b(src|href)\s*=/i, 'nothing to load');
  assert.doesNotMatch(html, /url\(/i, 'no CSS url()');
  assert.doesNotMatch(html, /@import/i);
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;/);
  assert.match(html, /<style>[^<]*section > h2/, 'the stylesheet is inlined unescaped');
});

test('writeReport writes report.html into the run directory and returns its path', (t) => {
  const dir = writeRunDirFixture(tempDir(t));
  const path = writeReport(dir);
  assert.equal(path, join(dir, 'report.html'));
  assert.ok(existsSync(path));
  assert.equal(readFileSync(path, 'utf8'), renderReport(dir));
});
