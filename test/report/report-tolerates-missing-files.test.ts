import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderReport } from '../../report/render-report.ts';
import { readRunDir } from '../../report/read-run-dir.ts';
import { isCurriculumError } from '../../schemas/errors.ts';
import { writeRunDirFixture } from './run-dir-fixture.ts';
import { tempDir } from './temp-run-dir.ts';
import { chartsIn } from './chart-attributes.ts';

test('without summary.json and lessons.jsonl the report derives what it can and marks the rest empty', (t) => {
  const dir = writeRunDirFixture(tempDir(t), { summary: false, lessons: false });
  const page = renderReport(dir);
  const charts = chartsIn(page);
  assert.ok((charts.get('heldout-accuracy') ?? 0) > 0);
  assert.ok((charts.get('continual-learning-matrix') ?? 0) > 0, 'the matrix is derived from the evaluations');
  assert.ok(!charts.has('sampling-weights'));
  assert.match(page, /data-chart-empty="sampling-weights"/);
  assert.match(page, /summary derived from the logs/);
});

test('a half-written last line and a bad line are skipped and listed, the rest is reported', (t) => {
  const dir = writeRunDirFixture(tempDir(t), { summary: false });
  const metrics = join(dir, 'metrics.jsonl');
  const lines = readFileSync(metrics, 'utf8').trimEnd().split('\n');
  const broken = JSON.parse(lines[1] ?? '{}') as { payload: { step: number } };
  broken.payload.step = -5;
  lines[1] = JSON.stringify(broken);
  writeFileSync(metrics, `${lines.join('\n')}\n`);
  appendFileSync(metrics, '{"eventId":"half');

  const data = readRunDir(dir);
  assert.equal(data.metrics.length, lines.length - 1);
  assert.equal(data.problems.length, 2, data.problems.join('\n'));
  assert.match(data.problems[0] ?? '', /^metrics\.jsonl:2: CUR_EVENT_INVALID: .*payload\.step/);
  assert.match(data.problems[1] ?? '', new RegExp(`^metrics\\.jsonl:${lines.length + 1}: not JSON \\(a partly written last line`));
  const page = renderReport(dir);
  assert.match(page, /Skipped input/);
  assert.ok((chartsIn(page).get('heldout-accuracy') ?? 0) > 0);
});

test('a directory with only a decision log still renders; a missing directory is a clear error', (t) => {
  const dir = writeRunDirFixture(tempDir(t), { summary: false });
  for (const f of ['metrics.jsonl', 'lessons.jsonl', 'spec.yaml', 'spec.resolved.json']) rmSync(join(dir, f));
  const page = renderReport(dir);
  assert.ok((chartsIn(page).get('decision-log') ?? 0) > 0);
  assert.match(page, /data-chart-empty="heldout-accuracy"/);
  assert.throws(() => renderReport(join(dir, 'missing')), (e: unknown) => isCurriculumError(e) && e.code === 'CUR_RUN_DIR_INVALID');
});
