// One contract, every state store: the memory store (embedded default, unit tests), the file
// store (embedded runs that can be resumed) and the Redis store (distributed mode, the real
// redis-server) commit, fence, keep the outbox idempotent, refuse corrupt data with
// CUR_STORE_CORRUPT and restore what they committed, alike.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { isCurriculumError } from '../../schemas/errors.ts';
import { FileRunStore } from '../../store/file-store.ts';
import { MemoryRunStore } from '../../store/memory-store.ts';
import { KeyLayout } from '../../store/redis/keys.ts';
import type { RunStore } from '../../store/run-store.ts';
import { env, REDIS, serviceTest, type ServiceRequirement } from '../support/service-gate.ts';
import { decision, newStore, source, uniquePrefix } from './redis-fixtures.ts';

interface Opened {
  store: RunStore;
  /** A new store over the same data, as after a restart (memory: the same store, it lives in the process). */
  reopen(): RunStore;
  /** Damages the stored record of a run; undefined where data never leaves the process as bytes. */
  corrupt?: (runId: string, part: 'snapshot' | 'outbox') => Promise<void>;
  /** Whether applied offsets survive a restore (the file store drops them: the embedded log restarts at 0). */
  offsetsSurviveRestore: boolean;
  close(): Promise<void>;
}

interface Backend {
  name: string;
  /** Keeps runs as bytes that can be damaged (the memory store keeps values: nothing to corrupt). */
  bytes: boolean;
  requires?: ServiceRequirement;
  open(): Promise<Opened>;
}

const BACKENDS: Backend[] = [
  {
    name: 'memory',
    bytes: false,
    open: async () => {
      const store = new MemoryRunStore();
      return { store, reopen: () => store, offsetsSurviveRestore: true, close: () => store.close() };
    },
  },
  {
    name: 'file',
    bytes: true,
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'curriculum-store-'));
      const opened: RunStore[] = [];
      const open = () => {
        const s = new FileRunStore(dir);
        opened.push(s);
        return s;
      };
      return {
        store: open(),
        reopen: open,
        corrupt: async (runId, part) => {
          const file = join(dir, runId, 'controller-state.json');
          if (part === 'snapshot') writeFileSync(file, '{"snapshot": {"state": "trai');
          else writeFileSync(file, JSON.stringify({ runId, snapshot: {}, revision: 1, appliedOffsets: {}, outbox: [{ type: 'lesson.explode' }] }));
        },
        offsetsSurviveRestore: false,
        close: async () => {
          await Promise.all(opened.map((s) => s.close()));
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'redis',
    bytes: true,
    requires: REDIS,
    open: async () => {
      const prefix = uniquePrefix('contract');
      const opened: RunStore[] = [];
      const open = () => {
        const s = newStore(prefix);
        opened.push(s);
        return s;
      };
      const keys = new KeyLayout(prefix);
      return {
        store: open(),
        reopen: open,
        corrupt: async (runId, part) => {
          const redis = new Redis(env('CURRICULUM_REDIS_URL'));
          try {
            const k = keys.forRun(runId);
            if (part === 'snapshot') await redis.hset(k.run, 'snapshot', '{"state": "trai');
            else await redis.hset(k.outboxEvents, `${runId}-ev-1`, JSON.stringify({ type: 'lesson.explode' }));
          } finally {
            redis.disconnect();
          }
        },
        offsetsSurviveRestore: true,
        close: async () => void (await Promise.all(opened.map((s) => s.close()))),
      };
    },
  },
];

const CASES: Array<{ name: string; needsBytes?: true; run: (o: Opened) => Promise<void> }> = [
  {
    name: 'commit writes snapshot, revision, offsets and outbox together; load reads them back',
    run: async ({ store }) => {
      assert.equal(await store.isEmpty(), true);
      assert.equal(await store.load('run-1'), null);
      assert.deepEqual(await store.commit({ runId: 'run-1', snapshot: { state: 'a' }, source: source('5'), outbox: [decision('run-1', 1)] }), { status: 'committed', revision: 1 });
      assert.deepEqual(await store.commit({ runId: 'run-1', snapshot: { state: 'b' }, source: source('6'), outbox: [decision('run-1', 2)] }), { status: 'committed', revision: 2 });
      assert.deepEqual(await store.load('run-1'), {
        runId: 'run-1',
        snapshot: { state: 'b' },
        revision: 2,
        appliedOffsets: { 'curriculum.trainer.metrics:0': '6' },
        outbox: [decision('run-1', 1), decision('run-1', 2)],
      });
      assert.equal(await store.isEmpty(), false);
      assert.deepEqual(await store.listRunIds(), ['run-1']);
      assert.equal(await store.ping(), true);
    },
  },
  {
    name: 'the fence: a stale or duplicate position changes nothing; partitions, topics and position-less changes are separate',
    run: async ({ store }) => {
      await store.commit({ runId: 'r', snapshot: { v: 1 }, source: source('10'), outbox: [decision('r', 1)] });
      const before = await store.load('r');
      for (const offset of ['10', '9', '0']) {
        assert.deepEqual(await store.commit({ runId: 'r', snapshot: { v: 'stale' }, source: source(offset), outbox: [decision('r', 99)] }), { status: 'stale', appliedOffset: '10' }, offset);
      }
      assert.deepEqual(await store.load('r'), before, 'untouched');
      assert.equal((await store.commit({ runId: 'r', snapshot: { v: 2 }, source: source('3', 1), outbox: [] })).status, 'committed');
      assert.equal((await store.commit({ runId: 'r', snapshot: { v: 3 }, source: source('3', 0, 'curriculum.feedback'), outbox: [] })).status, 'committed');
      assert.equal((await store.commit({ runId: 'r', snapshot: { v: 4 }, source: null, outbox: [] })).status, 'committed');
      // 64-bit offsets compare exactly: these two are one double.
      assert.equal((await store.commit({ runId: 'r', snapshot: 5, source: source('9007199254740993', 2), outbox: [] })).status, 'committed');
      assert.equal((await store.commit({ runId: 'r', snapshot: 6, source: source('9007199254740992', 2), outbox: [] })).status, 'stale');
      const after = await store.load('r');
      assert.equal(after?.revision, 5);
      assert.deepEqual(after?.appliedOffsets, {
        'curriculum.trainer.metrics:0': '10',
        'curriculum.trainer.metrics:1': '3',
        'curriculum.feedback:0': '3',
        'curriculum.trainer.metrics:2': '9007199254740993',
      });
    },
  },
  {
    name: 'commitMany: each run fenced on its own, outcomes in input order',
    run: async ({ store }) => {
      await store.commit({ runId: 'b', snapshot: 'b0', source: source('7'), outbox: [] });
      const outcomes = await store.commitMany([
        { runId: 'a', snapshot: 'a1', sources: [source('1'), source('2', 1)], outbox: [decision('a', 1)] },
        { runId: 'b', snapshot: 'b1', sources: [source('8'), source('0', 1)], outbox: [] },
        { runId: 'c', snapshot: 'c1', sources: [source('5')], outbox: [] },
        { runId: 'b', snapshot: 'b-stale', sources: [source('7')], outbox: [decision('b', 9)] },
      ]);
      assert.deepEqual(outcomes, [
        { status: 'committed', revision: 1 },
        { status: 'committed', revision: 2 },
        { status: 'committed', revision: 1 },
        { status: 'stale', appliedOffset: '8' },
      ]);
      assert.deepEqual((await store.loadMany(['c', 'nope', 'b'])).map((r) => r?.snapshot ?? null), ['c1', null, 'b1']);
      assert.deepEqual((await store.load('b'))?.outbox, []);
    },
  },
  {
    name: 'the outbox is idempotent: an event id already pending is not appended again; acks remove, in order',
    run: async ({ store }) => {
      await store.commit({ runId: 'r1', snapshot: {}, source: source('1'), outbox: [decision('r1', 1), decision('r1', 2), decision('r1', 3)] });
      await store.commit({ runId: 'r2', snapshot: {}, source: source('1', 1), outbox: [] });
      await store.commit({ runId: 'r3', snapshot: {}, source: null, outbox: [decision('r3', 1)] });
      // A replayed transition repeats ids: within one commit and across commits.
      await store.commit({ runId: 'r1', snapshot: {}, source: source('2'), outbox: [decision('r1', 3), decision('r1', 4), decision('r1', 4)] });
      assert.deepEqual((await store.load('r1'))?.outbox.map((e) => e.eventId), ['r1-ev-1', 'r1-ev-2', 'r1-ev-3', 'r1-ev-4']);
      assert.deepEqual((await store.runsWithPendingOutbox()).sort(), ['r1', 'r3']);
      await store.acknowledgeOutbox('r1', ['r1-ev-2', 'unknown-id']);
      assert.deepEqual((await store.load('r1'))?.outbox.map((e) => e.eventId), ['r1-ev-1', 'r1-ev-3', 'r1-ev-4']);
      await store.acknowledgeOutboxMany([{ runId: 'r1', eventIds: ['r1-ev-1', 'r1-ev-3', 'r1-ev-4'] }, { runId: 'r3', eventIds: ['r3-ev-1'] }]);
      await store.acknowledgeOutbox('never-stored', ['x']);
      assert.deepEqual((await store.load('r1'))?.outbox, []);
      assert.deepEqual(await store.runsWithPendingOutbox(), []);
      assert.deepEqual((await store.listRunIds()).sort(), ['r1', 'r2', 'r3']);
    },
  },
  {
    name: 'restore: a new store over the same data reads back what was committed',
    run: async ({ store, reopen, offsetsSurviveRestore }) => {
      await store.commit({ runId: 'r', snapshot: { state: 'training', step: 40 }, source: source('3'), outbox: [decision('r', 1)] });
      await store.commit({ runId: 'r', snapshot: { state: 'evaluating', step: 50 }, source: source('4'), outbox: [decision('r', 2)] });
      await store.acknowledgeOutbox('r', ['r-ev-1']);
      const restored = reopen();
      assert.deepEqual(await restored.load('r'), {
        runId: 'r',
        snapshot: { state: 'evaluating', step: 50 },
        revision: 2,
        appliedOffsets: offsetsSurviveRestore ? { 'curriculum.trainer.metrics:0': '4' } : {},
        outbox: [decision('r', 2)],
      });
      assert.deepEqual(await restored.runsWithPendingOutbox(), ['r']);
      assert.equal(await restored.isEmpty(), false);
      assert.deepEqual((await restored.commit({ runId: 'r', snapshot: {}, source: source('5'), outbox: [] })), { status: 'committed', revision: 3 });
    },
  },
  {
    name: 'corrupt data is CUR_STORE_CORRUPT, every time it is read: never "no such run"',
    needsBytes: true,
    run: async ({ store, reopen, corrupt }) => {
      assert.ok(corrupt);
      for (const part of ['snapshot', 'outbox'] as const) {
        const runId = `bad-${part}`;
        await store.commit({ runId, snapshot: { ok: true }, source: source('1'), outbox: [decision(runId, 1)] });
        await corrupt(runId, part);
        const restored = reopen();
        for (let attempt = 0; attempt < 2; attempt++) {
          await assert.rejects(restored.load(runId), (e: unknown) => isCurriculumError(e) && e.code === 'CUR_STORE_CORRUPT' && e.message.includes(runId), `${part}, read ${attempt + 1}`);
        }
      }
    },
  },
];

for (const backend of BACKENDS) {
  for (const c of CASES) {
    const name = `${backend.name} store: ${c.name}`;
    const body = async () => {
      const opened = await backend.open();
      try {
        await c.run(opened);
      } finally {
        await opened.close();
      }
    };
    if (c.needsBytes && !backend.bytes) test(name, { skip: 'the memory store keeps values, not bytes: nothing to corrupt' }, () => undefined);
    else if (backend.requires) serviceTest(name, backend.requires, body);
    else test(name, body);
  }
}
