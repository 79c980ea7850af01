import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashSeed, Random } from '../../tasks/random.ts';

test('the same seed gives the same stream, and a saved state resumes it exactly', () => {
  const a = Random.fromSeed(42);
  const b = Random.fromSeed(42);
  const first = [...Array(5)].map(() => a.nextUint32());
  assert.deepEqual([...Array(5)].map(() => b.nextUint32()), first);
  const resumed = Random.fromState(a.state());
  assert.deepEqual(
    [...Array(100)].map(() => resumed.next()),
    [...Array(100)].map(() => a.next()),
  );
  assert.notDeepEqual([...Array(5)].map(() => Random.fromSeed(43).nextUint32()), first);
});

test('hashSeed separates streams by every part', () => {
  assert.equal(hashSeed(7, 'add-1', 'heldout'), hashSeed(7, 'add-1', 'heldout'));
  assert.notEqual(hashSeed(7, 'add-1', 'heldout'), hashSeed(7, 'add-1', 'adversarial'));
  assert.notEqual(hashSeed(7, 'add-1'), hashSeed(8, 'add-1'));
  assert.notEqual(hashSeed('7'), hashSeed(7));
});

test('weighted picks follow the weights and skip zero weights', () => {
  const r = Random.fromSeed(1);
  const counts = [0, 0, 0];
  for (let i = 0; i < 20000; i++) counts[r.weighted([0.25, 0, 0.75])]! += 1;
  assert.equal(counts[1], 0);
  assert.ok(Math.abs(counts[0]! / 20000 - 0.25) < 0.015, `share ${counts[0]! / 20000}`);
});
