// The embedded default: controller, trainer and evaluator in one process over the in-memory
// bus and a file-backed store. Same service code as the distributed mode; only the transport
// and the store differ.
import type { BackendName } from '../schemas/common.ts';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { loadSpecFile } from '../schemas/spec-loader.ts';
import type { ResolvedSpec } from '../schemas/spec.ts';
import { CurriculumError } from '../schemas/errors.ts';
import type { AnyEvent } from '../schemas/events.ts';
import { MemoryBus } from '../transport/memory-bus.ts';
import { FileRunStore } from '../store/file-store.ts';
import { ControllerService, type ControllerHooks } from '../controller/runtime/controller-service.ts';
import type { RunView } from '../controller/core/index.ts';
import { startTrainerService } from '../trainer/service.ts';
import { startEvaluatorService } from '../evaluator/service.ts';
import { RunRecorder, RUN_FILES } from './run-recorder.ts';
import { writeRunSummary } from './run-summary-writer.ts';
import { watchFeedbackInbox } from './feedback-inbox.ts';
import { describeInputs, exportRunModels } from '../trainer/export-model.ts';
import { buildTaskSet, runTaskSetConfig } from '../tasks/registry.ts';
import { neverStarted, readResumableRunDir, type ResumableRunDir } from './resumable-run.ts';


export interface EmbeddedRunOptions {
  /** A spec file for a new run, or undefined with resumeDir. */
  specFile?: string;
  /** An existing run directory to continue. */
  resumeDir?: string;
  runsDir?: string;
  runId?: string;
  logger: Logger;
  backend?: BackendName;
  /** Aborting stops the run cleanly at the next event boundary and leaves it resumable. */
  signal?: AbortSignal;
  /** Observers: every bus event of the run, and every controller transition. */
  onEvent?: (event: AnyEvent) => void;
  hooks?: ControllerHooks;
  /** Called once the services are up, with the controller (for the HTTP API) and the run id. */
  onStarted?: (context: { controller: ControllerService; runId: string; runDir: string; backend: string; device: string; version: string }) => void | Promise<void>;
  /** Wall clock, injectable for tests. */
  clock?: () => Date;
  /** Do not render report.html at the end (tests that only need the logs). */
  skipReport?: boolean;
}

export interface EmbeddedRunResult {
  runId: string;
  runDir: string;
  view: RunView;
  /** 'finished' when the run reached a terminal state; 'interrupted' when aborted (resumable). */
  outcome: 'finished' | 'interrupted';
  wallSeconds: number;
  backend: string;
  /** Where the backend computed (trainer/backend.ts). */
  device: string;
}

export async function runEmbedded(options: EmbeddedRunOptions): Promise<EmbeddedRunResult> {
  const clock = options.clock ?? (() => new Date());
  const startedAt = clock();
  const { runId, runDir, runsDir, spec, specSource, resuming, created } = prepareRunDir(options, startedAt);
  const log = options.logger.child({ runId });
  const store = new FileRunStore(runsDir);
  // A folder left by a run that failed before its first commit holds no state: refuse before
  // loading a backend, instead of starting services that would wait for nothing.
  if (resuming && !(await store.load(runId))) throw neverStarted(resuming);

  // Stopped in dependency order: no new input, no new commands, then executors, then the recorder drains.
  const running: Partial<Record<'inbox' | 'controller' | 'trainer' | 'evaluator' | 'recorder' | 'bus', { stop(): Promise<void> }>> = {};
  const stopAll = async (): Promise<void> => {
    for (const name of ['inbox', 'controller', 'trainer', 'evaluator', 'recorder', 'bus'] as const) {
      const service = running[name];
      delete running[name];
      await service?.stop();
    }
  };
  let begun = false;
  try {
    const bus = new MemoryBus();
    running.bus = { stop: () => bus.close() };
    const checkpointRoot = join(runDir, 'checkpoints');
    const backend = options.backend ?? (spec.training.backend as BackendName);
    const trainer = await startTrainerService({ bus, checkpointRoot, producer: 'trainer-0', logger: options.logger, backend });
    running.trainer = trainer;
    const evaluator = await startEvaluatorService({ bus, checkpointRoot, producer: 'evaluator-0', logger: options.logger, backend });
    running.evaluator = evaluator;

    let settle: ((view: RunView) => void) | undefined;
    const finished = new Promise<RunView>((r) => (settle = r));
    const controller = new ControllerService({
      bus,
      store,
      producer: 'controller-0',
      logger: options.logger,
      clock,
      defaultBaseDir: runDir,
      checkpointRoot,
      hooks: {
        ...options.hooks,
        onTransition(view, result, cause) {
          options.hooks?.onTransition?.(view, result, cause);
          if (view.runId === runId && view.terminal) settle?.(view);
        },
      },
    });
    const recorder = new RunRecorder(bus, runDir, runId, options.onEvent);
    await recorder.start();
    running.recorder = recorder;
    await controller.start();
    running.controller = controller;
    // Production feedback for a running embedded run arrives through RUN_DIR/feedback-inbox/.
    running.inbox = watchFeedbackInbox({ bus, runDir, runId, logger: log, clock });
    await options.onStarted?.({ controller, runId, runDir, backend: trainer.backend, device: trainer.device, version: trainer.version });

    if (resuming) {
      const view = await controller.view(runId);
      if (!view) throw neverStarted(resuming);
      if (view.terminal) settle?.(view);
      else {
        const resent = await controller.resendInflight(runId);
        log.info({ resent, step: view.step, stage: view.stageId }, 'resuming run from its last controller snapshot');
      }
    } else {
      await controller.startRun(spec, runId, specSource);
    }
    begun = true;

    const aborted = new Promise<'aborted'>((r) => {
      if (options.signal?.aborted) r('aborted');
      options.signal?.addEventListener('abort', () => r('aborted'), { once: true });
    });
    const first = await Promise.race([finished, aborted]);
    await stopAll();

    const view = first === 'aborted' ? await controller.view(runId) : first;
    if (!view) throw new CurriculumError('CUR_RUN_UNKNOWN', `run ${runId} was never created`);
    exportModels(runDir, checkpointRoot, view, spec, specSource, log);
    const wallSeconds = (clock().getTime() - startedAt.getTime()) / 1000;
    const outcome = first === 'aborted' ? 'interrupted' : 'finished';
    writeRunSummary({ runDir, view, spec, startedAt, finishedAt: clock(), wallSeconds, backend: trainer.backend, device: trainer.device, interrupted: outcome === 'interrupted' });
    // The continual phase has no end of its own: Ctrl-C is how an operator leaves it, so it gets a report too.
    const continualPhase = view.detailedState.startsWith('continual.');
    if ((outcome === 'finished' || continualPhase) && !options.skipReport) {
      const { writeReport } = await import('../report/render-report.ts');
      writeReport(runDir);
    }
    return { runId, runDir, view, outcome, wallSeconds, backend: trainer.backend, device: trainer.device };
  } catch (e) {
    await stopAll();
    // A new run that failed before it began (a port in use, no backend) leaves no folder behind
    // that --resume would only have to refuse.
    if (created && !begun) rmSync(runDir, { recursive: true, force: true });
    throw e;
  }
}

/** runs/<id>/model/{best,final} (trainer/export-model.ts); a failure is logged, never fatal to the run's other files. */
function exportModels(runDir: string, checkpointRoot: string, view: RunView, spec: ResolvedSpec, specSource: string, log: Logger): void {
  try {
    const baseDir = dirname(specSource);
    // A tokenized run's task set reads the tokenizer the run stored beside its checkpoints.
    const config = { seed: spec.seed, tasks: spec.tasks, baseDir, ...(spec.tokenizer ? { tokenizer: spec.tokenizer } : {}) };
    const { encoding, tokenizer } = buildTaskSet(runTaskSetConfig(config, checkpointRoot, view.runId));
    const written = exportRunModels({
      runDir,
      checkpointRoot,
      runId: view.runId,
      checkpoints: { best: view.models.best?.checkpointId, final: view.models.final?.checkpointId },
      inputs: describeInputs(spec, baseDir, encoding),
      ...(tokenizer ? { tokenizer } : {}),
    });
    log.info({ ...written }, 'models exported');
  } catch (e) {
    log.error({ err: e }, 'exporting the run models failed; the checkpoints are intact');
  }
}

interface PreparedRun {
  runId: string;
  runDir: string;
  runsDir: string;
  spec: ResolvedSpec;
  specSource: string;
  /** The run folder being resumed; undefined for a new run. */
  resuming: ResumableRunDir | undefined;
  /** This call made the run folder (so a failed start may remove it). */
  created: boolean;
}

function prepareRunDir(options: EmbeddedRunOptions, startedAt: Date): PreparedRun {
  if (options.resumeDir) {
    const run = readResumableRunDir(options.resumeDir);
    return { ...run, resuming: run, created: false };
  }
  if (!options.specFile) throw new CurriculumError('CUR_SPEC_READ', 'no spec file given');
  const loaded = loadSpecFile(options.specFile);
  const runsDir = resolve(options.runsDir ?? 'runs');
  const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace('T', '-');
  const runId = options.runId ?? `${loaded.spec.name}-${stamp}`;
  const runDir = join(runsDir, runId);
  if (existsSync(join(runDir, 'controller-state.json'))) {
    throw new CurriculumError('CUR_RUN_EXISTS', `${runDir} already holds a run; resume it with --resume ${runDir}`);
  }
  const created = !existsSync(runDir);
  mkdirSync(runDir, { recursive: true });
  copyFileSync(loaded.source, join(runDir, RUN_FILES.specYaml));
  writeFileSync(join(runDir, RUN_FILES.specResolved), `${JSON.stringify(loaded.spec, null, 2)}\n`);
  writeFileSync(join(runDir, RUN_FILES.runInfo), `${JSON.stringify({ runId, specSource: loaded.source, startedAt: startedAt.toISOString() }, null, 2)}\n`);
  return { runId, runDir, runsDir, spec: loaded.spec, specSource: loaded.source, resuming: undefined, created };
}
