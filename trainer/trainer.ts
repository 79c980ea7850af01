// The trainer: executes lesson, revert and stop commands for any number of runs. It keeps each
// run's model in memory between lessons (the fast path) and falls back to the checkpoint
// directory whenever the command asks for a checkpoint it did not just produce. A failing
// command becomes a service.error event; the trainer then serves the next command.
import type * as tf from '@tensorflow/tfjs';
import type { Logger } from 'pino';
import type { AnyEvent, EnvelopeOf, StartLesson, TrainerMetrics } from '../schemas/events.ts';
import { CurriculumError, isCurriculumError } from '../schemas/errors.ts';
import { Random } from '../tasks/random.ts';
import { buildTaskSet, runTaskSetConfig } from '../tasks/registry.ts';
import { encodingKey, sameEncoding, type Encoding } from '../tasks/task.ts';
import {
  checkpointDir,
  checkpointExists,
  checkpointIdFor,
  loadCheckpointModel,
  loadOptimizerState,
  readCheckpointMeta,
  saveCheckpoint,
  type CheckpointMeta,
} from './checkpoint-store.ts';
import type { EventFactory } from './envelopes.ts';
import { buildModel } from './models.ts';
import { applyStageFreezing, DiscriminativeOptimizer } from './freezing.ts';
import { buildPretrainedModel } from './pretrained.ts';
import { buildOptimizer, setLearningRate, type OptimizerKind } from './optimizer.ts';
import { BatchSampler } from './sampler.ts';
import { withFeedback, type LessonSampler } from './feedback-mix.ts';
import { feedbackPoolFile } from '../tasks/feedback-pool.ts';
import { ReplayBuffer } from './replay-buffer.ts';
import { learningRateAt } from './schedule.ts';
import { WindowMetrics } from './step-metrics.ts';
import { trainStep } from './train-step.ts';

export const TRAINER_SERVICE = 'trainer';

interface RunModel {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  optimizerKind: OptimizerKind;
  encoding: Encoding;
  /** The checkpoint these weights equal, or null for a fresh model not yet saved. */
  checkpointId: string | null;
  /** Pretrained models: the body's share of the learning rate (a head/body optimizer pair). */
  bodyLearningRateFactor: number | undefined;
}

/** A pretrained model trains with a head/body optimizer pair; a model from scratch with one optimizer. */
function optimizerFor(model: tf.LayersModel, kind: OptimizerKind, bodyLearningRateFactor: number | undefined): tf.Optimizer {
  return bodyLearningRateFactor === undefined ? buildOptimizer(kind, 1e-3) : new DiscriminativeOptimizer(model, kind, bodyLearningRateFactor);
}

export interface TrainerOptions {
  checkpointRoot: string;
  backend: string;
  /** Where the backend computes (trainer/backend.ts SelectedBackend.device). */
  device?: string;
  events: EventFactory;
  emit: (events: AnyEvent[]) => Promise<void>;
  logger: Logger;
}

export class Trainer {
  private readonly runs = new Map<string, RunModel>();
  /** Experience-replay buffers of runs whose spec asks for replay (kept across lessons and reverts). */
  private readonly replayBuffers = new Map<string, ReplayBuffer>();
  private readonly executed = new Set<string>();

  constructor(private readonly options: TrainerOptions) {}

  /** Runs one command; never throws (failures are published as service.error). */
  async handle(event: AnyEvent): Promise<void> {
    const commandId = 'commandId' in event.payload ? event.payload.commandId : null;
    try {
      switch (event.type) {
        case 'lesson.start':
          return await this.lesson(event);
        case 'checkpoint.revert':
          return await this.revert(event);
        case 'run.stop':
          return await this.stopRun(event);
        default:
          return;
      }
    } catch (e) {
      const code = isCurriculumError(e) ? e.code : 'CUR_COMMAND_FAILED';
      const message = e instanceof Error ? e.message : String(e);
      this.options.logger.error({ runId: event.runId, commandId, code, err: e }, 'trainer command failed');
      await this.options.emit([
        this.options.events.make('service.error', event.runId, `${commandId ?? event.eventId}:error:${TRAINER_SERVICE}`, {
          commandId,
          service: TRAINER_SERVICE,
          code,
          message,
        }),
      ]);
    }
  }

  /** Models kept in memory (tests; the runtime's /metrics). */
  runsInMemory(): string[] {
    return [...this.runs.keys()];
  }

  dispose(): void {
    for (const runId of [...this.runs.keys()]) this.drop(runId);
  }

  private drop(runId: string): void {
    const state = this.runs.get(runId);
    if (!state) return;
    state.model.dispose();
    state.optimizer.dispose();
    this.runs.delete(runId);
  }

  private ack(runId: string, commandId: string, outcome: 'executed' | 'duplicate'): AnyEvent {
    return this.options.events.make('command.ack', runId, `${commandId}:ack:${TRAINER_SERVICE}${outcome === 'duplicate' ? ':duplicate' : ''}`, {
      commandId,
      service: TRAINER_SERVICE,
      outcome,
    });
  }

  private savedEvent(runId: string, meta: CheckpointMeta, dir: string, eventId: string): AnyEvent {
    return this.options.events.make('checkpoint.saved', runId, eventId, {
      checkpointId: meta.checkpointId,
      lessonId: meta.lessonId,
      commandId: meta.commandId,
      branch: meta.branch,
      step: meta.step,
      location: dir,
      parentCheckpointId: meta.parentCheckpointId,
      lessonComplete: meta.lessonComplete,
    });
  }

  private async lesson(event: EnvelopeOf<'lesson.start'>): Promise<void> {
    const p = event.payload;
    const runId = event.runId;
    const endStep = p.startStep + p.steps;
    const endId = checkpointIdFor(p.lessonId, endStep);
    const endDir = checkpointDir(this.options.checkpointRoot, runId, endId);
    if (checkpointExists(endDir)) {
      // Already trained (perhaps by an earlier incarnation): re-publish, do not re-train.
      // The payload names this command (a retry carries a new id), so the sender can match it.
      const meta = { ...readCheckpointMeta(endDir), commandId: p.commandId };
      this.executed.add(p.commandId);
      await this.options.emit([this.savedEvent(runId, meta, endDir, `${p.commandId}:checkpoint`), this.ack(runId, p.commandId, 'duplicate')]);
      return;
    }
    if (this.executed.has(p.commandId)) {
      await this.options.emit([this.ack(runId, p.commandId, 'duplicate')]);
      return;
    }
    const taskSet = buildTaskSet(runTaskSetConfig(p.run, this.options.checkpointRoot, runId));
    const base = new BatchSampler(taskSet, p.taskWeights, Random.fromSeed(p.samplerSeed), this.replayFor(runId, p));
    // Retraining lessons mix in the feedback pool's training part (trainer/feedback-mix.ts).
    const sampler = await withFeedback(base, p.feedback, (deployment) => feedbackPoolFile(this.options.checkpointRoot, runId, deployment), taskSet, this.options.logger);
    const state = await this.modelFor(runId, p, taskSet.encoding);
    if (p.run.model.kind === 'pretrained') {
      const unfrozen = applyStageFreezing(state.model, p.run.model, p.stage);
      this.options.logger.info({ runId, lessonId: p.lessonId, stage: p.stage, unfrozenBodyLayers: unfrozen }, 'layers trained in this stage');
    }
    try {
      await this.train(event, state, sampler, endId);
    } catch (e) {
      // Weights may be half-trained or NaN: forget them; the next lesson reloads from disk.
      this.drop(runId);
      throw e;
    }
    this.executed.add(p.commandId);
    await this.options.emit([this.ack(runId, p.commandId, 'executed')]);
  }

  private replayFor(runId: string, p: StartLesson): { buffer: ReplayBuffer; fraction: number } | undefined {
    const replay = p.run.replay;
    if (!replay) return undefined;
    let buffer = this.replayBuffers.get(runId);
    if (!buffer) {
      buffer = new ReplayBuffer(replay.examplesPerTask);
      this.replayBuffers.set(runId, buffer);
    }
    return { buffer, fraction: replay.fraction };
  }

  private async modelFor(runId: string, p: StartLesson, encoding: Encoding): Promise<RunModel> {
    const current = this.runs.get(runId);
    if (current && p.fromCheckpointId !== null && current.checkpointId === p.fromCheckpointId && current.optimizerKind === p.run.optimizer.kind) {
      return current;
    }
    this.drop(runId);
    let state: RunModel;
    if (p.fromCheckpointId === null) {
      const spec = p.run.model;
      const model = spec.kind === 'pretrained' ? await buildPretrainedModel(spec, p.run.baseDir, encoding, p.run.seed) : buildModel(spec, encoding, p.run.seed);
      const bodyLearningRateFactor = spec.kind === 'pretrained' ? spec.bodyLearningRateFactor : undefined;
      const optimizer = optimizerFor(model, p.run.optimizer.kind, bodyLearningRateFactor);
      state = { model, optimizer, optimizerKind: p.run.optimizer.kind, encoding, checkpointId: null, bodyLearningRateFactor };
      this.options.logger.info({ runId, lessonId: p.lessonId, params: model.countParams(), kind: spec.kind }, spec.kind === 'pretrained' ? 'pretrained model loaded' : 'fresh model from the run seed');
    } else {
      state = await this.load(runId, p.fromCheckpointId, p.run.optimizer.kind);
      if (!sameEncoding(state.encoding, encoding)) {
        state.model.dispose();
        state.optimizer.dispose();
        throw new CurriculumError(
          'CUR_CONFIG_INVALID',
          `checkpoint ${p.fromCheckpointId} encodes ${encodingKey(state.encoding)}, the run's tasks ${encodingKey(encoding)}`,
        );
      }
    }
    this.runs.set(runId, state);
    return state;
  }

  private async load(runId: string, checkpointId: string, optimizerKind?: OptimizerKind): Promise<RunModel> {
    const dir = checkpointDir(this.options.checkpointRoot, runId, checkpointId);
    if (!checkpointExists(dir)) throw new CurriculumError('CUR_CHECKPOINT_MISSING', `checkpoint ${checkpointId} of run ${runId} not found at ${dir}`);
    const { model, meta } = await loadCheckpointModel(dir);
    const kind = optimizerKind ?? meta.optimizer;
    const optimizer = optimizerFor(model, kind, meta.bodyLearningRateFactor);
    if (kind === meta.optimizer) await loadOptimizerState(dir, optimizer);
    this.options.logger.info({ runId, checkpointId, dir }, 'model loaded from checkpoint');
    return { model, optimizer, optimizerKind: kind, encoding: meta.encoding, checkpointId, bodyLearningRateFactor: meta.bodyLearningRateFactor };
  }

  private async train(event: EnvelopeOf<'lesson.start'>, state: RunModel, sampler: LessonSampler, endId: string): Promise<void> {
    const p = event.payload;
    const runId = event.runId;
    const { logger, events, emit, checkpointRoot } = this.options;
    const batchSize = p.run.batchSize;
    const clip = p.run.optimizer.gradientClipNorm ?? 1;
    let parent = p.fromCheckpointId;
    // Per-task figures stay on the backend until the window publishes (trainer/step-metrics.ts).
    const window = new WindowMetrics(p.lessonId);
    let windowStart = performance.now();
    let windowSamples = 0;
    const started = performance.now();
    try {
      for (let i = 0; i < p.steps; i++) {
        const step = p.startStep + i + 1;
        const last = i === p.steps - 1;
        const publishes = (i + 1) % p.metricsEvery === 0 || last;
        const lr = learningRateAt(p.learningRate, p.scheduleOffsetSteps + i) * (p.learningRateScale ?? 1);
        setLearningRate(state.optimizer, lr);
        const batch = sampler.next(batchSize);
        // Without clipping the norm is only reported, so only the publishing step measures it
        // (a reduction over every weight is a real share of a small model's step).
        const result = trainStep(state.model, state.optimizer, state.encoding, batch, batchSize, { clipNorm: clip, measureNorm: publishes });
        window.add(step, batch.taskOf, result);
        state.checkpointId = null;
        if (!Number.isFinite(result.loss)) {
          // A non-finite gradient norm of an earlier step is the first cause: flush reports it.
          window.flush();
          throw new CurriculumError('CUR_TRAINING_NAN', `lesson ${p.lessonId}: the loss became ${result.loss} at step ${step}; the lesson was abandoned`);
        }
        windowSamples += batchSize;
        if (publishes) {
          const figures = window.take();
          const seconds = Math.max(1e-9, (performance.now() - windowStart) / 1000);
          const metrics: TrainerMetrics = {
            lessonId: p.lessonId,
            commandId: p.commandId,
            branch: p.branch,
            step,
            tasks: figures.tasks,
            learningRate: lr,
            gradientNorm: figures.gradientNorm,
            samplesPerSecond: windowSamples / seconds,
            backend: this.options.backend,
            ...(this.options.device !== undefined ? { device: this.options.device } : {}),
          };
          await emit([events.make('trainer.metrics', runId, `${p.commandId}:metrics:${step}`, metrics)]);
          windowSamples = 0;
          // Let the event loop breathe (bus heartbeats, HTTP) between windows of synchronous math.
          await new Promise<void>((resolve) => setImmediate(resolve));
          windowStart = performance.now();
        }
        if (last || (i + 1) % p.checkpointEvery === 0) {
          const checkpointId = last ? endId : checkpointIdFor(p.lessonId, step);
          const dir = checkpointDir(checkpointRoot, runId, checkpointId);
          const meta: CheckpointMeta = {
            checkpointId,
            parentCheckpointId: parent,
            runId,
            lessonId: p.lessonId,
            commandId: p.commandId,
            branch: p.branch,
            step,
            lessonComplete: last,
            optimizer: state.optimizerKind,
            encoding: state.encoding,
            ...(state.bodyLearningRateFactor !== undefined ? { bodyLearningRateFactor: state.bodyLearningRateFactor } : {}),
          };
          await saveCheckpoint(dir, meta, state.model, state.optimizer, {
            samplerSeed: p.samplerSeed,
            lessonStep: i + 1,
            random: sampler.rng.state(),
          });
          state.checkpointId = checkpointId;
          parent = checkpointId;
          await emit([this.savedEvent(runId, meta, dir, last ? `${p.commandId}:checkpoint` : `${p.commandId}:checkpoint:${step}`)]);
        }
      }
    } finally {
      window.dispose();
    }
    logger.info(
      { runId, lessonId: p.lessonId, steps: p.steps, seconds: (performance.now() - started) / 1000, checkpointId: endId },
      'lesson complete',
    );
  }

  private async revert(event: EnvelopeOf<'checkpoint.revert'>): Promise<void> {
    const p = event.payload;
    if (this.executed.has(p.commandId)) {
      await this.options.emit([this.ack(event.runId, p.commandId, 'duplicate')]);
      return;
    }
    const state = await this.load(event.runId, p.checkpointId);
    this.drop(event.runId);
    this.runs.set(event.runId, state);
    this.executed.add(p.commandId);
    this.options.logger.info({ runId: event.runId, checkpointId: p.checkpointId, reason: p.reason }, 'reverted to checkpoint');
    await this.options.emit([this.ack(event.runId, p.commandId, 'executed')]);
  }

  private async stopRun(event: EnvelopeOf<'run.stop'>): Promise<void> {
    const p = event.payload;
    const duplicate = this.executed.has(p.commandId);
    this.drop(event.runId);
    this.replayBuffers.delete(event.runId);
    this.executed.add(p.commandId);
    await this.options.emit([this.ack(event.runId, p.commandId, duplicate ? 'duplicate' : 'executed')]);
  }

  /** The in-memory weights of a run (tests compare them bit for bit). */
  weightsOf(runId: string): Float32Array[] | undefined {
    return this.runs.get(runId)?.model.getWeights().map((w) => w.dataSync() as Float32Array);
  }

  /** Which checkpoint the in-memory model of a run equals, if any. */
  checkpointInMemory(runId: string): string | null | undefined {
    return this.runs.get(runId)?.checkpointId;
  }
}
