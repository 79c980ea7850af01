// Builders for trainer and evaluator commands in tests and the speed benchmark.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { AnyEvent, EventType } from '../../schemas/events.ts';
import { EventFactory } from '../../trainer/envelopes.ts';
import { Trainer } from '../../trainer/trainer.ts';
import { Evaluator } from '../../evaluator/evaluator.ts';
import { makeEvent } from '../../schemas/envelope.ts';
import type { EnvelopeOf, RunConfig, StartLesson, EvaluateCheckpoint } from '../../schemas/events.ts';
import type { TaskSpec } from '../../schemas/spec.ts';
import { isBackendName, type BackendName } from '../../trainer/backend.ts';

export function additionTask(id: string, digits: number, extra: Partial<TaskSpec> = {}): TaskSpec {
  return { id, skill: 'addition', difficulty: digits, generator: { kind: 'addition', digits, minDigits: 1 }, ...extra };
}

export function digitsTask(id: string, permutation: number, trainExamples = 1000): TaskSpec {
  return { id, skill: 'digits', difficulty: 1, generator: { kind: 'permuted-digits', permutation, trainExamples } };
}

export function runConfig(overrides: Partial<RunConfig> = {}): RunConfig {
  return {
    seed: 7,
    model: { kind: 'seq2seq', cell: 'gru', units: 64 },
    optimizer: { kind: 'adam', gradientClipNorm: 1 },
    batchSize: 64,
    backend: 'wasm',
    tasks: [additionTask('add-1', 1)],
    samplesPerTask: 200,
    baseDir: process.cwd(),
    ...overrides,
  };
}

let sequence = 0;

export function lessonCommand(runId: string, run: RunConfig, fields: Partial<StartLesson> & { lessonId: string }): EnvelopeOf<'lesson.start'> {
  const payload: StartLesson = {
    commandId: `${fields.lessonId}:cmd`,
    run,
    stage: 'stage-1',
    stageIndex: 0,
    branch: 0,
    purpose: 'train',
    taskWeights: { [run.tasks[0]?.id ?? 'add-1']: 1 },
    learningRate: { kind: 'constant', value: 0.01, warmupSteps: 0 },
    learningRateScale: 1,
    scheduleOffsetSteps: 0,
    steps: 20,
    startStep: 0,
    checkpointEvery: 1000000,
    metricsEvery: 10,
    fromCheckpointId: null,
    samplerSeed: 11,
    ...fields,
  };
  return makeEvent('lesson.start', { eventId: `${payload.commandId}:event`, runId, producer: 'test', sequence: sequence++, producedAt: new Date().toISOString() }, payload);
}

export function evaluateCommand(runId: string, run: RunConfig, fields: Partial<EvaluateCheckpoint> & { checkpointId: string }): EnvelopeOf<'checkpoint.evaluate'> {
  const payload: EvaluateCheckpoint = {
    commandId: `${fields.checkpointId}:evaluate`,
    run,
    branch: 0,
    step: 0,
    suites: ['heldout'],
    tasks: run.tasks.map((t) => t.id),
    ...fields,
  };
  return makeEvent('checkpoint.evaluate', { eventId: `${payload.commandId}:event`, runId, producer: 'test', sequence: sequence++, producedAt: new Date().toISOString() }, payload);
}

export const silent = pino({ level: 'silent' });

/**
 * The backend the trainer and evaluator tests run on: wasm, or the one CURRICULUM_TEST_BACKEND
 * names (the test runner runs test/trainer and test/evaluator a second time on tensorflow).
 */
export function testBackend(): BackendName {
  const name = process.env['CURRICULUM_TEST_BACKEND'] ?? 'wasm';
  if (!isBackendName(name)) throw new Error(`CURRICULUM_TEST_BACKEND="${name}" is not a backend name`);
  return name;
}

export function tempRoot(): string {
  return mkdtempSync(join(tmpdir(), 'curriculum-ckpt-'));
}

/** A trainer and an evaluator in-process, publishing into one array. */
export function harness(root = tempRoot(), onEmit: (e: AnyEvent) => void = () => undefined) {
  const events: AnyEvent[] = [];
  const emit = async (batch: AnyEvent[]) => {
    for (const e of batch) {
      events.push(e);
      onEmit(e);
    }
  };
  const trainer = new Trainer({ checkpointRoot: root, backend: testBackend(), events: new EventFactory('trainer-test'), emit, logger: silent });
  const evaluator = new Evaluator({ checkpointRoot: root, events: new EventFactory('evaluator-test'), emit, logger: silent });
  const of = <T extends EventType>(type: T) => events.filter((e): e is Extract<AnyEvent, { type: T }> => e.type === type);
  return { root, events, trainer, evaluator, of };
}
