import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { parseSpecText } from '../../schemas/spec-loader.ts';
import { CurriculumError } from '../../schemas/errors.ts';

function paritySpec(): Record<string, unknown> & { tasks: Array<Record<string, unknown>>; stages: Array<Record<string, unknown>> } {
  return {
    apiVersion: 'curriculum/v1',
    name: 'parity',
    model: { kind: 'mlp', hidden: [64] },
    tasks: [10, 30].map((bits, i) => ({ id: `parity-${bits}`, skill: 'parity', difficulty: i, generator: { kind: 'sparse-parity', bits, relevant: 3 }, noise: { labelNoise: 0.2 * i } })),
    stages: [
      { id: 's0', tasks: ['parity-10'], teacher: { kind: 'uniform' }, learningRate: { kind: 'constant', value: 0.01 }, advance: { gates: [{ metric: 'accuracy', task: 'parity-10', threshold: 0.9 }] }, maxSteps: 100 },
      { id: 's1', tasks: ['parity-10', 'parity-30'], teacher: { kind: 'uniform' }, learningRate: { kind: 'constant', value: 0.01 }, advance: { gates: [{ metric: 'accuracy', task: 'each', threshold: 0.9 }] }, maxSteps: 100 },
    ],
  };
}

function errorsOf(spec: unknown): readonly string[] {
  try {
    parseSpecText(stringify(spec), 'case.yaml');
  } catch (e) {
    if (e instanceof CurriculumError) return e.details;
    throw e;
  }
  return [];
}

test('a sparse-parity ladder with rising label noise loads', () => {
  assert.deepEqual(errorsOf(paritySpec()), []);
});

test('more relevant bits than input bits is refused at the field', () => {
  const spec = paritySpec();
  (spec.tasks[0] as { generator: Record<string, unknown> }).generator.relevant = 12;
  assert.ok(errorsOf(spec).some((l) => /tasks\[0\]\.generator\.relevant: more relevant bits than input bits/.test(l)), errorsOf(spec).join('\n'));
});

test('parity bits out of range and a missing k are refused at the field', () => {
  const spec = paritySpec();
  (spec.tasks[0] as { generator: Record<string, unknown> }).generator = { kind: 'sparse-parity', bits: 0 };
  const lines = errorsOf(spec);
  assert.ok(lines.some((l) => l.includes('tasks[0].generator.bits: ')), lines.join('\n'));
  assert.ok(lines.some((l) => /tasks\[0\]\.generator\.relevant: .*missing/.test(l)), lines.join('\n'));
});

test('parity tasks cannot be mixed with another generator kind or fed to a sequence model', () => {
  const spec = paritySpec();
  spec.tasks.push({ id: 'add-1', skill: 'addition', difficulty: 3, generator: { kind: 'addition', digits: 1 } });
  (spec.stages[1] as { tasks: string[] }).tasks.push('add-1');
  assert.ok(errorsOf(spec).some((l) => /tasks: tasks mix generator kinds/.test(l)));
  const seq = paritySpec();
  seq.model = { kind: 'seq2seq' };
  assert.ok(errorsOf(seq).some((l) => /model\.kind: seq2seq models need sequence tasks/.test(l)));
});

test('the generated spec reference documents the sparse-parity generator and the stage mix', () => {
  const doc = readFileSync(new URL('../../docs/spec-reference.md', import.meta.url), 'utf8');
  assert.match(doc, /sparse-parity/);
  assert.match(doc, /parity of the first k bits/);
  assert.match(doc, /`stages\[\]\.mix`[^\n]*drawn uniformly over all tasks of the curriculum/);
});
