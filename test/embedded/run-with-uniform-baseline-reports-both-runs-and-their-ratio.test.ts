// `curriculum run --baseline uniform` end to end: the curriculum run, then the same spec's
// uniform-sampling baseline, and a report and terminal that state the measured ratio.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDecisions } from '../../embedded/run-recorder.ts';
import { readBaselineComparison, samplesRatio, type BaselineComparison } from '../../report/baseline-comparison.ts';
import type { ResolvedSpec } from '../../schemas/spec.ts';

const root = join(import.meta.dirname, '..', '..');
const spec = join(import.meta.dirname, 'fixtures/tiny-addition.yaml');

test('run --baseline uniform trains both runs at the same budget and reports the samples-to-milestone ratio', () => {
  const runsDir = mkdtempSync(join(tmpdir(), 'curriculum-baseline-'));
  const cli = spawnSync(process.execPath, ['bin/curriculum.mjs', 'run', spec, '--baseline', 'uniform', '--runs-dir', runsDir, '--no-http', '--plain', '--backend', 'wasm'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 240_000,
  });
  assert.equal(cli.status, 0, cli.stderr + cli.stdout.slice(-2000));

  const dirs = readdirSync(runsDir).filter((d) => existsSync(join(runsDir, d, 'decisions.jsonl')));
  const curriculumDir = join(runsDir, dirs.find((d) => !d.endsWith('-uniform')) ?? '');
  const uniformDir = join(runsDir, dirs.find((d) => d.endsWith('-uniform')) ?? '');
  assert.equal(dirs.length, 2, `two runs: ${dirs.join(', ')}`);

  // Same model, tasks, seed and budget; one uniform stage over every task; nothing else reacts.
  const read = (dir: string) => JSON.parse(readFileSync(join(dir, 'spec.resolved.json'), 'utf8')) as ResolvedSpec;
  const c = read(curriculumDir);
  const u = read(uniformDir);
  assert.deepEqual([u.seed, u.model, u.tasks, u.training.maxSteps, u.training.batchSize], [c.seed, c.model, c.tasks, c.training.maxSteps, c.training.batchSize]);
  assert.deepEqual(u.stages.map((s) => [s.tasks, s.teacher.kind]), [[['add-1', 'add-2'], 'uniform']]);
  assert.equal(u.review.enabled, false);
  const lessons = readFileSync(join(uniformDir, 'lessons.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { payload: { taskWeights: Record<string, number> } });
  assert.ok(lessons.length > 0 && lessons.every((l) => l.payload.taskWeights['add-1'] === 0.5 && l.payload.taskWeights['add-2'] === 0.5), 'every uniform lesson weighs both tasks equally');
  assert.equal(readDecisions(curriculumDir).at(-1)?.payload.kind, 'complete');

  // The comparison: both reached the last stage's gate, and the ratio is theirs.
  const comparison = readBaselineComparison(curriculumDir);
  assert.ok(comparison !== null && typeof comparison !== 'string', String(comparison));
  const cmp = comparison as BaselineComparison;
  assert.equal(cmp.milestone, 'add-2 heldout accuracy >= 0.2');
  const cur = cmp.curriculum.samplesToMilestone;
  const uni = cmp.uniform.samplesToMilestone;
  assert.ok(cur !== null && uni !== null, JSON.stringify({ cur, uni }));
  assert.equal(cmp.bound, 'measured');
  assert.equal(cmp.ratio, cur / uni);
  assert.ok(cmp.curriculum.curve.length > 1 && cmp.uniform.curve.length > 1);
  // The baseline stops at its milestone: its last evaluation is the one that reached it.
  assert.equal(cmp.uniform.curve.at(-1)?.[0], uni);
  assert.ok((cmp.uniform.curve.at(-1)?.[1] ?? 0) >= 0.2);

  const ratio = `${(cur / uni).toFixed(2)}x`;
  const html = readFileSync(join(curriculumDir, 'report.html'), 'utf8');
  const overlay = html.match(/data-chart="baseline-overlay" data-points="(\d+)"/);
  assert.ok(overlay && Number(overlay[1]) === cmp.curriculum.curve.length + cmp.uniform.curve.length, 'the report overlays both curves');
  assert.ok(html.includes(`${ratio} uniform&#39;s samples`), 'the report states the ratio');

  const last = cli.stdout.trim().split('\n').slice(-2);
  assert.match(last[0] ?? '', new RegExp(`^against uniform sampling: .*${ratio.replace('.', '\\.')} uniform's samples`));
  assert.equal(last[1], `report: ${join(curriculumDir, 'report.html')}`);
});

test('a baseline that never reaches the milestone bounds the ratio by the budget', () => {
  assert.deepEqual(samplesRatio(2000, 8000, 64000), { ratio: 0.25, bound: 'measured' });
  assert.deepEqual(samplesRatio(2000, null, 64000), { ratio: 2000 / 64000, bound: 'at-most' });
  assert.deepEqual(samplesRatio(null, 8000, 64000), { ratio: null, bound: null });
});
