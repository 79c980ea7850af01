import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { compareRuns } from '../../report/compare.ts';
import { readRunSummary, writeRunSummary } from '../../report/run-summary.ts';
import { writeRunDirFixture } from './run-dir-fixture.ts';
import { tempDir } from './temp-run-dir.ts';

function tableLines(text: string): string[] {
  const [table] = text.split('\n\n');
  return (table ?? '').split('\n').filter((l) => l !== '');
}

test('compareRuns puts the runs side by side in aligned columns', (t) => {
  const base = tempDir(t);
  const withReviews = writeRunDirFixture(join(base, 'with-reviews'), { runId: 'run-reviews-on' });
  const withoutReviews = writeRunDirFixture(join(base, 'without-reviews'), { runId: 'run-reviews-off-with-a-long-id', reviews: false });
  const text = compareRuns([withReviews, withoutReviews]);
  const lines = tableLines(text);

  // Every row is the same width, and each column ends at the same place on every row.
  const widths = new Set(lines.map((l) => l.length));
  assert.equal(widths.size, 1, `rows differ in width:\n${text}`);
  const rule = lines[1] ?? '';
  assert.match(rule, /^-+ {2}-+ {2}-+$/);
  const columnEnds = [...rule.matchAll(/-+/g)].map((m) => (m.index ?? 0) + m[0].length);
  for (const line of lines) {
    if (line === rule) continue;
    for (const end of columnEnds.slice(1)) {
      assert.notEqual(line[end - 1], ' ', `a value ends at column ${end} in: ${line}`);
      assert.ok(end === line.length || line[end] === ' ', `column ${end} is followed by a gap in: ${line}`);
    }
  }

  const row = (label: string) => {
    const line = lines.find((l) => l.startsWith(`${label} `));
    assert.ok(line, `row ${label} is present`);
    return line.slice(label.length).trim().split(/\s{2,}/);
  };
  assert.deepEqual(row('run'), ['run-reviews-on', 'run-reviews-off-with-a-long-id']);
  const on = readRunSummary(join(withReviews, 'summary.json'));
  const off = readRunSummary(join(withoutReviews, 'summary.json'));
  assert.deepEqual(row('reviews'), [String(on.reviews), String(off.reviews)]);
  assert.ok(on.reviews > off.reviews, 'the ablation turned reviews off');
  assert.deepEqual(row('status'), ['completed', 'completed']);
  for (const m of on.milestones) assert.ok(lines.some((l) => l.startsWith(`samples to ${m.name} `)), `milestone row ${m.name}`);
  for (const label of ['final average accuracy', 'backward transfer (BWT)', 'forward transfer (FWT)', 'forgetting', 'reverts', 'steps', 'samples']) {
    assert.equal(row(label).length, 2, `${label} has a value per run`);
  }
  assert.match(row('final average accuracy')[0] ?? '', /^\d+\.\d%$/);
});

test('compareRuns marks milestones a run never reached and notes derived summaries', (t) => {
  const base = tempDir(t);
  const a = writeRunDirFixture(join(base, 'a'), { runId: 'run-a' });
  const b = writeRunDirFixture(join(base, 'b'), { runId: 'run-b', summary: false });
  const summaryA = readRunSummary(join(a, 'summary.json'));
  const text = compareRuns([a, b]);
  assert.match(text, /note: run-b: no valid summary\.json; figures derived from the logs/);
  // A milestone only the other run has shows as "not reached" for this one.
  summaryA.milestones.push({ name: 'add-9 heldout>=0.9', step: 10, samples: 640 });
  writeRunSummary(a, summaryA);
  const lines = tableLines(compareRuns([a, b]));
  const row = lines.find((l) => l.startsWith('samples to add-9 heldout>=0.9'));
  assert.ok(row);
  assert.match(row, /640 {2,}not reached$/);
});
