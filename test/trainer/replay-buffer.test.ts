import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../../tasks/random.ts';
import { buildTaskSet } from '../../tasks/registry.ts';
import { ReplayBuffer } from '../../trainer/replay-buffer.ts';
import { BatchSampler } from '../../trainer/sampler.ts';
import { digitsTask, runConfig } from './fixtures.ts';

const example = (v: number) => ({ input: new Float32Array([v, v]), target: new Int32Array([v % 10]) });

test('replay buffer: keeps at most examplesPerTask per task, copies what it keeps, and samples the whole stream', () => {
  const buffer = new ReplayBuffer(8);
  const rng = Random.fromSeed(5);
  const input = new Float32Array([1, 1]);
  buffer.add('a', input, new Int32Array([1]), rng);
  input[0] = 99; // the caller reuses its array: the buffer must not see that
  assert.equal(buffer.draw(['a'], rng)?.input[0], 1);

  for (let i = 0; i < 2000; i++) {
    const e = example(i);
    buffer.add('b', e.input, e.target, rng);
  }
  assert.equal(buffer.size('a'), 1);
  assert.equal(buffer.size('b'), 8);
  assert.deepEqual(buffer.tasks(), ['a', 'b']);
  // Reservoir sampling: the kept examples come from across the stream, not just its first 8.
  const kept = new Set<number>();
  for (let i = 0; i < 200; i++) kept.add(buffer.draw(['b'], rng)?.input[0] ?? -1);
  assert.ok([...kept].some((v) => v >= 8), `kept only the first examples: ${[...kept].join(',')}`);
  assert.equal(buffer.draw(['c'], rng), undefined);
});

test('sampler with replay: mixes the buffered tasks the lesson does not train, and draws exactly as before without it', () => {
  const run = runConfig({ model: { kind: 'mlp', hidden: [8], activation: 'relu' }, tasks: [digitsTask('p0', 0, 200), digitsTask('p1', 1, 200)] });
  const taskSet = buildTaskSet(run);
  const buffer = new ReplayBuffer(16);

  // A lesson on p0 fills the buffer with p0 only (nothing else is buffered yet to replay).
  const first = new BatchSampler(taskSet, { p0: 1 }, Random.fromSeed(1), { buffer, fraction: 0.5 });
  const b1 = first.next(64);
  assert.ok(b1.taskOf.every((t) => t === 'p0'));
  assert.equal(buffer.size('p0'), 16);

  // The next lesson trains p1; about half of each batch replays p0 from the buffer.
  const second = new BatchSampler(taskSet, { p1: 1 }, Random.fromSeed(2), { buffer, fraction: 0.5 });
  const b2 = second.next(256);
  const replayed = b2.taskOf.filter((t) => t === 'p0').length;
  assert.ok(replayed > 80 && replayed < 176, `replayed ${replayed} of 256`);

  // Without replay the sampler is unchanged: same seed, same batch, bit for bit.
  const plainA = new BatchSampler(taskSet, { p0: 0.5, p1: 0.5 }, Random.fromSeed(3)).next(32);
  const plainB = new BatchSampler(taskSet, { p0: 0.5, p1: 0.5 }, Random.fromSeed(3)).next(32);
  assert.deepEqual(plainA.taskOf, plainB.taskOf);
  assert.deepEqual(Array.from(plainA.x), Array.from(plainB.x));
});
