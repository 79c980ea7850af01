// Table-driven: each broken spec must produce an error naming the right path and reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { parseSpecText } from '../../schemas/spec-loader.ts';
import { CurriculumError } from '../../schemas/errors.ts';

type Spec = Record<string, unknown> & {
  tasks: Array<Record<string, unknown>>;
  stages: Array<Record<string, unknown> & { advance: { gates: Array<Record<string, unknown>> } }>;
};

function validSpec(): Spec {
  return {
    apiVersion: 'curriculum/v1',
    name: 'ladder',
    model: { kind: 'seq2seq', units: 32 },
    tasks: [
      { id: 'add-1', skill: 'addition', difficulty: 1, generator: { kind: 'addition', digits: 1 } },
      { id: 'add-2', skill: 'addition', difficulty: 2, generator: { kind: 'addition', digits: 2 } },
    ],
    stages: [
      {
        id: 's1',
        tasks: ['add-1'],
        teacher: { kind: 'uniform' },
        learningRate: { kind: 'constant', value: 0.01 },
        advance: { gates: [{ metric: 'accuracy', task: 'add-1', threshold: 0.9 }] },
        maxSteps: 1000,
      },
      {
        id: 's2',
        tasks: ['add-1', 'add-2'],
        teacher: { kind: 'tscl-window' },
        learningRate: { kind: 'cosine', max: 0.01, periodSteps: 100 },
        advance: { gates: [{ metric: 'accuracy', task: 'each', threshold: 0.9 }] },
        maxSteps: 1000,
      },
    ],
  };
}

interface Case {
  name: string;
  mutate?: (s: Spec) => void;
  text?: string;
  path: string;
  reason: RegExp;
}

const set = (obj: Record<string, unknown>, key: string, value: unknown) => {
  obj[key] = value;
};
const stage = (s: Spec, i: number) => s.stages[i] as Spec['stages'][number];
const task = (s: Spec, i: number) => s.tasks[i] as Record<string, unknown>;

const CASES: Case[] = [
  // wrong types
  { name: 'seed is a string', mutate: (s) => set(s, 'seed', 'seven'), path: 'seed', reason: /wrong type.*expected an integer/ },
  { name: 'seed is fractional', mutate: (s) => set(s, 'seed', 1.5), path: 'seed', reason: /expected an integer/ },
  { name: 'difficulty is a string', mutate: (s) => set(task(s, 1), 'difficulty', 'hard'), path: 'tasks[1].difficulty', reason: /wrong type.*a number/ },
  { name: 'tasks is a mapping', mutate: (s) => set(s, 'tasks', { a: 1 }), path: 'tasks', reason: /wrong type.*an array/ },
  { name: 'stage tasks is a string', mutate: (s) => set(stage(s, 0), 'tasks', 'add-1'), path: 'stages[0].tasks', reason: /expected an array/ },
  { name: 'gate threshold is a string', mutate: (s) => set(stage(s, 1).advance.gates[0]!, 'threshold', 'high'), path: 'stages[1].advance.gates[0].threshold', reason: /a number/ },
  { name: 'review enabled is a string', mutate: (s) => set(s, 'review', { enabled: 'yes' }), path: 'review.enabled', reason: /true or false/ },
  { name: 'batch size zero', mutate: (s) => set(s, 'training', { batchSize: 0 }), path: 'training.batchSize', reason: />= 1/ },
  { name: 'negative maxSteps', mutate: (s) => set(stage(s, 0), 'maxSteps', -5), path: 'stages[0].maxSteps', reason: />= 1/ },
  { name: 'learning rate zero', mutate: (s) => set(stage(s, 0), 'learningRate', { kind: 'constant', value: 0 }), path: 'stages[0].learningRate.value', reason: /> 0/ },
  // unknown keys and kinds
  { name: 'unknown top-level key', mutate: (s) => set(s, 'epochs', 3), path: 'epochs', reason: /unknown key/ },
  { name: 'unknown stage key', mutate: (s) => set(stage(s, 0), 'patience', 3), path: 'stages[0].patience', reason: /unknown key/ },
  { name: 'unknown gate key', mutate: (s) => set(stage(s, 0).advance.gates[0]!, 'window', 3), path: 'stages[0].advance.gates[0].window', reason: /unknown key/ },
  { name: 'unknown teacher kind', mutate: (s) => set(stage(s, 0), 'teacher', { kind: 'random' }), path: 'stages[0].teacher.kind', reason: /unknown kind.*"uniform"/ },
  { name: 'unknown key inside a teacher variant', mutate: (s) => set(stage(s, 1), 'teacher', { kind: 'tscl-window', windows: 3 }), path: 'stages[1].teacher.windows', reason: /unknown key/ },
  { name: 'unknown generator kind', mutate: (s) => set(task(s, 0), 'generator', { kind: 'subtraction' }), path: 'tasks[0].generator.kind', reason: /unknown kind/ },
  { name: 'unknown schedule kind', mutate: (s) => set(stage(s, 0), 'learningRate', { kind: 'step', value: 0.1 }), path: 'stages[0].learningRate.kind', reason: /unknown kind/ },
  { name: 'unknown metric', mutate: (s) => set(stage(s, 0).advance.gates[0]!, 'metric', 'f1'), path: 'stages[0].advance.gates[0].metric', reason: /one of "accuracy", "loss", "ece"/ },
  { name: 'unknown plateau action', mutate: (s) => set(stage(s, 0), 'plateau', { action: 'panic' }), path: 'stages[0].plateau.action', reason: /one of/ },
  { name: 'wrong apiVersion', mutate: (s) => set(s, 'apiVersion', 'curriculum/v0'), path: 'apiVersion', reason: /"curriculum\/v1"/ },
  // missing fields
  { name: 'missing name', mutate: (s) => delete s.name, path: 'name', reason: /missing required field/ },
  { name: 'missing model', mutate: (s) => delete s.model, path: 'model', reason: /missing required field/ },
  { name: 'missing stage teacher', mutate: (s) => delete stage(s, 0).teacher, path: 'stages[0].teacher', reason: /missing required field/ },
  { name: 'missing gate threshold', mutate: (s) => delete stage(s, 0).advance.gates[0]!.threshold, path: 'stages[0].advance.gates[0].threshold', reason: /missing required field/ },
  { name: 'missing generator digits', mutate: (s) => set(task(s, 0), 'generator', { kind: 'addition' }), path: 'tasks[0].generator.digits', reason: /missing required field/ },
  // dangling references
  { name: 'stage names an unknown task', mutate: (s) => stage(s, 1).tasks = ['add-1', 'add-9'], path: 'stages[1].tasks[1]', reason: /unknown task id.*"add-9"/ },
  { name: 'gate names a task outside its stage', mutate: (s) => set(stage(s, 0).advance.gates[0]!, 'task', 'add-2'), path: 'stages[0].advance.gates[0].task', reason: /not in the stage/ },
  { name: 'fixed weight for a foreign task', mutate: (s) => set(stage(s, 0), 'teacher', { kind: 'fixed', weights: { 'add-2': 1 } }), path: 'stages[0].teacher.weights.add-2', reason: /not in the stage/ },
  { name: 'duplicate task id', mutate: (s) => set(task(s, 1), 'id', 'add-1'), path: 'tasks[1].id', reason: /duplicate task id/ },
  { name: 'duplicate stage id', mutate: (s) => set(stage(s, 1), 'id', 's1'), path: 'stages[1].id', reason: /duplicate stage id/ },
  { name: 'task never trained', mutate: (s) => s.tasks.push({ id: 'add-3', skill: 'addition', difficulty: 3, generator: { kind: 'addition', digits: 3 } }), path: 'tasks[2].id', reason: /not used by any stage/ },
  // impossible thresholds and settings
  { name: 'accuracy threshold above 1', mutate: (s) => set(stage(s, 0).advance.gates[0]!, 'threshold', 1.2), path: 'stages[0].advance.gates[0].threshold', reason: /impossible threshold for accuracy/ },
  { name: 'accuracy threshold 1 with a confidence bound', mutate: (s) => set(stage(s, 0).advance.gates[0]!, 'threshold', 1), path: 'stages[0].advance.gates[0].threshold', reason: /can never reach 1/ },
  { name: 'negative loss threshold', mutate: (s) => stage(s, 0).advance.gates[0] = { metric: 'loss', op: '<=', task: 'add-1', threshold: -1 }, path: 'stages[0].advance.gates[0].threshold', reason: /impossible threshold for loss/ },
  { name: 'revert below forget threshold', mutate: (s) => set(s, 'regression', { forgetThreshold: 0.2, revertThreshold: 0.1 }), path: 'regression.revertThreshold', reason: /above the forget threshold/ },
  { name: 'cosine min above max', mutate: (s) => set(stage(s, 1), 'learningRate', { kind: 'cosine', max: 0.01, min: 0.1, periodSteps: 10 }), path: 'stages[1].learningRate.min', reason: /not below max/ },
  { name: 'minSteps above the budget', mutate: (s) => (stage(s, 0).advance as Record<string, unknown>).minSteps = 5000, path: 'stages[0].advance.minSteps', reason: /exceeds the stage budget/ },
  { name: 'floor too high for the stage', mutate: (s) => set(stage(s, 1), 'teacher', { kind: 'uniform', floor: 0.5 + 1e-9 }), path: 'stages[1].teacher.floor', reason: /<= 0.5/ },
  { name: 'review intervals shrink', mutate: (s) => set(s, 'review', { intervals: [1, 4, 2] }), path: 'review.intervals[2]', reason: /must not shrink/ },
  { name: 'fraction above 1', mutate: (s) => set(s, 'review', { fraction: 1.5 }), path: 'review.fraction', reason: /<= 1/ },
  { name: 'seq2seq on images', mutate: (s) => s.tasks.forEach((t) => (t.generator = { kind: 'permuted-digits', permutation: 1 })), path: 'model.kind', reason: /seq2seq models need sequence tasks/ },
  { name: 'gate on a suite that is not run', mutate: (s) => { set(s, 'evaluation', { suites: ['heldout'] }); set(stage(s, 0).advance.gates[0]!, 'suite', 'adversarial'); }, path: 'stages[0].advance.gates[0].suite', reason: /does not run/ },
  // empty stages and lists
  { name: 'no stages', mutate: (s) => (s.stages = []), path: 'stages', reason: /too few items/ },
  { name: 'a stage with no tasks', mutate: (s) => (stage(s, 0).tasks = []), path: 'stages[0].tasks', reason: /too few items/ },
  { name: 'a stage with no gates', mutate: (s) => (stage(s, 0).advance.gates = []), path: 'stages[0].advance.gates', reason: /too few items/ },
  // YAML syntax errors
  { name: 'unclosed flow sequence', text: 'name: x\ntasks: [a, b\nstages: []\n', path: '', reason: /YAML syntax error/ },
  { name: 'bad indentation', text: 'name: x\n  model: 1\n kind: y\n', path: '', reason: /YAML syntax error/ },
  { name: 'duplicate key', text: 'name: a\nname: b\n', path: '', reason: /YAML syntax error.*[Uu]nique|YAML syntax error.*duplicate/ },
  { name: 'empty file', text: '', path: '', reason: /the spec is empty/ },
];

test(`at least 30 broken specs are covered (${CASES.length})`, () => {
  assert.ok(CASES.length >= 30);
});

for (const c of CASES) {
  test(`broken spec: ${c.name} -> ${c.path || '(file)'}`, () => {
    let text = c.text;
    if (text === undefined) {
      const spec = validSpec();
      c.mutate?.(spec);
      text = stringify(spec);
    }
    let error: unknown;
    try {
      parseSpecText(text, 'case.yaml');
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof CurriculumError, `expected a CurriculumError for "${c.name}"`);
    const lines = error.details;
    const wanted = c.path === '' ? lines : lines.filter((l) => l.includes(`: ${c.path}: `));
    assert.ok(wanted.length > 0, `no error names path "${c.path}"; got:\n${lines.join('\n')}`);
    assert.ok(wanted.some((l) => c.reason.test(l)), `error at "${c.path}" does not match ${c.reason}; got:\n${wanted.join('\n')}`);
    assert.ok(lines.every((l) => l.startsWith('case.yaml')), 'every error names the file');
  });
}

test('the valid base spec loads and reports several errors at once when several things are wrong', () => {
  assert.doesNotThrow(() => parseSpecText(stringify(validSpec()), 'ok.yaml'));
  const spec = validSpec();
  delete spec.name;
  set(spec, 'seed', 'x');
  set(stage(spec, 0), 'bogus', true);
  assert.throws(
    () => parseSpecText(stringify(spec), 'multi.yaml'),
    (e: unknown) => e instanceof CurriculumError && e.details.length === 3,
  );
});
