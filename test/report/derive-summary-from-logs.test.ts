import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readRunDir } from '../../report/read-run-dir.ts';
import { accuracyMilestoneName, deriveRunSummary, stageMilestoneName, statusFromDecisions } from '../../report/derive-summary.ts';
import { weightSpans } from '../../report/series-from-logs.ts';
import { runSummaryErrors } from '../../report/run-summary.ts';
import { writeRunDirFixture } from './run-dir-fixture.ts';
import { tempDir } from './temp-run-dir.ts';

test('a summary derived from the logs is valid and places stages, milestones and counts', (t) => {
  const data = readRunDir(writeRunDirFixture(tempDir(t), { summary: false }));
  const s = deriveRunSummary(data);
  assert.deepEqual(runSummaryErrors(s), []);
  assert.equal(s.status, 'completed');
  assert.equal(s.name, 'addition-ladder');
  assert.deepEqual(
    s.stages.map((st) => [st.id, st.startedStep, st.endedStep, st.outcome]),
    [
      ['one-digit', 0, 300, 'advanced'],
      ['two-digits', 300, 840, 'advanced'],
      ['three-digits', 840, s.steps, 'completed'],
    ],
  );
  assert.equal(s.reverts, 1);
  assert.equal(s.reviews, 7, 'six spaced reviews and one regression review');
  assert.equal(s.decisions, data.decisions.length);
  assert.equal(s.backend, 'cpu');

  const names = s.milestones.map((m) => m.name);
  assert.deepEqual(names.slice(0, 2), [accuracyMilestoneName('add-1'), stageMilestoneName('two-digits')]);
  assert.ok(names.includes(stageMilestoneName('three-digits')));
  const samples = s.milestones.map((m) => m.samples);
  assert.deepEqual(samples, [...samples].sort((a, b) => a - b), 'milestones are in the order they were reached');
  assert.ok(samples.every((n) => n > 0 && n <= s.samples));

  const cl = s.continualLearning;
  assert.deepEqual(cl.stages, ['one-digit', 'two-digits', 'three-digits']);
  assert.deepEqual(cl.tasks, ['add-1', 'add-2', 'add-3']);
  assert.equal(cl.matrix.length, 3);
  assert.ok((cl.matrix[0]?.[0] ?? 0) > 0.9, 'add-1 learned in the first stage');
  assert.ok((cl.matrix[0]?.[2] ?? 1) < 0.1, 'add-3 not yet learned then');
  assert.deepEqual(cl.matrix[2], cl.tasks.map((task) => s.finalHeldout[task]), 'the last row is the final evaluation');
});

test('the sampling-weight timeline drops lessons a revert abandoned', (t) => {
  const data = readRunDir(writeRunDirFixture(tempDir(t), { summary: false }));
  const spans = weightSpans(data);
  assert.ok(spans.length < data.lessons.length, 'abandoned lessons are cut');
  for (let i = 1; i < spans.length; i++) {
    assert.equal(spans[i]?.from, spans[i - 1]?.to, `span ${i} starts where the previous one ends`);
  }
  assert.equal(spans.at(-1)?.to, deriveRunSummary(data).steps);
});

test('the status follows the last terminal decision', (t) => {
  const data = readRunDir(writeRunDirFixture(tempDir(t), { summary: false }));
  assert.equal(statusFromDecisions(data.decisions), 'completed');
  assert.equal(statusFromDecisions(data.decisions.slice(0, 10)), 'running');
  const last = data.decisions.at(-1);
  assert.ok(last);
  const stopped = { ...last, payload: { ...last.payload, kind: 'early-stop' as const, to: 'stopped' } };
  assert.equal(statusFromDecisions([...data.decisions.slice(0, -1), stopped]), 'stopped');
});

test('an advance out of the last stage (into completed:<stage>) enters no stage', (t) => {
  const data = readRunDir(writeRunDirFixture(tempDir(t), { summary: false }));
  const last = data.decisions.at(-1);
  assert.ok(last);
  const finalAdvance = { ...last, payload: { ...last.payload, kind: 'advance' as const, from: 'evaluating:three-digits', to: 'completed:three-digits' } };
  const onlyFirstStage = data.decisions.filter((d) => d.payload.kind !== 'advance');
  const s = deriveRunSummary({ ...data, decisions: [...onlyFirstStage, finalAdvance] });
  assert.ok(!s.milestones.some((m) => m.name === stageMilestoneName('three-digits')), JSON.stringify(s.milestones));
});
