// Difficulty per example: one data set, split by a measure of each row into buckets that the
// loader turns into a ladder of stages; trainer and report see the same rows in each bucket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { stringify } from 'yaml';
import { runEmbedded } from '../../embedded/run-embedded.ts';
import { parseSpecText } from '../../schemas/spec-loader.ts';
import { CurriculumError } from '../../schemas/errors.ts';
import { assignBuckets, describeBuckets } from '../../tasks/difficulty-buckets.ts';
import { loadJsonl, type JsonlTask } from '../../tasks/jsonl.ts';
import { loadSpamAssassin } from '../../tasks/spam-assassin.ts';
import { buildTaskSet } from '../../tasks/registry.ts';

function dataDir(rows: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'buckets-'));
  writeFileSync(join(dir, 'rows.jsonl'), `${rows.join('\n')}\n`);
  return dir;
}

/** 60 vector rows with a "level" field 1..3 (20 each) and 30 text rows of lengths 1..30. */
const levelRows = Array.from({ length: 60 }, (_, i) => JSON.stringify({ input: [i, -i], label: i % 2 ? 'odd' : 'even', level: (i % 3) + 1 }));

function spec(buckets: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'curriculum/v1',
    name: 'bucketed',
    model: { kind: 'mlp', hidden: [8] },
    tasks: [{ id: 'rows', skill: 's', difficulty: 1, generator: { kind: 'jsonl', path: 'rows.jsonl' }, buckets }],
    stages: [
      {
        id: 'learn',
        tasks: ['rows'],
        teacher: { kind: 'uniform' },
        learningRate: { kind: 'constant', value: 0.01 },
        advance: { gates: [{ metric: 'accuracy', task: 'rows', threshold: 0.8 }], minSteps: 50 },
        maxSteps: 301,
        budgetAction: 'stop',
      },
    ],
    ...extra,
  };
}

test('a bucketed task becomes one task per bucket and its stage a ladder, easiest bucket first', () => {
  const s = parseSpecText(stringify(spec({ count: 3, by: { kind: 'field', field: 'level' } })), 'b.yaml');
  assert.deepEqual(s.tasks.map((t) => [t.id, t.difficulty, t.buckets?.index]), [['rows.b1', 1, 1], ['rows.b2', 2, 2], ['rows.b3', 3, 3]]);
  assert.deepEqual(s.stages.map((st) => [st.id, st.tasks, st.advance.gates[0]?.task, st.maxSteps, st.budgetAction]), [
    ['learn.b1', ['rows.b1'], 'rows.b1', 100, 'advance'],
    ['learn.b2', ['rows.b1', 'rows.b2'], 'rows.b2', 100, 'advance'],
    ['learn.b3', ['rows.b1', 'rows.b2', 'rows.b3'], 'rows.b3', 101, 'stop'],
  ]);
  // The expanded spec is a fixed point: loading it again (a snapshot, a run.start event) changes nothing.
  assert.deepEqual(parseSpecText(JSON.stringify(s), 'again.json'), s);
});

test('rows are assigned by rank of the measure, tied rows together, and every bucket trains only its rows', () => {
  assert.deepEqual(assignBuckets([5, 1, 3, 3, 9, 7], 3), [2, 1, 2, 2, 3, 3]);
  assert.deepEqual(assignBuckets([1, 1, 1, 2], 2), [1, 1, 1, 2]);

  const dir = dataDir(levelRows);
  const s = parseSpecText(stringify(spec({ count: 3, by: { kind: 'field', field: 'level' } })), 'b.yaml');
  const set = buildTaskSet({ seed: 4, tasks: s.tasks, baseDir: dir });
  const levelOf = new Map(levelRows.map((r, i) => [i + 1, (JSON.parse(r) as { level: number }).level]));
  for (const k of [1, 2, 3]) {
    const task = set.tasks.get(`rows.b${k}`) as JsonlTask;
    const rows = [...task.trainRows, ...task.heldoutRows];
    assert.equal(rows.length, 20);
    assert.ok(rows.every((r) => levelOf.get(r.line) === k), `bucket ${k} holds only level-${k} rows`);
    assert.equal(task.heldoutRows.length, 4, 'each bucket keeps its own held-out share');
  }
  const info = describeBuckets(loadJsonl('rows.jsonl', dir, { extraFields: ['level'] }), { count: 3, by: { kind: 'field', field: 'level' } }, 'rows');
  assert.deepEqual(info, [{ index: 1, rows: 20, min: 1, max: 1 }, { index: 2, rows: 20, min: 2, max: 2 }, { index: 3, rows: 20, min: 3, max: 3 }]);
});

test('buckets by input length put short texts first', () => {
  const texts = Array.from({ length: 30 }, (_, i) => JSON.stringify({ input: 'x'.repeat(30 - i), label: i % 2 ? 'a' : 'b' }));
  const dir = dataDir(texts);
  const info = describeBuckets(loadJsonl('rows.jsonl', dir), { count: 2, by: { kind: 'length' } }, 'rows');
  assert.deepEqual(info, [{ index: 1, rows: 15, min: 1, max: 15 }, { index: 2, rows: 15, min: 16, max: 30 }]);
});

test('bad bucket options and bad rows are errors naming the path, the line and the reason', () => {
  const fails = (value: Record<string, unknown>, path: string, reason: RegExp) =>
    assert.throws(
      () => parseSpecText(stringify(value), 'b.yaml'),
      (e: unknown) => {
        assert.ok(e instanceof CurriculumError && e.code === 'CUR_SPEC_INVALID', String(e));
        assert.ok(e.details.some((d) => d.includes(path) && reason.test(d)), e.details.join('\n'));
        return true;
      },
    );
  fails(spec({ count: 1, by: { kind: 'length' } }), 'tasks[0].buckets.count', /at least 2|minimum|>= 2/);
  fails(spec({ count: 3, by: { kind: 'field' } }), 'tasks[0].buckets.by.field', /missing|required/);
  fails(spec({ count: 3, by: { kind: 'loudness' } }), 'tasks[0].buckets.by.kind', /.+/);
  fails(spec({ count: 3, by: { kind: 'length' }, index: 4 }), 'tasks[0].buckets.index', /above the bucket count/);
  const addition = spec(undefined, {
    model: { kind: 'seq2seq' },
    tasks: [{ id: 'rows', skill: 's', difficulty: 1, generator: { kind: 'addition', digits: 2 }, buckets: { count: 2, by: { kind: 'length' } } }],
  });
  fails(addition, 'tasks[0].buckets', /only a row-based task/);
  const two = spec({ count: 2, by: { kind: 'length' } });
  (two.tasks as unknown[]).push({ id: 'more', skill: 's', difficulty: 2, generator: { kind: 'jsonl', path: 'rows.jsonl' }, buckets: { count: 2, by: { kind: 'length' } } });
  ((two.stages as Array<{ tasks: string[] }>)[0] as { tasks: string[] }).tasks.push('more');
  fails(two, 'stages[0].tasks', /one task only/);
  const tight = spec({ count: 3, by: { kind: 'length' } });
  (tight.stages as Array<Record<string, unknown>>)[0] = { ...((tight.stages as unknown[])[0] as object), maxSteps: 2, advance: { gates: [{ metric: 'accuracy', task: 'rows', threshold: 0.8 }] } };
  fails(tight, 'stages[0].maxSteps', /3 bucket stages/);

  const bad = dataDir([JSON.stringify({ input: [1], label: 'a', level: 1 }), JSON.stringify({ input: [2], label: 'b', level: 'hard' }), JSON.stringify({ input: [3], label: 'a' })]);
  assert.throws(
    () => describeBuckets(loadJsonl('rows.jsonl', bad, { extraFields: ['level'] }), { count: 2, by: { kind: 'field', field: 'level' } }, 'rows'),
    (e: unknown) => {
      assert.ok(e instanceof CurriculumError && e.code === 'CUR_DATASET_ROW');
      assert.match(e.details[0] ?? '', /rows\.jsonl:2: field "level": expected a finite number/);
      assert.match(e.details[1] ?? '', /rows\.jsonl:3: field "level": missing/);
      return true;
    },
  );
  assert.throws(
    () => describeBuckets(loadJsonl('rows.jsonl', dataDir(levelRows), { extraFields: ['level'] }), { count: 5, by: { kind: 'field', field: 'level' } }, 'rows'),
    (e: unknown) => e instanceof CurriculumError && e.code === 'CUR_DATASET_EXHAUSTED' && /3 distinct value\(s\).*buckets\.count 3 or fewer/.test(e.message),
  );
});

test('a bucketed data set trains as a ladder end to end and the report lists each bucket with its rows', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'buckets-run-'));
  const data = join(import.meta.dirname, '..', '..', 'examples', 'data', 'quadrants.jsonl');
  const file = join(dir, 'spec.yaml');
  const value = spec({ count: 3, by: { kind: 'length' } }, { training: { batchSize: 32, lessonSteps: 40, metricsEvery: 40, maxSteps: 600, backend: 'wasm' }, evaluation: { suites: ['heldout'], samplesPerTask: 40 } });
  const tasks = value.tasks as Array<{ generator: { path: string } }>;
  (tasks[0] as { generator: { path: string } }).generator.path = data;
  writeFileSync(file, stringify(value));
  const result = await runEmbedded({ specFile: file, runsDir: join(dir, 'runs'), runId: 'ladder', logger: pino({ level: 'silent' }), backend: 'wasm' });
  assert.equal(result.outcome, 'finished');
  assert.deepEqual(result.view.stages.map((s) => s.id), ['learn.b1', 'learn.b2', 'learn.b3']);
  const lessons = readFileSync(join(result.runDir, 'lessons.jsonl'), 'utf8').trim().split('\n').map((l) => Object.keys((JSON.parse(l) as { payload: { taskWeights: object } }).payload.taskWeights));
  assert.deepEqual(lessons[0], ['rows.b1'], 'the ladder starts on the shortest inputs');
  const html = readFileSync(join(result.runDir, 'report.html'), 'utf8');
  assert.match(html, /rows: 3 buckets by input length/);
  const sizes = [...html.matchAll(/<td><strong>rows\.b(\d)<\/strong><\/td><td class="num">(\d+)<\/td>/g)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.deepEqual(sizes, [[1, 133], [2, 134], [3, 133]]);
});

test('the SpamAssassin corpus is rows too: buckets by mail length, shortest first; it has no fields to bucket by', () => {
  const info = describeBuckets(loadSpamAssassin({ groups: ['spam-1'], part: 'subject-and-body' }), { count: 3, by: { kind: 'length' } }, 'spam');
  assert.deepEqual(info.map((b) => b.rows), [167, 166, 167]);
  assert.ok((info[0]?.max ?? Infinity) < (info[1]?.min ?? 0) && (info[1]?.max ?? Infinity) < (info[2]?.min ?? 0), JSON.stringify(info));
  const mails = spec({ count: 2, by: { kind: 'field', field: 'grade' } }, {
    tasks: [{ id: 'rows', skill: 's', difficulty: 1, generator: { kind: 'spam-assassin', groups: ['spam-1'] }, buckets: { count: 2, by: { kind: 'field', field: 'grade' } } }],
  });
  assert.throws(
    () => parseSpecText(stringify(mails), 'b.yaml'),
    (e: unknown) => e instanceof CurriculumError && e.details.some((d) => d.includes('tasks[0].buckets.by.kind') && /no row fields/.test(d)),
  );
});
