import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadMnist, pixelPermutation, PIXELS } from '../../tasks/mnist-data.ts';
import { PermutedDigitsTask } from '../../tasks/permuted-digits.ts';
import { Random } from '../../tasks/random.ts';

const options = (permutation: number, trainExamples = 1000) => ({ permutation, trainExamples, runSeed: 7, permutationsInRun: [0, 1, 2] });

test('the mnist package gives 10 000 labelled images split into disjoint train and test universes', () => {
  const data = loadMnist();
  assert.equal(data.count, 10000);
  assert.equal(data.trainUniverse.length, 8000);
  assert.equal(data.testUniverse.length, 2000);
  const train = new Set(data.trainUniverse);
  assert.equal(data.testUniverse.filter((i) => train.has(i)).length, 0);
  assert.deepEqual(new Set(data.labels), new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
});

test('permutation 0 is the identity; another id is a fixed bijection that moves pixels', () => {
  assert.deepEqual([...pixelPermutation(0)], [...Array(PIXELS).keys()]);
  const p = pixelPermutation(3);
  assert.deepEqual([...p].sort((a, b) => a - b), [...Array(PIXELS).keys()]);
  assert.deepEqual([...pixelPermutation(3)], [...p]);
  assert.ok([...p].filter((v, i) => v !== i).length > 700);
  const identity = new PermutedDigitsTask('d0', options(0));
  const permuted = new PermutedDigitsTask('d3', { ...options(0), permutation: 3 });
  const a = identity.evaluationSet('heldout', 5, 11);
  const b = permuted.evaluationSet('heldout', 5, 11);
  a.forEach((e, k) => {
    assert.equal(e.target[0], b[k]!.target[0]);
    assert.equal(e.category, `digit-${e.target[0]}`);
    for (let i = 0; i < PIXELS; i++) assert.equal(b[k]!.input[i], e.input[p[i]!]);
  });
});

test('the trainExamples knob sets the pool size; the pool never touches evaluation images', () => {
  const data = loadMnist();
  const test = new Set(data.testUniverse);
  for (const size of [10, 100, 2000]) {
    const task = new PermutedDigitsTask('d', options(1, size));
    assert.equal(task.pool.length, size);
    assert.equal(new Set(task.pool).size, size);
    assert.equal(task.pool.filter((i) => test.has(i)).length, 0);
  }
  // Training draws only from the pool: with 10 examples at most 10 distinct images appear.
  const tiny = new PermutedDigitsTask('d', options(1, 10));
  const rng = Random.fromSeed(1);
  const seen = new Set<string>();
  for (let i = 0; i < 300; i++) seen.add(tiny.trainingExample(rng).input.slice(0, PIXELS).join(','));
  assert.ok(seen.size <= 10);
});

test('hold-out domain uses a permutation no task of the run trains on; input noise perturbs pixels by its sd', () => {
  const task = new PermutedDigitsTask('d', { ...options(1), permutationsInRun: [1, 1_000_001] });
  assert.equal(task.heldoutPermutation, 1_000_002);
  const clean = new PermutedDigitsTask('d', options(0));
  const noisy = new PermutedDigitsTask('d', options(0), { inputNoise: 0.2, labelNoise: 0, balanceClasses: false });
  const a = clean.trainingExample(Random.fromSeed(4));
  const b = noisy.trainingExample(Random.fromSeed(4));
  assert.equal(a.target[0], b.target[0]);
  let changed = 0;
  for (let i = 0; i < PIXELS; i++) if (Math.abs(a.input[i]! - b.input[i]!) > 1e-6) changed++;
  assert.ok(changed > 300, `changed pixels ${changed}`);
  const adversarial = clean.evaluationSet('adversarial', 20, 3);
  assert.deepEqual(new Set(adversarial.map((e) => e.category)), new Set(['pixel-noise', 'occlusion']));
});
