// The evaluator: scores checkpoints on the held-out, hold-out-domain and adversarial suites,
// per task and per category, and publishes one evaluation.results event per suite. Evaluation
// sets are fixed per (run seed, task, suite, size), so the same checkpoint always scores the same.
import type * as tf from '@tensorflow/tfjs';
import type { Logger } from 'pino';
import type { AnyEvent, EnvelopeOf, FeedbackSelection, SuiteMetrics } from '../schemas/events.ts';
import { CurriculumError, isCurriculumError } from '../schemas/errors.ts';
import { buildTaskSet, requireTask, runTaskSetConfig, type TaskSet } from '../tasks/registry.ts';
import { feedbackPoolFile } from '../tasks/feedback-pool.ts';
import { feedbackHoldout, scoreFeedback } from './feedback-suite.ts';
import { encodingKey, sameEncoding } from '../tasks/task.ts';
import { checkpointDir, checkpointExists, loadCheckpointModel, type CheckpointMeta } from '../trainer/checkpoint-store.ts';
import type { EventFactory } from '../trainer/envelopes.ts';
import { evaluateSuite, EvaluationSets } from './evaluate.ts';

export const EVALUATOR_SERVICE = 'evaluator';
const MODELS_KEPT = 2;

export interface EvaluatorOptions {
  checkpointRoot: string;
  events: EventFactory;
  emit: (events: AnyEvent[]) => Promise<void>;
  logger: Logger;
}

export class Evaluator {
  private readonly models = new Map<string, { model: tf.LayersModel; meta: CheckpointMeta }>();
  private readonly sets = new EvaluationSets();
  private readonly done = new Map<string, AnyEvent[]>();

  constructor(private readonly options: EvaluatorOptions) {}

  async handle(event: AnyEvent): Promise<void> {
    if (event.type !== 'checkpoint.evaluate' && event.type !== 'run.stop') return;
    const commandId = event.payload.commandId;
    try {
      if (event.type === 'checkpoint.evaluate') await this.evaluate(event);
      else await this.stopRun(event);
    } catch (e) {
      const code = isCurriculumError(e) ? e.code : 'CUR_COMMAND_FAILED';
      const message = e instanceof Error ? e.message : String(e);
      this.options.logger.error({ runId: event.runId, commandId, code, err: e }, 'evaluator command failed');
      await this.options.emit([
        this.options.events.make('service.error', event.runId, `${commandId}:error:${EVALUATOR_SERVICE}`, { commandId, service: EVALUATOR_SERVICE, code, message }),
      ]);
    }
  }

  dispose(): void {
    for (const { model } of this.models.values()) model.dispose();
    this.models.clear();
  }

  private ack(runId: string, commandId: string, outcome: 'executed' | 'duplicate'): AnyEvent {
    return this.options.events.make('command.ack', runId, `${commandId}:ack:${EVALUATOR_SERVICE}${outcome === 'duplicate' ? ':duplicate' : ''}`, {
      commandId,
      service: EVALUATOR_SERVICE,
      outcome,
    });
  }

  private async evaluate(event: EnvelopeOf<'checkpoint.evaluate'>): Promise<void> {
    const p = event.payload;
    const runId = event.runId;
    const previous = this.done.get(p.commandId);
    if (previous) {
      // Same id, same results (and the same event ids, which consumers drop if already seen).
      await this.options.emit([...previous, this.ack(runId, p.commandId, 'duplicate')]);
      return;
    }
    const taskSet = buildTaskSet(runTaskSetConfig(p.run, this.options.checkpointRoot, runId));
    for (const id of p.tasks) requireTask(taskSet, id);
    const { model, meta } = await this.model(runId, p.checkpointId);
    if (!sameEncoding(meta.encoding, taskSet.encoding)) {
      throw new CurriculumError('CUR_CONFIG_INVALID', `checkpoint ${p.checkpointId} encodes ${encodingKey(meta.encoding)}, the run's tasks ${encodingKey(taskSet.encoding)}`);
    }
    const results: AnyEvent[] = [];
    for (const suite of p.suites) {
      if (suite === 'feedback') {
        if (!p.feedback) {
          // Without a selection there is no pool to score: nothing to publish for this suite.
          this.options.logger.warn({ runId, commandId: p.commandId }, 'suite "feedback" requested without a feedback selection; skipped');
          continue;
        }
        results.push(await this.feedbackResults(event, model, taskSet, p.feedback));
        continue;
      }
      const result = evaluateSuite(model, taskSet, this.sets, p.run.seed, p.run.samplesPerTask, suite, p.tasks);
      results.push(
        this.options.events.make('evaluation.results', runId, `${p.commandId}:results:${suite}`, {
          commandId: p.commandId,
          checkpointId: p.checkpointId,
          branch: p.branch,
          step: p.step,
          suite,
          ...result,
        }),
      );
      this.options.logger.info(
        { runId, checkpointId: p.checkpointId, suite, accuracy: Object.fromEntries(Object.entries(result.tasks).map(([t, m]) => [t, m.accuracy])), seconds: result.durationSeconds },
        'evaluated',
      );
    }
    this.done.set(p.commandId, results);
    if (this.done.size > 1000) this.done.delete(this.done.keys().next().value as string);
    await this.options.emit([...results, this.ack(runId, p.commandId, 'executed')]);
  }

  private async feedbackResults(event: EnvelopeOf<'checkpoint.evaluate'>, model: tf.LayersModel, taskSet: TaskSet, selection: FeedbackSelection): Promise<AnyEvent> {
    const p = event.payload;
    const runId = event.runId;
    const file = feedbackPoolFile(this.options.checkpointRoot, runId, selection.deploymentId);
    const examples = await feedbackHoldout(file, selection, taskSet, this.options.logger);
    const result = scoreFeedback(model, taskSet, examples);
    let baseline: { checkpointId: string; metrics: SuiteMetrics } | undefined;
    if (selection.baselineCheckpointId !== undefined && selection.baselineCheckpointId !== p.checkpointId) {
      // Loaded outside the cache: evicting the candidate while its suites run would dispose it.
      const dir = checkpointDir(this.options.checkpointRoot, runId, selection.baselineCheckpointId);
      if (!checkpointExists(dir)) throw new CurriculumError('CUR_CHECKPOINT_MISSING', `baseline checkpoint ${selection.baselineCheckpointId} of run ${runId} not found at ${dir}`);
      const deployed = await loadCheckpointModel(dir);
      try {
        baseline = { checkpointId: selection.baselineCheckpointId, metrics: scoreFeedback(deployed.model, taskSet, examples).pooled };
      } finally {
        deployed.model.dispose();
      }
    }
    this.options.logger.info(
      { runId, checkpointId: p.checkpointId, suite: 'feedback', n: result.pooled.n, accuracy: result.pooled.accuracy, baseline: baseline?.metrics.accuracy },
      'evaluated',
    );
    return this.options.events.make('evaluation.results', runId, `${p.commandId}:results:feedback`, {
      commandId: p.commandId,
      checkpointId: p.checkpointId,
      branch: p.branch,
      step: p.step,
      suite: 'feedback',
      tasks: result.tasks,
      categories: result.categories,
      durationSeconds: result.durationSeconds,
      ...(baseline ? { baseline } : {}),
    });
  }

  private async model(runId: string, checkpointId: string): Promise<{ model: tf.LayersModel; meta: CheckpointMeta }> {
    const key = `${runId}/${checkpointId}`;
    const known = this.models.get(key);
    if (known) return known;
    const dir = checkpointDir(this.options.checkpointRoot, runId, checkpointId);
    if (!checkpointExists(dir)) throw new CurriculumError('CUR_CHECKPOINT_MISSING', `checkpoint ${checkpointId} of run ${runId} not found at ${dir}`);
    const loaded = await loadCheckpointModel(dir);
    this.models.set(key, loaded);
    while (this.models.size > MODELS_KEPT) {
      const oldest = this.models.keys().next().value as string;
      this.models.get(oldest)?.model.dispose();
      this.models.delete(oldest);
    }
    return loaded;
  }

  private async stopRun(event: EnvelopeOf<'run.stop'>): Promise<void> {
    for (const [key, { model }] of [...this.models]) {
      if (key.startsWith(`${event.runId}/`)) {
        model.dispose();
        this.models.delete(key);
      }
    }
    await this.options.emit([this.ack(event.runId, event.payload.commandId, 'executed')]);
  }
}
