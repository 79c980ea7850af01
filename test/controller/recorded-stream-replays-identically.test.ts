// Determinism: replaying the committed recorded stream (with its redeliveries and a late event
// from a reverted branch) from the same spec gives byte-identical decision logs and commands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { applyEvent, createRun, describeRun, type RunSnapshot } from '../../controller/core/index.ts';
import { parseSpecValue } from '../../schemas/spec-loader.ts';
import { decodeEvent } from '../../schemas/decode.ts';
import type { AnyEvent } from '../../schemas/events.ts';
import { STREAM_FILE, type RecordedStream } from './support/write-fixtures.ts';

function load(): RecordedStream & { parsed: AnyEvent[] } {
  const raw = JSON.parse(readFileSync(STREAM_FILE, 'utf8')) as RecordedStream;
  // The fixture is external input: decode every event at the edge, as the runtime does.
  const parsed = raw.events.map((e) => {
    const decoded = decodeEvent(JSON.stringify(e));
    if (!decoded.ok) throw new Error(`fixture event ${e.eventId}: ${decoded.reason}`);
    return decoded.event;
  });
  return { ...raw, parsed };
}

function replay(stream: ReturnType<typeof load>): { log: string; commands: string; outcomes: string[]; snapshot: RunSnapshot } {
  const spec = parseSpecValue(stream.spec, 'recorded spec');
  const start = createRun({ runId: stream.runId, spec, baseDir: stream.baseDir, producer: stream.producer, now: stream.now });
  let snapshot = start.snapshot;
  const decisions = [...start.decisions];
  const commands = [...start.commands];
  const outcomes: string[] = [];
  for (const e of stream.parsed) {
    const r = applyEvent(snapshot, e);
    snapshot = r.snapshot;
    decisions.push(...r.decisions);
    commands.push(...r.commands);
    outcomes.push(r.outcome);
  }
  return { log: decisions.map((d) => JSON.stringify(d)).join('\n'), commands: commands.map((c) => JSON.stringify(c)).join('\n'), outcomes, snapshot };
}

test('two replays of the recorded stream give byte-identical decision logs', () => {
  const stream = load();
  const first = replay(stream);
  const second = replay(load());
  assert.equal(first.log, second.log);
  assert.equal(first.commands, second.commands);
  assert.equal(JSON.stringify(first.snapshot), JSON.stringify(second.snapshot));
  assert.ok(first.log.length > 10000);
});

test('the replay reaches the scripted end, with every redelivery and the late event recognised', () => {
  const stream = load();
  const { outcomes, snapshot, log } = replay(stream);
  const view = describeRun(snapshot);
  assert.deepEqual([view.state, view.stageId, view.reverts, view.earlyStopped], ['stopped', 's3', 1, true]);
  const redeliveries = stream.events.filter((e, i) => i > 0 && stream.events[i - 1]?.eventId === e.eventId).length;
  assert.equal(outcomes.filter((o) => o === 'duplicate').length, redeliveries);
  assert.equal(view.counters['stale.branch'], 1);
  const kinds = log.split('\n').map((l) => (JSON.parse(l) as { payload: { kind: string } }).payload.kind);
  for (const k of ['advance', 'plateau', 'review', 'regression-review', 'revert', 'revert-blocked', 'early-stop']) assert.ok(kinds.includes(k), k);
});
