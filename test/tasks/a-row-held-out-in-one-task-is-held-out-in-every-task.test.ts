// The held-out split follows the row, not the task: two tasks over one corpus subset, or a
// fine-tune spec over a subset its base run trained on, never evaluate on a row the other trained on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitRows } from '../../tasks/jsonl.ts';
import { loadSpamAssassin } from '../../tasks/spam-assassin.ts';

const lines = (rows: ReadonlyArray<{ line: number }>) => new Set(rows.map((r) => r.line));

test('tasks that share a corpus subset hold out the same mails of it', () => {
  const hard = loadSpamAssassin({ groups: ['hard-ham-1', 'spam-2'], part: 'subject-and-body' });
  const newer = loadSpamAssassin({ groups: ['easy-ham-2', 'spam-2'], part: 'subject-and-body' });
  const a = splitRows('hard', hard.rows, { heldoutFraction: 0.2, runSeed: 5 });
  const b = splitRows('newer', newer.rows, { heldoutFraction: 0.2, runSeed: 5 });
  const spamOf = (rows: ReadonlyArray<{ line: number; category?: string }>) => lines(rows.filter((r) => r.category === 'spam-2'));
  assert.deepEqual([...spamOf(a.heldout)].sort(), [...spamOf(b.heldout)].sort());
  for (const line of spamOf(b.heldout)) assert.ok(!spamOf(a.train).has(line), `mail ${line} is held out in one task and trained on in the other`);
  // Stratified: each subset holds out its own share, so every category is evaluated.
  for (const category of ['hard-ham-1', 'spam-2']) {
    const all = hard.rows.filter((r) => r.category === category).length;
    assert.equal(a.heldout.filter((r) => r.category === category).length, Math.round(0.2 * all), category);
  }
});

test('a smaller fraction holds out a subset of what a larger one holds out; another seed, other rows', () => {
  const rows = loadSpamAssassin({ groups: ['easy-ham-1', 'spam-1'], part: 'body' }).rows;
  const small = lines(splitRows('t', rows, { heldoutFraction: 0.1, runSeed: 1 }).heldout);
  const large = lines(splitRows('other-task', rows, { heldoutFraction: 0.3, runSeed: 1 }).heldout);
  for (const line of small) assert.ok(large.has(line));
  const reseeded = lines(splitRows('t', rows, { heldoutFraction: 0.1, runSeed: 2 }).heldout);
  const shared = [...small].filter((l) => reseeded.has(l)).length;
  assert.ok(shared < small.size * 0.3, `seeds 1 and 2 share ${shared} of ${small.size} held-out rows`);
});

test('a few rows still leave one on each side whenever the validated count does', () => {
  const rows = Array.from({ length: 3 }, (_, i) => ({ line: i + 1, input: `row ${i}`, label: 'a', category: 'c' }));
  for (let seed = 0; seed < 50; seed++) {
    const { train, heldout } = splitRows('t', rows, { heldoutFraction: 0.34, runSeed: seed });
    assert.ok(heldout.length >= 1 && train.length >= 1, `seed ${seed}: ${heldout.length} held out, ${train.length} trained`);
    assert.equal(heldout.length + train.length, 3);
  }
});
