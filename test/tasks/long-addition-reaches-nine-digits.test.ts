import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { AdditionTask } from '../../tasks/addition.ts';
import { additionWidth } from '../../tasks/registry.ts';
import { Random } from '../../tasks/random.ts';
import { parseSpecText } from '../../schemas/spec-loader.ts';
import type { Example } from '../../tasks/task.ts';

const readOperand = (e: Example, features: number, timesteps: number, offset: number) => {
  let v = 0;
  for (let t = timesteps - 1; t >= 0; t--) for (let d = 0; d < 10; d++) if (e.input[t * features + offset + d] === 1) v = v * 10 + d;
  return v;
};

test('9-digit sums are exact, least significant digit first, with room for the carry out', () => {
  const task = new AdditionTask('add-9', { digits: 9, minDigits: 9, width: 10 });
  const { timesteps, features, positions } = task.encoding;
  assert.equal(positions, 11);
  const rng = Random.fromSeed(4);
  let carriedOut = 0;
  for (let i = 0; i < 500; i++) {
    const e = task.trainingExample(rng);
    const a = readOperand(e, features, timesteps, 0);
    const b = readOperand(e, features, timesteps, 10);
    assert.ok(Math.max(a, b) >= 1e8 && Math.max(a, b) < 1e9, `longer operand ${Math.max(a, b)} has 9 digits`);
    const sum = [...e.target].reverse().reduce((acc, d) => acc * 10 + d, 0);
    assert.equal(sum, a + b);
    if (a + b >= 1e9) carriedOut++;
  }
  assert.ok(carriedOut > 0, 'some sums carry into a tenth digit');
});

test('a ladder to 9 digits loads and its width holds the hold-out domain of 10 digits', () => {
  const tasks = [3, 6, 9].map((digits) => ({ id: `add-${digits}`, skill: 'addition', difficulty: digits, generator: { kind: 'addition', digits, minDigits: digits } }));
  const spec = parseSpecText(
    stringify({
      apiVersion: 'curriculum/v1',
      name: 'long',
      model: { kind: 'seq2seq' },
      tasks,
      stages: [{ id: 's', tasks: tasks.map((t) => t.id), teacher: { kind: 'uniform' }, learningRate: { kind: 'constant', value: 0.01 }, advance: { gates: [{ metric: 'accuracy', task: 'each', threshold: 0.9 }] }, maxSteps: 10 }],
    }),
    'long.yaml',
  );
  assert.equal(additionWidth(spec.tasks), 10);
  const nine = new AdditionTask('add-9', { digits: 9, minDigits: 9, width: 10 });
  for (const e of nine.evaluationSet('holdout-domain', 50, 1)) assert.equal(e.target.length, 11);
});
