// The Redis store's commit on the real redis-server, beyond the contract every store keeps
// (every-store-keeps-the-same-contract.test.ts): 64-bit fencing edge cases, racing controllers,
// key isolation.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { env, REDIS, serviceTest } from '../support/service-gate.ts';
import { decision, newStore, source, uniquePrefix } from './redis-fixtures.ts';

serviceTest('64-bit offsets are compared exactly (beyond 2^53)', REDIS, async () => {
  const store = newStore(uniquePrefix('bigint'));
  try {
    assert.equal((await store.commit({ runId: 'r', snapshot: 1, source: source('9007199254740993'), outbox: [] })).status, 'committed');
    // As doubles these two are equal; as offsets the second is older.
    assert.deepEqual(await store.commit({ runId: 'r', snapshot: 2, source: source('9007199254740992'), outbox: [] }), {
      status: 'stale',
      appliedOffset: '9007199254740993',
    });
    assert.equal((await store.commit({ runId: 'r', snapshot: 3, source: source('9007199254740994'), outbox: [] })).status, 'committed');
    assert.equal((await store.commit({ runId: 'r', snapshot: 4, source: source('10000000000000000000'), outbox: [] })).status, 'committed');
    assert.equal((await store.commit({ runId: 'r', snapshot: 5, source: source('9999999999999999999'), outbox: [] })).status, 'stale');
  } finally {
    await store.close();
  }
});

serviceTest('two controllers racing on one run: each offset is applied exactly once', REDIS, async () => {
  const prefix = uniquePrefix('race');
  const a = newStore(prefix);
  const b = newStore(prefix);
  try {
    const outcomes = await Promise.all(
      [...Array(200).keys()].flatMap((i) => [a, b].map((s, who) => s.commit({ runId: 'r', snapshot: { i, who }, source: source(String(i)), outbox: [decision('r', i)] }))),
    );
    const committed = outcomes.filter((o) => o.status === 'committed').length;
    const run = await a.load('r');
    assert.ok(run);
    assert.equal(run.revision, committed, 'revision counts exactly the applied commits');
    assert.equal(run.outbox.length, committed, 'one outbox entry per applied commit');
    assert.ok(committed >= 1 && committed <= 200, `${committed} applied`);
    assert.equal(run.appliedOffsets['curriculum.trainer.metrics:0'], '199');
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

serviceTest('key prefixes isolate stores; run ids with separators cannot collide', REDIS, async () => {
  const one = newStore(uniquePrefix('iso-a'));
  const two = newStore(uniquePrefix('iso-b'));
  try {
    await one.commit({ runId: 'a', snapshot: 'A', source: null, outbox: [] });
    await one.commit({ runId: 'a}:offsets', snapshot: 'weird', source: null, outbox: [] });
    assert.equal(await two.isEmpty(), true);
    assert.equal((await one.load('a'))?.snapshot, 'A');
    assert.deepEqual((await one.load('a'))?.appliedOffsets, {});
    assert.equal((await one.load('a}:offsets'))?.snapshot, 'weird');
  } finally {
    await Promise.all([one.close(), two.close()]);
  }
});

serviceTest('TEST ONLY commit delay slows each commit by the configured time', REDIS, async () => {
  const store = newStore(uniquePrefix('delay'), { testOnlyCommitDelayMs: 150 });
  try {
    const started = performance.now();
    await store.commit({ runId: 'r', snapshot: {}, source: source('1'), outbox: [] });
    await store.commit({ runId: 'r', snapshot: {}, source: source('2'), outbox: [] });
    assert.ok(performance.now() - started >= 300);
  } finally {
    await store.close();
  }
});

serviceTest('a resent commit (same commit id, as ioredis resends after a reconnect) answers its first outcome and applies once', REDIS, async () => {
  const prefix = uniquePrefix('replay');
  const store = newStore(prefix);
  const raw = new Redis(env('CURRICULUM_REDIS_URL'));
  try {
    const script = readFileSync(new URL('../../store/redis/lua/commit.lua', import.meta.url), 'utf8');
    const k = store.keys.forRun('r');
    const keys = [store.keys.runIds, store.keys.pendingOutbox, k.run, k.offsets, k.outbox, k.outboxEvents];
    const event = decision('r', 1);
    const args = ['r', 'commit-1', JSON.stringify({ v: 1 }), '1', 'curriculum.trainer.metrics:0', '7', '1', event.eventId, JSON.stringify(event)];
    assert.deepEqual(await raw.eval(script, keys.length, ...keys, ...args), [['committed', 1]]);
    const after = await store.load('r');
    assert.deepEqual(await raw.eval(script, keys.length, ...keys, ...args), [['committed', 1]], 'same answer, not "stale"');
    assert.deepEqual(await store.load('r'), after, 'nothing applied twice');
    assert.deepEqual(await raw.eval(script, keys.length, ...keys, 'r', 'commit-2', '{}', '1', 'curriculum.trainer.metrics:0', '7', '0'), [['stale', '7']]);
  } finally {
    await raw.quit();
    await store.close();
  }
});

serviceTest('a batch commit fences each run on its own, on every position it carries, in one call', REDIS, async () => {
  const store = newStore(uniquePrefix('many'));
  try {
    await store.commit({ runId: 'b', snapshot: { v: 1 }, source: source('10'), outbox: [] });
    const outcomes = await store.commitMany([
      { runId: 'a', snapshot: { v: 'a' }, sources: [source('4'), source('2', 0, 'curriculum.checkpoints')], outbox: [decision('a', 1)] },
      // One of b's two positions is not above what b applied: nothing of b is written.
      { runId: 'b', snapshot: { v: 'stale' }, sources: [source('3', 0, 'curriculum.checkpoints'), source('10')], outbox: [decision('b', 1)] },
      { runId: 'c', snapshot: { v: 'c' }, sources: [], outbox: [] },
    ]);
    assert.deepEqual(outcomes, [
      { status: 'committed', revision: 1 },
      { status: 'stale', appliedOffset: '10' },
      { status: 'committed', revision: 1 },
    ]);
    const [a, b, c, none] = await store.loadMany(['a', 'b', 'c', 'nobody']);
    assert.deepEqual(a?.appliedOffsets, { 'curriculum.trainer.metrics:0': '4', 'curriculum.checkpoints:0': '2' });
    assert.deepEqual(a?.outbox, [decision('a', 1)]);
    assert.deepEqual(b, { runId: 'b', snapshot: { v: 1 }, revision: 1, appliedOffsets: { 'curriculum.trainer.metrics:0': '10' }, outbox: [] });
    assert.deepEqual(c?.snapshot, { v: 'c' });
    assert.equal(none, null);
    assert.deepEqual(await store.runsWithPendingOutbox(), ['a']);
    await store.acknowledgeOutboxMany([{ runId: 'a', eventIds: [decision('a', 1).eventId] }, { runId: 'c', eventIds: ['unknown'] }]);
    assert.deepEqual(await store.runsWithPendingOutbox(), []);
  } finally {
    await store.close();
  }
});
