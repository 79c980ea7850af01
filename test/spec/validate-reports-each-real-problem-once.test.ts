// `curriculum validate` reports every problem the spec and its files reveal, once each, with
// its path: an error inside a `kind` variant no longer drags that variant's defaulted fields
// in as "missing", and a jsonl task whose file is missing or whose held-out split would be
// empty fails validation instead of the run. The tests assert the exact set of errors.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { stringify } from 'yaml';
import { CurriculumError } from '../../schemas/errors.ts';
import { parseSpecText } from '../../schemas/spec-loader.ts';

const root = join(import.meta.dirname, '../..');

function spec(generator: Record<string, unknown>, stage: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'curriculum/v1',
    name: 'files',
    model: { kind: 'mlp' },
    tasks: [{ id: 'a', skill: 's', difficulty: 1, generator }],
    stages: [
      {
        id: 's1',
        tasks: ['a'],
        teacher: { kind: 'uniform' },
        learningRate: { kind: 'constant', value: 0.01 },
        advance: { gates: [{ metric: 'accuracy', task: 'a', threshold: 0.9 }] },
        maxSteps: 100,
        ...stage,
      },
    ],
  };
}

/** The details of the CUR_SPEC_INVALID a spec value raises (empty when it loads). */
function schemaErrors(value: unknown): string[] {
  try {
    parseSpecText(stringify(value), 'c.yaml');
    return [];
  } catch (e) {
    assert.ok(e instanceof CurriculumError);
    return [...e.details];
  }
}

const jsonl = { kind: 'jsonl', path: 'rows.jsonl' };

test('an error inside a kind variant is the only error reported: its defaulted fields are not "missing"', () => {
  assert.deepEqual(schemaErrors(spec({ ...jsonl, heldoutFractio: 0.1 })), [
    'c.yaml:12: tasks[0].generator.heldoutFractio: unknown key (found number 0.1, expected no such key (unknown keys are errors))',
  ]);
  assert.deepEqual(schemaErrors(spec(jsonl, { learningRate: { kind: 'cosine', max: -1, periodSteps: 100 } })), [
    'c.yaml:20: stages[0].learningRate.max: out of range (found number -1, expected a number > 0)',
  ]);
  assert.deepEqual(schemaErrors(spec(jsonl, { teacher: { kind: 'tscl-window', windows: 3 } })), [
    'c.yaml:18: stages[0].teacher.windows: unknown key (found number 3, expected no such key (unknown keys are errors))',
  ]);
  // A field the variant really requires is still reported missing, alone.
  assert.deepEqual(schemaErrors(spec({ kind: 'addition' })), ['c.yaml:10: tasks[0].generator.digits: missing required field']);
});

const dir = mkdtempSync(join(tmpdir(), 'curriculum-validate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const rows = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ input: `text ${i}`, label: i % 2 === 0 ? 'even' : 'odd' })).join('\n') + '\n';

/** Writes a spec (and its data files) into its own folder; returns the spec path. */
function write(name: string, generator: Record<string, unknown>, files: Record<string, string> = {}): string {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(folder, f), text);
  const file = join(folder, 'spec.yaml');
  writeFileSync(file, stringify(spec(generator)));
  return file;
}

function validate(files: string[]): { status: number; out: string } {
  try {
    return { status: 0, out: execFileSync(process.execPath, [join(root, 'bin/curriculum.mjs'), 'validate', ...files], { encoding: 'utf8' }) };
  } catch (e) {
    const err = e as { status: number; stdout: string };
    return { status: err.status, out: err.stdout };
  }
}

test('validate fails on what the spec\'s data files reveal, naming the field, one error per problem', () => {
  const cases = [
    { name: 'missing', file: write('missing', jsonl), errors: [`tasks[0].generator.path: cannot read the dataset file (ENOENT) (found "rows.jsonl", expected a readable JSONL file (relative to ${join(dir, 'missing')}))`] },
    { name: 'a directory', file: write('dir', { kind: 'jsonl', path: '.' }), errors: [`tasks[0].generator.path: cannot read the dataset file (EISDIR) (found ".", expected a readable JSONL file (relative to ${join(dir, 'dir')}))`] },
    { name: 'empty', file: write('empty', jsonl, { 'rows.jsonl': '\n\n' }), errors: ['tasks[0].generator.path: the dataset file has no rows (found "rows.jsonl", expected one JSON object per line)'] },
    {
      name: 'heldoutFraction 0',
      file: write('zero', { ...jsonl, heldoutFraction: 0 }, { 'rows.jsonl': rows(40) }),
      errors: ['tasks[0].generator.heldoutFraction: keeps no held-out rows out of 40: the evaluator would have nothing to evaluate (found 0, expected at least 0.013 for 40 rows)'],
    },
    {
      name: 'a split that rounds to nothing',
      file: write('tiny', { ...jsonl, heldoutFraction: 0.1 }, { 'rows.jsonl': rows(4) }),
      errors: ['tasks[0].generator.heldoutFraction: keeps no held-out rows out of 4: the evaluator would have nothing to evaluate (found 0.1, expected at least 0.125 for 4 rows)'],
    },
    {
      name: 'heldoutFraction 1',
      file: write('all', { ...jsonl, heldoutFraction: 1 }, { 'rows.jsonl': rows(10) }),
      errors: ['tasks[0].generator.heldoutFraction: keeps all 10 rows out of training: the trainer would have nothing to train on (found 1, expected a fraction that leaves at least one of 10 rows for training)'],
    },
    {
      name: 'malformed rows',
      file: write('rows', jsonl, { 'rows.jsonl': `${rows(8)}{"input": "x"}\n{"input": "y", "label": "odd", "colour": 1}\n` }),
      errors: [
        'tasks[0].generator.path: rows.jsonl:9: field "label": missing',
        'tasks[0].generator.path: rows.jsonl:10: field "colour": unknown field (allowed: input, label, category)',
      ],
    },
  ];
  const ok = write('ok', jsonl, { 'rows.jsonl': rows(10) });
  const { status, out } = validate([...cases.map((c) => c.file), ok]);
  assert.equal(status, 1);
  const expected = [
    ...cases.flatMap((c) => [`FAIL  ${c.file}`, ...c.errors.map((e) => `  - ${c.file}: ${e}`)]),
    `ok    ${ok} (1 task, 1 stage)`,
  ];
  assert.deepEqual(out.trimEnd().split('\n'), expected);
});
