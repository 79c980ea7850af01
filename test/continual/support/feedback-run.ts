// A run that takes feedback, without trainer or evaluator: a real controller on the embedded bus
// and file store, its run started from a small addition spec with the continual phase enabled
// (deployment "prod"). The run stays in its first stage (nobody trains), which is enough for
// admission, pooling and counting; the metrics hooks feed a registry the tests read.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { ControllerService } from '../../../controller/runtime/controller-service.ts';
import { metricsHooks } from '../../../controller/runtime/metrics-hooks.ts';
import { createControllerMetrics } from '../../../observability/metrics.ts';
import { loadSpecFile } from '../../../schemas/spec-loader.ts';
import type { Feedback } from '../../../schemas/events.ts';
import type { EventBus } from '../../../transport/bus.ts';
import { MemoryBus } from '../../../transport/memory-bus.ts';
import { FileRunStore } from '../../../store/file-store.ts';
import type { RunStore } from '../../../store/run-store.ts';

export const SPEC_YAML = `apiVersion: curriculum/v1
name: feedback-run
seed: 3
model: { kind: seq2seq, cell: gru, units: 8 }
training: { batchSize: 8, lessonSteps: 10, metricsEvery: 10, maxSteps: 100 }
evaluation: { suites: [heldout], samplesPerTask: 16 }
tasks:
  - { id: add-1, skill: addition, difficulty: 1, generator: { kind: addition, digits: 1 } }
stages:
  - id: ones
    tasks: [add-1]
    teacher: { kind: uniform }
    learningRate: { kind: constant, value: 0.01 }
    advance: { gates: [{ metric: accuracy, task: add-1, threshold: 0.6 }], consecutive: 1, confidence: 0 }
    maxSteps: 100
continual: { enabled: true, deploymentId: prod, minFeedback: 4 }
`;

export const good: Feedback = { feedbackId: 'f1', deploymentId: 'prod', input: '1+2', prediction: '4', label: '3', category: 'no-carry', source: 'user', severity: 'low', observedAt: '2026-01-01T00:00:00.000Z' };

/** Rows that pass the schema but cannot apply to the run, each with the words its refusal must name. */
export const unfit: Array<{ row: Feedback; names: RegExp }> = [
  { row: { ...good, feedbackId: 'other-dep', deploymentId: 'staging' }, names: /feedback "other-dep": deploymentId: "staging" is not this run's deployment \("prod"\)/ },
  { row: { ...good, feedbackId: 'vector', input: [1, 2, 3] }, names: /feedback "vector": input\/label: add-1: .*text/ },
  { row: { ...good, feedbackId: 'bad-label', label: 'three' }, names: /feedback "bad-label": input\/label: add-1: .*three/ },
];

export interface FeedbackRun {
  runId: string;
  runDir: string;
  checkpointRoot: string;
  bus: EventBus;
  controller: ControllerService;
  registry: Registry;
  stop(): Promise<void>;
}

export async function startFeedbackRun(options: { bus?: EventBus; store?: RunStore; runId?: string; groupId?: string } = {}): Promise<FeedbackRun> {
  const runsDir = mkdtempSync(join(tmpdir(), 'curriculum-feedback-run-'));
  const runId = options.runId ?? 'fb-run';
  const runDir = join(runsDir, runId);
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, 'run.json'), JSON.stringify({ runId }));
  const specFile = join(runsDir, 'spec.yaml');
  writeFileSync(specFile, SPEC_YAML);
  const bus = options.bus ?? new MemoryBus();
  const registry = new Registry();
  const checkpointRoot = join(runDir, 'checkpoints');
  const controller = new ControllerService({
    bus,
    store: options.store ?? new FileRunStore(runsDir),
    producer: 'controller-test',
    logger: pino({ level: 'silent' }),
    checkpointRoot,
    defaultBaseDir: runDir,
    hooks: metricsHooks(createControllerMetrics(registry)),
    ...(options.groupId ? { groupId: options.groupId } : {}),
  });
  await controller.start();
  await controller.startRun(loadSpecFile(specFile).spec, runId, specFile);
  await until(async () => (await controller.view(runId)) !== undefined, 'the run to be created');
  return { runId, runDir, checkpointRoot, bus, controller, registry, stop: () => controller.stop() };
}

export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The value of one series of the registry (0 when absent). */
export async function sample(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const found = metric?.values.find((v) => Object.entries(labels).every(([k, x]) => String(v.labels[k]) === x));
  return found ? Number(found.value) : 0;
}
