// Redis restarts (graceful and SIGKILL) with the AOF on: committed state survives, the client
// reconnects by itself, and a commit issued during the outage either succeeds after the
// reconnect or fails cleanly with CUR_STORE_UNAVAILABLE, leaving no partial write.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { isCurriculumError } from '../../schemas/errors.ts';
import type { CommitOutcome } from '../../store/run-store.ts';
import { env, REDIS_CONTROL, serviceTest } from '../support/service-gate.ts';
import { decision, newStore, source, uniquePrefix } from './redis-fixtures.ts';

const exec = promisify(execFile);
const redisCtl = (command: 'restart' | 'kill' | 'start' | 'stop') => exec(env('CURRICULUM_REDIS_CTL'), [command], { timeout: 60_000 });

serviceTest('a graceful restart and a SIGKILL both keep every acknowledged commit (AOF, fsync always)', REDIS_CONTROL, async () => {
  const prefix = uniquePrefix('aof');
  const store = newStore(prefix);
  try {
    for (let i = 1; i <= 50; i++) await store.commit({ runId: 'r', snapshot: { i }, source: source(String(i)), outbox: [decision('r', i)] });
    const before = await store.load('r');
    await redisCtl('restart');
    assert.deepEqual(await store.load('r'), before, 'same store object, reconnected: state intact after a restart');

    await store.commit({ runId: 'r', snapshot: { i: 51 }, source: source('51'), outbox: [] });
    const acknowledged = await store.load('r');
    await redisCtl('kill');
    await redisCtl('start');
    const fresh = newStore(prefix);
    try {
      assert.deepEqual(await fresh.load('r'), acknowledged, 'a new client sees everything acknowledged before SIGKILL');
      assert.equal(await fresh.isEmpty(), false);
      assert.deepEqual(await fresh.runsWithPendingOutbox(), ['r']);
    } finally {
      await fresh.close();
    }
  } finally {
    await store.close();
  }
}, { timeout: 120_000 });

serviceTest('commits during an outage succeed after the reconnect, once each', REDIS_CONTROL, async (t) => {
  const prefix = uniquePrefix('outage');
  const store = newStore(prefix);
  try {
    await store.commit({ runId: 'r', snapshot: { i: 0 }, source: source('0'), outbox: [] });
    await redisCtl('kill');
    assert.equal(await store.ping(), false, 'ping reports the outage without throwing');
    // Issued while Redis is down: ioredis queues them and sends them once it is back.
    const pending: Array<Promise<CommitOutcome>> = [];
    for (let i = 1; i <= 20; i++) pending.push(store.commit({ runId: 'r', snapshot: { i }, source: source(String(i)), outbox: [decision('r', i)] }));
    await new Promise((r) => setTimeout(r, 500));
    await redisCtl('start');
    const outcomes = await Promise.all(pending);
    assert.deepEqual(outcomes.map((o) => o.status), Array(20).fill('committed'));
    const run = await store.load('r');
    assert.equal(run?.revision, 21, 'each queued commit applied exactly once');
    assert.equal(run?.outbox.length, 20);
    assert.deepEqual(run?.snapshot, { i: 20 });
    assert.equal(await store.ping(), true);
    t.diagnostic('20 commits queued during the outage, all applied once after the reconnect');
  } finally {
    await store.close();
  }
}, { timeout: 120_000 });

serviceTest('a commit whose retries run out fails cleanly with CUR_STORE_UNAVAILABLE and writes nothing', REDIS_CONTROL, async () => {
  const prefix = uniquePrefix('giveup');
  const store = newStore(prefix, { maxRetriesPerRequest: 1, connectTimeoutMs: 500 });
  try {
    await store.commit({ runId: 'r', snapshot: { i: 0 }, source: source('0'), outbox: [] });
    const before = await store.load('r');
    await redisCtl('stop');
    let failure: unknown;
    try {
      await store.commit({ runId: 'r', snapshot: { i: 1 }, source: source('1'), outbox: [decision('r', 1)] });
    } catch (e) {
      failure = e;
    } finally {
      await redisCtl('start');
    }
    assert.ok(isCurriculumError(failure) && failure.code === 'CUR_STORE_UNAVAILABLE', `clean failure, got ${String(failure)}`);
    // The failed command is gone from the queue: nothing is replayed behind the caller's back.
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await store.load('r'), before, 'no partial (or late) write');
    // And the offset can still be applied: the caller's retry goes through.
    assert.equal((await store.commit({ runId: 'r', snapshot: { i: 1 }, source: source('1'), outbox: [] })).status, 'committed');
  } finally {
    await store.close();
  }
}, { timeout: 120_000 });
