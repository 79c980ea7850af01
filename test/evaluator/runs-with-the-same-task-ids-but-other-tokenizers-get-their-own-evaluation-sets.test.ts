import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvaluationSets } from '../../evaluator/evaluate.ts';
import { buildTaskSet } from '../../tasks/registry.ts';
import type { TokenizerSpec } from '../../schemas/text.ts';

test('runs with the same seed and task ids but other tokenizers get their own evaluation sets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eval-sets-'));
  const rows = Array.from({ length: 40 }, (_, i) => ({ input: `${i % 2 ? 'free prize offer' : 'meeting agenda notes'} number ${i}`, label: i % 2 ? 'spam' : 'ham' }));
  writeFileSync(join(dir, 'rows.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
  const tokenizer = (maxLength: number): TokenizerSpec => ({ kind: 'word', maxLength, vocabularySize: 50, minCount: 1, lowercase: true, unknownBuckets: 1 });
  const config = (maxLength: number) => ({
    seed: 3,
    baseDir: dir,
    tokenizer: tokenizer(maxLength),
    tasks: [{ id: 'mail', skill: 's', difficulty: 1, generator: { kind: 'jsonl' as const, path: 'rows.jsonl', heldoutFraction: 0.25 } }],
  });
  const sets = new EvaluationSets();
  const short = sets.get(buildTaskSet(config(4)), 3, 'mail', 'heldout', 10);
  const long = sets.get(buildTaskSet(config(9)), 3, 'mail', 'heldout', 10);
  assert.equal(short[0]?.input.length, 4);
  assert.equal(long[0]?.input.length, 9);
});
