// The sampler's allocation-free path (writeTrainingExample) must give exactly the examples
// trainingExample gives, from the same random stream, or training data would depend on
// whether replay is on. Both pool-size regimes (a permuted copy of the pool, or a gather from
// the image store) and every noise option are checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadMnist, pixelPermutation, PIXELS } from '../../tasks/mnist-data.ts';
import { PermutedDigitsTask } from '../../tasks/permuted-digits.ts';
import { Random } from '../../tasks/random.ts';

const noises = [
  undefined,
  { inputNoise: 0, labelNoise: 0, balanceClasses: true },
  { inputNoise: 0, labelNoise: 0.3, balanceClasses: false },
  { inputNoise: 0.2, labelNoise: 0.1, balanceClasses: true },
];

for (const trainExamples of [300, 3000]) {
  for (const noise of noises) {
    test(`writeTrainingExample equals trainingExample (pool ${trainExamples}, noise ${JSON.stringify(noise ?? {})})`, () => {
      const task = new PermutedDigitsTask('d', { permutation: 5, trainExamples, runSeed: 7, permutationsInRun: [5] }, noise);
      const a = Random.fromSeed(3);
      const b = Random.fromSeed(3);
      const n = 40;
      const x = new Float32Array(n * PIXELS + 7);
      const y = new Int32Array(n + 3);
      for (let k = 0; k < n; k++) {
        const example = task.trainingExample(a);
        task.writeTrainingExample(b, x, 7 + k * PIXELS, y, 3 + k);
        assert.deepEqual(x.subarray(7 + k * PIXELS, 7 + (k + 1) * PIXELS), example.input);
        assert.equal(y[3 + k], example.target[0]);
        assert.deepEqual(b.state(), a.state());
      }
    });
  }
}

test('a training example is a pool image under the task permutation, with its label', () => {
  const data = loadMnist();
  const permutation = pixelPermutation(2);
  const task = new PermutedDigitsTask('d', { permutation: 2, trainExamples: 50, runSeed: 1, permutationsInRun: [2] });
  const rng = Random.fromSeed(9);
  for (let k = 0; k < 20; k++) {
    const example = task.trainingExample(rng);
    const source = task.pool.find((index) => {
      for (let i = 0; i < PIXELS; i++) if (data.images[index * PIXELS + permutation[i]!] !== example.input[i]) return false;
      return true;
    });
    assert.ok(source !== undefined, `example ${k} is no pool image`);
    assert.equal(example.target[0], data.labels[source]);
    assert.equal(example.category, `digit-${example.target[0]}`);
  }
});

test('examples stay the same while the permuted copies of many tasks exceed their memory budget and are rebuilt', () => {
  // 12 pools of 2,500 images hold 94 MB of copies against a 64 MB budget: the coldest are dropped
  // and rebuilt on their next use.
  const tasks = Array.from({ length: 12 }, (_, k) => new PermutedDigitsTask(`d${k}`, { permutation: k + 1, trainExamples: 2500, runSeed: 7, permutationsInRun: [k + 1] }));
  const x = new Float32Array(PIXELS);
  const y = new Int32Array(1);
  for (let round = 0; round < 2; round++) {
    tasks.forEach((task, k) => {
      const example = task.trainingExample(Random.fromSeed(100 + k));
      task.writeTrainingExample(Random.fromSeed(100 + k), x, 0, y, 0);
      assert.deepEqual(x, example.input, `task ${k}, round ${round}`);
      assert.equal(y[0], example.target[0]);
    });
  }
});
