import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdditionTask, additionEncoding, encodeAddition, hasCarry } from '../../tasks/addition.ts';
import { Random } from '../../tasks/random.ts';
import type { Encoding, Example } from '../../tasks/task.ts';

/** Reads the operands and the sum back out of an encoded example. */
function decode(example: Example, encoding: Encoding): { a: number; b: number; sum: number; lengthA: number; lengthB: number } {
  const read = (offset: number) => {
    let value = 0;
    let length = 0;
    for (let t = encoding.timesteps - 1; t >= 0; t--) {
      for (let d = 0; d < 10; d++) {
        if (example.input[t * encoding.features + offset + d] === 1) {
          value = value * 10 + d;
          length = Math.max(length, t + 1);
        }
      }
    }
    return { value, length };
  };
  const a = read(0);
  const b = read(10);
  const sum = [...example.target].reverse().reduce((acc, d) => acc * 10 + d, 0);
  return { a: a.value, b: b.value, sum, lengthA: a.length, lengthB: b.length };
}

test('the digits knob sets the length of the longer operand, and sums are correct', () => {
  for (const [minDigits, digits] of [
    [1, 1],
    [2, 2],
    [1, 3],
    [3, 3],
  ] as const) {
    const task = new AdditionTask('t', { digits, minDigits, width: 4 });
    const rng = Random.fromSeed(3);
    const lengths = new Set<number>();
    for (let i = 0; i < 400; i++) {
      const e = task.trainingExample(rng);
      const { a, b, sum } = decode(e, task.encoding);
      assert.equal(sum, a + b);
      const longer = String(Math.max(a, b)).length;
      assert.ok(longer >= minDigits && longer <= digits, `${a}+${b} with digits ${minDigits}..${digits}`);
      lengths.add(longer);
      assert.equal(e.category, hasCarry(a, b) ? 'carry' : 'no-carry');
    }
    assert.deepEqual([...lengths].sort(), [...Array(digits - minDigits + 1).keys()].map((k) => k + minDigits));
  }
});

test('encoding is least-significant digit first with a fixed number of output positions', () => {
  const encoding = additionEncoding(3);
  assert.deepEqual(encoding, { timesteps: 4, features: 20, positions: 4, classes: 10 });
  const e = encodeAddition(57, 8, 65, encoding);
  assert.deepEqual([...e.target], [5, 6, 0, 0]);
  assert.equal(e.input[0 * 20 + 7], 1); // a: 7 at t=0
  assert.equal(e.input[1 * 20 + 5], 1); // a: 5 at t=1
  assert.equal(e.input[0 * 20 + 10 + 8], 1); // b: 8 at t=0
  assert.equal(e.input.slice(1 * 20 + 10, 1 * 20 + 20).reduce((s, v) => s + v, 0), 0); // b has one digit
  assert.equal(e.category, 'carry');
  assert.equal(encodeAddition(12, 34, 46, encoding).category, 'no-carry');
});

test('hold-out domain has one digit more than trained; adversarial sets carry perturbation categories', () => {
  const task = new AdditionTask('t', { digits: 2, minDigits: 1, width: 3 });
  for (const e of task.evaluationSet('holdout-domain', 50, 9)) {
    const { a, b, sum } = decode(e, task.encoding);
    assert.equal(String(Math.max(a, b)).length, 3);
    assert.equal(sum, a + b);
  }
  const adversarial = task.evaluationSet('adversarial', 30, 9);
  assert.deepEqual(new Set(adversarial.map((e) => e.category)), new Set(['leading-zeros', 'digit-noise', 'distractor']));
  const padded = adversarial.find((e) => e.category === 'leading-zeros')!;
  assert.equal(decode(padded, task.encoding).lengthA, 3); // written with leading zeros to the full width
  assert.deepEqual(
    task.evaluationSet('heldout', 20, 5).map((e) => [...e.target]),
    task.evaluationSet('heldout', 20, 5).map((e) => [...e.target]),
  );
});

test('noise options: label noise and digit swaps at their rates, class balancing evens carries', () => {
  const n = 4000;
  const noisy = new AdditionTask('t', { digits: 3, minDigits: 3, width: 4 }, { inputNoise: 0, labelNoise: 0.3, balanceClasses: false });
  let wrong = 0;
  const rng = Random.fromSeed(5);
  for (let i = 0; i < n; i++) {
    const { a, b, sum } = decode(noisy.trainingExample(rng), noisy.encoding);
    if (sum !== a + b) wrong++;
  }
  assert.ok(Math.abs(wrong / n - 0.3) < 0.03, `label noise rate ${wrong / n}`);

  // 3-digit sums carry about 75% of the time; balanced sampling brings that to one half.
  const plain = new AdditionTask('t', { digits: 3, minDigits: 3, width: 4 });
  const balanced = new AdditionTask('t', { digits: 3, minDigits: 3, width: 4 }, { inputNoise: 0, labelNoise: 0, balanceClasses: true });
  const carryShare = (task: AdditionTask) => {
    const r = Random.fromSeed(6);
    let carries = 0;
    for (let i = 0; i < n; i++) carries += task.trainingExample(r).category === 'carry' ? 1 : 0;
    return carries / n;
  };
  assert.ok(carryShare(plain) > 0.68, `plain carry share ${carryShare(plain)}`);
  assert.ok(Math.abs(carryShare(balanced) - 0.5) < 0.03, `balanced carry share ${carryShare(balanced)}`);

  const swapped = new AdditionTask('t', { digits: 3, minDigits: 3, width: 4 }, { inputNoise: 0.2, labelNoise: 0, balanceClasses: false });
  const r = Random.fromSeed(8);
  let changed = 0;
  for (let i = 0; i < 1000; i++) {
    const { a, b, sum } = decode(swapped.trainingExample(r), swapped.encoding);
    if (a + b !== sum) changed++;
  }
  // Each of 6 written digits swaps with p = 0.2: P(any) = 1 - 0.8^6 = 0.738 (leading digits of b may be fewer).
  assert.ok(changed / 1000 > 0.6 && changed / 1000 < 0.8, `swapped share ${changed / 1000}`);
});
