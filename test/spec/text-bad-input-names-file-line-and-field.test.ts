// Bad text input: each case is a clear error from `curriculum validate` naming the spec field
// (and the file and line where there is one), or, where only the trainer can know, a
// service.error naming the cause that leaves the run's files as they were.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { validateCommand } from '../../cli/validate.ts';
import { harness, lessonCommand, runConfig } from '../trainer/fixtures.ts';
import { runTokenizerDir } from '../../tasks/run-tokenizer.ts';
import { TOKENIZER_FILE } from '../../tasks/tokenizer.ts';
import type { TaskSpec } from '../../schemas/spec.ts';

const ROWS = [
  { input: 'win a free prize now', label: 'spam' },
  { input: 'lunch on friday?', label: 'ham' },
  { input: 'cheap pills free shipping', label: 'spam' },
  { input: 'the report is attached', label: 'ham' },
  { input: 'free offer click now', label: 'spam' },
  { input: 'see you at the meeting', label: 'ham' },
];

function textSpec(dir: string, tokenizer: Record<string, unknown>, rows: unknown[] = ROWS, extra: Record<string, unknown> = {}): string {
  writeFileSync(join(dir, 'mail.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
  const spec = {
    apiVersion: 'curriculum/v1',
    name: 'text',
    model: { kind: 'text-classifier' },
    tokenizer,
    tasks: [{ id: 'mail', skill: 'text', difficulty: 1, generator: { kind: 'jsonl', path: 'mail.jsonl', heldoutFraction: 0.34 } }],
    stages: [
      {
        id: 's1',
        tasks: ['mail'],
        teacher: { kind: 'uniform' },
        learningRate: { kind: 'constant', value: 0.01 },
        advance: { gates: [{ metric: 'accuracy', task: 'mail', threshold: 0.9 }] },
        maxSteps: 100,
      },
    ],
    ...extra,
  };
  const file = join(dir, 'spec.yaml');
  writeFileSync(file, stringify(spec));
  return file;
}

/** `curriculum validate FILE`: exit code and printed lines. */
async function validate(file: string): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(' '));
  try {
    const code = await validateCommand([file]);
    return { code, out: lines.join('\n') };
  } finally {
    console.log = log;
  }
}

const fresh = () => mkdtempSync(join(tmpdir(), 'text-bad-input-'));

test('a text row whose input is not a string fails validate with the file, the line and the field', async () => {
  const dir = fresh();
  const rows = [...ROWS.slice(0, 2), { input: [1, 2, 3], label: 'spam' }, ...ROWS.slice(2), { input: 42, label: 'ham' }];
  const { code, out } = await validate(textSpec(dir, { kind: 'word' }, rows));
  assert.equal(code, 1, out);
  assert.match(out, /tasks\[0\]\.generator\.path: .*mail\.jsonl:3: field "input": expected a string, found an array of 3 \(the spec's tokenizer reads text rows\)/);
  assert.match(out, /mail\.jsonl:8: field "input": expected a string, found number 42/);
});

test('a vocabulary that comes out empty fails validate at the tokenizer', async () => {
  const { code, out } = await validate(textSpec(fresh(), { kind: 'word', minCount: 1000 }));
  assert.equal(code, 1, out);
  assert.match(out, /: tokenizer: tokenizer: the vocabulary is empty: no word token of the training rows occurs at least minCount=1000 times/);
});

test('a vocabulary file that is missing fails validate at tokenizer.vocabularyFile', async () => {
  const { code, out } = await validate(textSpec(fresh(), { kind: 'word', vocabularyFile: 'nowhere.txt' }));
  assert.equal(code, 1, out);
  assert.match(out, /tokenizer\.vocabularyFile: .*nowhere\.txt: cannot read vocabulary: ENOENT/);
});

test('a vocabulary file that is not a tokenizer, or lists nothing, or repeats a token fails validate saying why', async () => {
  const cases: Array<[string, string, Record<string, unknown>, RegExp]> = [
    ['bad.json', '{"vocabulary": ', { kind: 'word' }, /bad\.json: tokenizer is not valid JSON/],
    ['shape.json', '{"format": "curriculum-tokenizer", "version": 1, "kind": "word"}', { kind: 'word' }, /shape\.json: not a tokenizer file: lowercase: missing required field/],
    ['empty.txt', '\n\n', { kind: 'word' }, /empty\.txt: the vocabulary is empty \(no tokens in the file\)/],
    ['twice.txt', 'free\nprize\nFree\n', { kind: 'word' }, /twice\.txt:3: token "free" already on line 1/],
    ['list.txt', 'free\n', { kind: 'subword' }, /list\.txt: a subword tokenizer needs its merges/],
  ];
  for (const [name, text, tokenizer, reason] of cases) {
    const dir = fresh();
    writeFileSync(join(dir, name), text);
    const { code, out } = await validate(textSpec(dir, { ...tokenizer, vocabularyFile: name }));
    assert.equal(code, 1, `${name}: ${out}`);
    assert.match(out, /tokenizer\.vocabularyFile: /, name);
    assert.match(out, reason, name);
  }
});

test('a text-classifier without a tokenizer, and the mail corpus without one, fail validate at the field to add', async () => {
  const dir = fresh();
  const file = textSpec(dir, { kind: 'word' });
  const spec = readFileSync(file, 'utf8').replace(/^tokenizer:\n( .*\n)+/m, '');
  writeFileSync(file, spec);
  const first = await validate(file);
  assert.equal(first.code, 1);
  assert.match(first.out, /spec\.yaml(:\d+)?: tokenizer: a text-classifier reads token ids, but the spec has no tokenizer/);
  writeFileSync(file, spec.replace(/generator:\n(\s+)kind: jsonl/, 'generator:\n$1kind: spam-assassin\n$1groups: [spam-1]').replace(/\s+path: mail.jsonl/, ''));
  const second = await validate(file);
  assert.match(second.out, /tasks\[0\]\.generator: mails are long texts: this source needs the spec's tokenizer/);
});

test('a stored tokenizer.json that is broken stops the lesson with a service.error naming it, and stays as it was', async () => {
  const dir = fresh();
  writeFileSync(join(dir, 'mail.jsonl'), ROWS.map((r) => JSON.stringify(r)).join('\n'));
  const task: TaskSpec = { id: 'mail', skill: 'text', difficulty: 1, generator: { kind: 'jsonl', path: 'mail.jsonl', heldoutFraction: 0.34 } };
  const run = runConfig({
    model: { kind: 'text-classifier', embeddingDim: 8, encoder: 'mean-pool', units: 8 },
    tokenizer: { kind: 'word', maxLength: 8, vocabularySize: 100, minCount: 1, lowercase: true, unknownBuckets: 1 },
    tasks: [task],
    baseDir: dir,
    batchSize: 4,
  });
  const h = harness();
  const stored = runTokenizerDir(h.root, 'broken');
  mkdirSync(stored, { recursive: true });
  writeFileSync(join(stored, TOKENIZER_FILE), '{"format": "curriculum-tokenizer", "vocabulary": 3}');
  await h.trainer.handle(lessonCommand('broken', run, { lessonId: 'l0', taskWeights: { mail: 1 }, steps: 2 }));
  const [error] = h.of('service.error');
  assert.ok(error, 'a service.error');
  assert.equal(error.payload.code, 'CUR_CONFIG_INVALID');
  assert.match(error.payload.message, /tokenizer\.json: not a tokenizer file/);
  assert.equal(readFileSync(join(stored, TOKENIZER_FILE), 'utf8'), '{"format": "curriculum-tokenizer", "vocabulary": 3}');
  assert.equal(h.of('checkpoint.saved').length, 0);
});

test('the text specs that are right pass validate with their data: the SpamAssassin example and a small JSONL spec', async () => {
  const example = await validate(join(import.meta.dirname, '../../examples/spam-easy-to-hard.yaml'));
  assert.equal(example.code, 0, example.out);
  assert.match(example.out, /^ok {4}.*spam-easy-to-hard\.yaml \(2 tasks, 2 stages\)/);
  for (const kind of ['char', 'word', 'subword']) {
    const small = await validate(textSpec(fresh(), { kind }));
    assert.equal(small.code, 0, `${kind}: ${small.out}`);
  }
});
