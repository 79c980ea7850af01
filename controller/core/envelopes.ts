// Building the envelopes the core emits. Ids are deterministic (`${runId}:cmd:${n}`,
// `${runId}:dec:${n}`) and producedAt is the causing event's time, so output is a pure function of input.
import { SCHEMA_VERSION, type AnyEvent, type EnvelopeOf, type EventType, type PayloadOf, type Reason, type RunConfig } from '../../schemas/events.ts';
import type { ResolvedSpec } from '../../schemas/spec.ts';
import type { RunData } from './snapshot.ts';

export type CommandType = 'lesson.start' | 'checkpoint.evaluate' | 'checkpoint.revert' | 'run.stop';

export interface Emitter {
  runId: string;
  producer: string;
  producedAt: string;
  causedBy: string | null;
  data: RunData;
  commands: AnyEvent[];
  decisions: EnvelopeOf<'decision'>[];
}

export function nextCommandId(e: Emitter): { commandId: string; sequence: number } {
  const sequence = e.data.nextCommand;
  e.data.nextCommand = sequence + 1;
  return { commandId: `${e.runId}:cmd:${sequence}`, sequence };
}

// Envelopes are written out rather than built with makeEvent's object spread (slow on Node 20, see clone-data.ts).
function envelope<T extends EventType>(type: T, eventId: string, e: Emitter, sequence: number, payload: PayloadOf<T>): EnvelopeOf<T> {
  return { eventId, runId: e.runId, type, schemaVersion: SCHEMA_VERSION, producedAt: e.producedAt, producer: e.producer, sequence, payload };
}

export function emitCommand<T extends CommandType>(e: Emitter, type: T, commandId: string, sequence: number, payload: PayloadOf<T>): void {
  e.commands.push(envelope(type, commandId, e, sequence, payload) as AnyEvent);
}

export function emitDecision(e: Emitter, kind: PayloadOf<'decision'>['kind'], from: string, to: string, reasons: Reason[]): void {
  const sequence = e.data.nextDecision;
  e.data.nextDecision = sequence + 1;
  const decisionId = `${e.runId}:dec:${sequence}`;
  const payload: PayloadOf<'decision'> = { decisionId, sequence, step: e.data.step, kind, from, to, reasons, causedBy: e.causedBy };
  e.decisions.push(envelope('decision', decisionId, e, sequence, payload));
  e.data.lastDecision = payload;
  e.data.decisionsCount += 1;
}

const runConfigs = new WeakMap<ResolvedSpec, Map<string, RunConfig>>();

/** What executors need to know about the run; built once per spec and base directory. */
export function runConfigOf(spec: ResolvedSpec, baseDir: string): RunConfig {
  let byDir = runConfigs.get(spec);
  if (!byDir) {
    byDir = new Map();
    runConfigs.set(spec, byDir);
  }
  const hit = byDir.get(baseDir);
  if (hit) return hit;
  const config: RunConfig = {
    seed: spec.seed,
    model: spec.model,
    optimizer: spec.optimizer,
    batchSize: spec.training.batchSize,
    backend: spec.training.backend,
    tasks: spec.tasks,
    samplesPerTask: spec.evaluation.samplesPerTask,
    baseDir,
    // Optional and absent unless the spec asks for replay, so existing commands stay byte-identical.
    ...(spec.training.replay ? { replay: spec.training.replay } : {}),
    ...(spec.tokenizer ? { tokenizer: spec.tokenizer } : {}),
  };
  byDir.set(baseDir, config);
  return config;
}

export function reason(code: string, policy: string, holds: boolean, message: string, extra: Partial<Reason> = {}): Reason {
  return { code, policy, holds, message, ...extra };
}
