// Writes the controller fixtures: `npx tsx test/controller/support/write-fixtures.ts [stream|golden]`.
// The recorded stream is the scenario's input events with repeats and a stale event mixed in.
// The golden snapshot of a machine version is written once, when that version is released, and
// never regenerated: tests restore it to prove old snapshots still load.
import { writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyEvent } from '../../../schemas/events.ts';
import { MACHINE_VERSION, applyEvent, createRun } from '../../../controller/core/index.ts';
import { scenarioRun } from './scenario.ts';

const dir = join(import.meta.dirname, '..', '..', 'fixtures', 'controller');
export const STREAM_FILE = join(dir, 'recorded-stream.v1.json');
export const goldenFile = (version: number) => join(dir, `snapshot.v${version}.json`);

export interface RecordedStream {
  runId: string;
  producer: string;
  baseDir: string;
  now: string;
  spec: unknown;
  events: AnyEvent[];
}

function recordStream(): RecordedStream {
  const sim = scenarioRun();
  const events: AnyEvent[] = [];
  sim.inputs.forEach((e, i) => {
    events.push(e);
    if (i % 10 === 3) events.push(e); // a redelivery
  });
  // A metrics event of the reverted branch 0 arriving late.
  const stale = sim.inputs.find((e) => e.type === 'trainer.metrics' && e.payload.branch === 0 && e.payload.step > 1100);
  if (stale) events.splice(events.length - 5, 0, { ...stale, eventId: 'late-from-branch-0' });
  return { runId: sim.runId, producer: 'controller-test', baseDir: '/data', now: '2026-01-01T00:00:00.000Z', spec: sim.spec, events };
}

function goldenSnapshot(stream: RecordedStream): unknown {
  // Mid-run after the revert: a branch, reverts, mastered tasks, a CL matrix and a lesson in flight.
  let snapshot = createRun({ runId: stream.runId, spec: stream.spec as never, baseDir: stream.baseDir, producer: stream.producer, now: stream.now }).snapshot;
  for (const e of stream.events) {
    snapshot = applyEvent(snapshot, e).snapshot;
    if (snapshot.data.reverts === 1 && snapshot.data.lessons === 13) break;
  }
  return snapshot;
}

// Only when run as a script: tests import the paths, and an import must never rewrite a fixture.
const main = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
const what = main ? (process.argv[2] ?? 'stream') : null;
if (what === 'stream') writeFileSync(STREAM_FILE, `${JSON.stringify(recordStream(), null, 1)}\n`);
if (what === 'golden') {
  const file = goldenFile(MACHINE_VERSION);
  if (existsSync(file)) throw new Error(`${file} exists: golden snapshots of released versions are never rewritten`);
  writeFileSync(file, `${JSON.stringify(goldenSnapshot(JSON.parse(JSON.stringify(recordStream())) as RecordedStream), null, 1)}\n`);
}
