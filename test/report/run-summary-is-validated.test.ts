import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRunSummary, writeRunSummary, type RunSummary } from '../../report/run-summary.ts';
import { isCurriculumError } from '../../schemas/errors.ts';
import { writeRunDirFixture } from './run-dir-fixture.ts';
import { tempDir } from './temp-run-dir.ts';

test('a summary written by writeRunSummary reads back equal', (t) => {
  const dir = writeRunDirFixture(tempDir(t));
  const summary = readRunSummary(join(dir, 'summary.json'));
  assert.equal(summary.status, 'completed');
  assert.equal(summary.stages.length, 3);
  assert.equal(summary.reverts, 1);
  writeRunSummary(dir, { ...summary, status: 'stopped', earlyStopped: true });
  assert.deepEqual(readRunSummary(join(dir, 'summary.json')), { ...summary, status: 'stopped', earlyStopped: true });
});

test('an off-schema summary is refused with CUR_RUN_DIR_INVALID naming each field', (t) => {
  const dir = writeRunDirFixture(tempDir(t));
  const path = join(dir, 'summary.json');
  const bad = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  bad.status = 'finished';
  bad.steps = -1;
  delete bad.milestones;
  writeFileSync(path, JSON.stringify(bad));
  assert.throws(
    () => readRunSummary(path),
    (e: unknown) => {
      assert.ok(isCurriculumError(e));
      assert.equal(e.code, 'CUR_RUN_DIR_INVALID');
      const details = e.details.join('\n');
      for (const field of ['status', 'steps', 'milestones']) assert.match(details, new RegExp(`${field}:`), `names ${field}`);
      return true;
    },
  );
  assert.throws(() => writeRunSummary(dir, bad as unknown as RunSummary), /CUR_RUN_DIR_INVALID|problem/);
  writeFileSync(path, '{"runId": ');
  assert.throws(() => readRunSummary(path), /not JSON/);
  assert.throws(() => readRunSummary(join(dir, 'nope.json')), /cannot read/);
});
