import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CurriculumError } from '../../schemas/errors.ts';
import { JsonlTask, loadJsonl, parseJsonl } from '../../tasks/jsonl.ts';
import { Random } from '../../tasks/random.ts';

const rows = (n: number) =>
  [...Array(n).keys()].map((i) => JSON.stringify({ input: [i, i % 3, 1], label: i % 2 === 0 ? 'even' : 'odd', category: i < n / 2 ? 'low' : 'high' })).join('\n');

test('a valid file gives classes, encoding and categories', () => {
  const d = parseJsonl(rows(10) + '\n\n', 'mem.jsonl');
  assert.equal(d.rows.length, 10);
  assert.deepEqual(d.classes, ['even', 'odd']);
  assert.deepEqual(d.encoding, { timesteps: 3, features: 1, positions: 1, classes: 2 });
  const text = parseJsonl('{"input":"ab","label":1}\n{"input":"ca","label":2}', 'text.jsonl');
  assert.deepEqual(text.vocabulary, ['a', 'b', 'c']);
  assert.deepEqual(text.encoding, { timesteps: 2, features: 3, positions: 1, classes: 2 });
  assert.equal(text.rows[0]!.category, 'uncategorized');
});

test('malformed rows are reported with their line number and field', () => {
  const bad = [
    '{"input":[1,2],"label":"a"}',
    '{"input":[1,2],"label":"a"', // line 2: not JSON
    '{"input":[1,2,3],"label":"a"}', // line 3: wrong width
    '{"input":[1,2]}', // line 4: no label
    '{"input":[1,2],"label":"a","lable":"b"}', // line 5: unknown field
    '{"input":[1,2],"label":"a","category":5}', // line 6: category type
    '[1,2]', // line 7: not an object
  ].join('\n');
  assert.throws(
    () => parseJsonl(bad, 'bad.jsonl'),
    (e: unknown) => {
      assert.ok(e instanceof CurriculumError);
      assert.equal(e.code, 'CUR_DATASET_ROW');
      assert.equal(e.message, 'bad.jsonl: 6 malformed row(s)');
      assert.match(e.details[0]!, /^bad\.jsonl:2: not valid JSON/);
      assert.equal(e.details[1], 'bad.jsonl:3: field "input": vector has 3 numbers, earlier rows have 2');
      assert.equal(e.details[2], 'bad.jsonl:4: field "label": missing');
      assert.equal(e.details[3], 'bad.jsonl:5: field "lable": unknown field (allowed: input, label, category)');
      assert.equal(e.details[4], 'bad.jsonl:6: field "category": expected a non-empty string when present');
      assert.match(e.details[5]!, /^bad\.jsonl:7: expected a JSON object/);
      return true;
    },
  );
});

test('the held-out fraction splits rows disjointly; an empty split is an exhausted dataset', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jsonl-'));
  writeFileSync(join(dir, 'data.jsonl'), rows(50));
  const dataset = loadJsonl('data.jsonl', dir);
  for (const fraction of [0.2, 0.5]) {
    const task = new JsonlTask('j', dataset, { heldoutFraction: fraction, runSeed: 1 });
    // Stratified: each category (25 low, 25 high) holds out its own share.
    for (const category of ['low', 'high']) assert.equal(task.heldoutRows.filter((r) => r.category === category).length, Math.round(25 * fraction));
    assert.equal(task.trainRows.length, 50 - 2 * Math.round(25 * fraction));
    const heldLines = new Set(task.heldoutRows.map((r) => r.line));
    assert.equal(task.trainRows.filter((r) => heldLines.has(r.line)).length, 0);
    // Evaluation never repeats a row: n is capped by the held-out rows.
    assert.equal(task.evaluationSet('heldout', 1000, 3).length, task.heldoutRows.length);
  }
  const noHeldout = new JsonlTask('j', dataset, { heldoutFraction: 0, runSeed: 1 });
  assert.throws(() => noHeldout.evaluationSet('heldout', 10, 1), { code: 'CUR_DATASET_EXHAUSTED' });
  const noTraining = new JsonlTask('j', dataset, { heldoutFraction: 1, runSeed: 1 });
  assert.throws(() => noTraining.trainingExample(Random.fromSeed(1)), { code: 'CUR_DATASET_EXHAUSTED' });
});

test('class balancing samples labels uniformly from an imbalanced file', () => {
  const text = [...Array(100).keys()].map((i) => JSON.stringify({ input: [i], label: i < 90 ? 'common' : 'rare' })).join('\n');
  const dataset = parseJsonl(text, 'imbalanced.jsonl');
  const share = (balanceClasses: boolean) => {
    const task = new JsonlTask('j', dataset, { heldoutFraction: 0.1, runSeed: 2 }, { inputNoise: 0, labelNoise: 0, balanceClasses });
    const rng = Random.fromSeed(3);
    let rare = 0;
    for (let i = 0; i < 4000; i++) rare += task.trainingExample(rng).target[0] === dataset.classes.indexOf('rare') ? 1 : 0;
    return rare / 4000;
  };
  assert.ok(share(false) < 0.2, `unbalanced rare share ${share(false)}`);
  assert.ok(Math.abs(share(true) - 0.5) < 0.03, `balanced rare share ${share(true)}`);
});
