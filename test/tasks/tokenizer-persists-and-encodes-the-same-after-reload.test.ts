import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTokenizerFile, saveTokenizer, Tokenizer, TOKENIZER_FILE } from '../../tasks/tokenizer.ts';
import { runTokenizer } from '../../tasks/run-tokenizer.ts';
import { TOKENIZER_KINDS, type TokenizerSpec } from '../../schemas/text.ts';

const texts = [
  'Free money!!! Click here to claim your prize now',
  'Meeting moved to Thursday; the agenda is attached',
  'Claim your free prize: click the link below',
  'Can we move the meeting to next week?',
  'Lowest mortgage rates, click here, free quote',
];
const probes = ['click here for a free prize', 'unseen words zyzzyva qwxp', '', 'meeting meeting meeting moved'];

const spec = (kind: TokenizerSpec['kind'], extra: Partial<TokenizerSpec> = {}): TokenizerSpec => ({
  kind,
  maxLength: 12,
  vocabularySize: 60,
  minCount: 1,
  lowercase: true,
  unknownBuckets: 3,
  ...extra,
});

for (const kind of TOKENIZER_KINDS) {
  test(`a ${kind} tokenizer saved as tokenizer.json encodes every text to the same ids after reading it back`, () => {
    const built = Tokenizer.build(spec(kind), texts, 'test');
    const dir = mkdtempSync(join(tmpdir(), 'tokenizer-'));
    const file = saveTokenizer(built, dir);
    assert.equal(file, join(dir, TOKENIZER_FILE));
    const read = readTokenizerFile(file);
    assert.equal(read.size, built.size);
    for (const text of [...texts, ...probes]) assert.deepEqual(read.encode(text), built.encode(text), JSON.stringify(text));
    // Building is deterministic: the same rows give the same file, byte for byte.
    assert.equal(JSON.stringify(Tokenizer.build(spec(kind), texts, 'test').toJSON()), readFileSync(file, 'utf8').trim());
  });

  test(`a ${kind} tokenizer pads at the start, cuts at maxLength and sends unknown tokens to the unknown buckets`, () => {
    const t = Tokenizer.build(spec(kind), texts, 'test');
    // Only the first maxLength tokens of each training row count: 'free' is there in every kind.
    const ids = t.encode('free');
    assert.equal(ids.length, 12);
    assert.ok(ids.slice(0, 8).every((id) => id === 0), `padding first: ${ids}`);
    assert.ok(ids.at(-1)! > 3, 'a known token ends the row');
    assert.equal(t.encode('word '.repeat(50)).filter((id) => id === 0).length, 0, 'a long text fills the row');
    const unknown = t.encode('ǂǂǂ');
    assert.ok([...unknown].filter((id) => id !== 0).every((id) => id >= 1 && id <= 3), `unknown ids ${unknown}`);
    assert.ok(t.size <= 1 + 3 + 60);
  });
}

test('subword merges make a frequent word one token and split a rare one into known pieces', () => {
  const t = Tokenizer.build(spec('subword', { vocabularySize: 80 }), texts.concat(texts, texts), 'test');
  assert.deepEqual(t.tokens('click'), ['click</w>']);
  const pieces = t.tokens('prizes');
  assert.ok(pieces.length > 1 && pieces.every((p) => t.idOf(p) > 3), `pieces of an unseen word are known symbols: ${pieces}`);
});

test('the run tokenizer is built once, stored, and read back on resume even when the rows changed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'run-tokenizer-'));
  const first = runTokenizer(spec('word'), dir, () => texts, dir);
  assert.ok(existsSync(join(dir, TOKENIZER_FILE)));
  let rebuilt = false;
  const resumed = runTokenizer(spec('word'), dir, () => ((rebuilt = true), ['entirely different rows']), dir);
  assert.equal(rebuilt, false, 'the stored tokenizer is used, the rows are not read');
  assert.deepEqual(resumed.toJSON(), first.toJSON());
});

test('a word vocabulary file of one token per line is the vocabulary, in file order', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vocab-'));
  const file = join(dir, 'vocab.txt');
  writeFileSync(file, 'free\nClick\n\nprize\n');
  const t = runTokenizer(spec('word', { vocabularyFile: 'vocab.txt' }), dir, () => texts);
  assert.deepEqual(t.vocabulary, ['free', 'click', 'prize']);
  assert.deepEqual([...t.encode('click free meeting')].slice(-3), [5, 4, t.idOf('meeting')]);
  assert.ok(t.idOf('meeting') <= 3);
});
