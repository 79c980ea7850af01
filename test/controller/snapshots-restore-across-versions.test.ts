// Snapshot versioning: the committed golden snapshot of every released machine version restores
// and continues exactly like the run it was taken from; broken or unknown snapshots are errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { CurriculumError } from '../../schemas/errors.ts';
import { MACHINE_ID, MACHINE_VERSION, applyEvent, describeRun, restoreSnapshot, type RunSnapshot } from '../../controller/core/index.ts';
import { migrate, restoreWith, type Migration } from '../../controller/core/migrations.ts';
import { goldenFile, STREAM_FILE, type RecordedStream } from './support/write-fixtures.ts';
import { scenarioRun } from './support/scenario.ts';

const golden = (v: number): unknown => JSON.parse(readFileSync(goldenFile(v), 'utf8'));

function throwsCode(fn: () => unknown, code: string, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof CurriculumError && e.code === code && (message === undefined || message.test(e.message + e.details.join(' '))));
}

test('a golden snapshot is committed for every version up to the current one', () => {
  for (let v = 1; v <= MACHINE_VERSION; v++) assert.ok(existsSync(goldenFile(v)), goldenFile(v));
});

test('every golden snapshot restores, upgraded to the current version, in the run state it was taken in', () => {
  for (let v = 1; v <= MACHINE_VERSION; v++) {
    const restored = restoreSnapshot(golden(v));
    assert.equal(restored.machineId, MACHINE_ID);
    assert.equal(restored.machineVersion, MACHINE_VERSION);
    const view = describeRun(restored);
    assert.deepEqual([view.state, view.stageId, view.branch, view.reverts, view.lessons], ['evaluating', 's3', 1, 1, 13], `v${v}`);
    assert.deepEqual(Object.keys(view.mastered), ['a', 'b']);
  }
});

test('the v1 -> v2 migration adds the teacher notes and keeps everything else', () => {
  const v1 = golden(1) as { machineVersion: number; data: Record<string, unknown> };
  assert.equal(v1.machineVersion, 1);
  assert.equal('teacherNotes' in v1.data, false);
  const restored = restoreSnapshot(v1);
  assert.deepEqual(restored.data.teacherNotes, []);
  // continual: extended by the v2 -> v3 migration (test/continual/snapshot-v2-upgrades-to-v3.test.ts).
  assert.deepEqual({ ...restored.data, teacherNotes: undefined, continual: undefined }, { ...v1.data, teacherNotes: undefined, continual: undefined });
});

for (let version = 1; version <= MACHINE_VERSION; version++) {
  test(`a restored v${version} golden snapshot continues exactly like the uninterrupted run`, () => continuesLikeTheRun(version));
}

function continuesLikeTheRun(version: number): void {
  const stream = JSON.parse(readFileSync(STREAM_FILE, 'utf8')) as RecordedStream;
  let snapshot: RunSnapshot = restoreSnapshot(golden(version));
  const rest = stream.events.slice(stream.events.findIndex((e) => e.eventId === restoredCause(snapshot)) + 1);
  const decisions: string[] = [];
  for (const e of rest) {
    const r = applyEvent(snapshot, e);
    snapshot = r.snapshot;
    decisions.push(...r.decisions.map((d) => JSON.stringify(d)));
  }
  const full = scenarioRun();
  const tail = full.decisions.slice(full.decisions.length - decisions.length).map((d) => JSON.stringify(d));
  assert.deepEqual(decisions, tail);
  assert.equal(describeRun(snapshot).state, 'stopped');
}

function restoredCause(s: RunSnapshot): string {
  return s.data.recentEventIds.at(-1) ?? '';
}

test('a snapshot survives a JSON round trip unchanged', () => {
  const s = scenarioRun().snapshot;
  assert.deepEqual(restoreSnapshot(JSON.parse(JSON.stringify(s))), s);
});

test('broken snapshots are errors, never a fresh run', () => {
  const g = golden(1) as Record<string, unknown>;
  throwsCode(() => restoreSnapshot(null), 'CUR_SNAPSHOT_RESTORE');
  throwsCode(() => restoreSnapshot({ ...g, machineId: 'other' }), 'CUR_SNAPSHOT_RESTORE', /other/);
  throwsCode(() => restoreSnapshot({ ...g, machineVersion: 'x' }), 'CUR_SNAPSHOT_RESTORE');
  throwsCode(() => restoreSnapshot({ ...g, machineVersion: MACHINE_VERSION + 1 }), 'CUR_SNAPSHOT_VERSION', /newer/);
  const machine = g.machine as Record<string, unknown>;
  throwsCode(() => restoreSnapshot({ ...g, machine: { ...machine, value: 'flying' } }), 'CUR_SNAPSHOT_RESTORE', /flying/);
  throwsCode(() => restoreSnapshot({ ...g, machine: { ...machine, status: 'error' } }), 'CUR_SNAPSHOT_RESTORE', /error/);
  throwsCode(() => restoreSnapshot({ ...g, machine: { ...machine, context: { ...(machine.context as object), stageIndex: 7 } } }), 'CUR_SNAPSHOT_RESTORE', /stageIndex/);
  throwsCode(() => restoreSnapshot({ ...g, spec: { name: 'x' } }), 'CUR_SNAPSHOT_RESTORE', /spec/);
  throwsCode(() => restoreSnapshot({ ...g, data: { ...(g.data as object), step: 'seven' } }), 'CUR_SNAPSHOT_RESTORE', /data.step/);
});

test('the migration chain upgrades one version at a time and refuses gaps', () => {
  // A synthetic chain exercises the mechanism beyond the shipped steps.
  const chain: Record<number, Migration> = {
    1: (s) => ({ ...s, machineVersion: 2, note: 'v2' }),
    2: (s) => ({ ...s, machineVersion: 3, note: `${String(s.note)}+v3` }),
  };
  assert.deepEqual(migrate({ machineVersion: 1 }, 3, chain), { machineVersion: 3, note: 'v2+v3' });
  throwsCode(() => migrate({ machineVersion: 1 }, 3, { 1: chain[1]! }), 'CUR_SNAPSHOT_VERSION', /no migration from snapshot version 2/);
  throwsCode(() => migrate({ machineVersion: 1 }, 2, { 1: (s) => ({ ...s, machineVersion: 5 }) }), 'CUR_SNAPSHOT_RESTORE');
  // Without its migration step a v1 snapshot is refused, not silently loaded.
  throwsCode(() => restoreWith(golden(1), {}, 2), 'CUR_SNAPSHOT_VERSION', /no migration from snapshot version 1/);
});
