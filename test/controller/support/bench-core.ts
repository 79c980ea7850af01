// Throughput of the pure core, in-memory: `npx tsx test/controller/support/bench-core.ts`.
// Prints events/s for the committed recorded stream (about a quarter non-metrics events) and for
// a metrics-heavy run (100 metrics windows per lesson), plus the size of an idle run's snapshot.
// Not a test: speed depends on the machine; tests assert behaviour only.
import { readFileSync } from 'node:fs';
import { applyEvent, createRun, type RunSnapshot } from '../../../controller/core/index.ts';
import { parseSpecValue } from '../../../schemas/spec-loader.ts';
import type { AnyEvent } from '../../../schemas/events.ts';
import type { ResolvedSpec } from '../../../schemas/spec.ts';
import { SimulatedRun } from './simulated-executors.ts';
import { spec } from './specs.ts';
import { STREAM_FILE, type RecordedStream } from './write-fixtures.ts';

function replay(s: ResolvedSpec, runId: string, events: readonly AnyEvent[]): RunSnapshot {
  let snapshot = createRun({ runId, spec: s, baseDir: '/data', producer: 'controller-test', now: '2026-01-01T00:00:00.000Z' }).snapshot;
  for (const e of events) snapshot = applyEvent(snapshot, e).snapshot;
  return snapshot;
}

function measure(label: string, s: ResolvedSpec, runId: string, events: readonly AnyEvent[], rounds: number): RunSnapshot {
  for (let i = 0; i < Math.max(5, rounds / 10); i++) replay(s, runId, events);
  const t0 = performance.now();
  let last: RunSnapshot | undefined;
  for (let i = 0; i < rounds; i++) last = replay(s, runId, events);
  const seconds = (performance.now() - t0) / 1000;
  console.log(`${label}: ${events.length} events per run, ${Math.round((rounds * events.length) / seconds)} events/s`);
  return last as RunSnapshot;
}

const stream = JSON.parse(readFileSync(STREAM_FILE, 'utf8')) as RecordedStream;
measure('recorded stream', parseSpecValue(stream.spec, 'recorded spec'), stream.runId, stream.events, 1000);

const heavy = new SimulatedRun(spec({ training: { batchSize: 32, lessonSteps: 1000, metricsEvery: 10, maxSteps: 100000 } }), (_t, c) => 0.5 + 0.01 * c.index);
heavy.start();
for (let i = 0; i < 60; i++) heavy.answerNext();
const end = measure('metrics-heavy', heavy.spec, heavy.runId, heavy.inputs, 20);
console.log(`snapshot JSON: ${JSON.stringify(end).length} bytes`);
