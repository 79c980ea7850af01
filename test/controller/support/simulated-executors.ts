// A scripted trainer and evaluator for driving the controller core in tests: they answer each
// command with the events the real services would publish (metrics every k steps, a lesson-end
// checkpoint, one result per suite), with held-out accuracies taken from the test's script.
// Event ids and times are deterministic, so a run is a pure function of spec and script.
import { makeEvent } from '../../../schemas/envelope.ts';
import type { AnyEvent, EnvelopeOf, EventType, PayloadOf, SuiteMetrics } from '../../../schemas/events.ts';
import type { ResolvedSpec } from '../../../schemas/spec.ts';
import { applyEvent, createRun, describeRun, type CoreResult, type PooledFeedbackEvent, type RunSnapshot, type RunView } from '../../../controller/core/index.ts';

const BASE_MS = Date.parse('2026-01-01T00:00:00.000Z');

export interface EvaluationContext {
  /** 0 for the first evaluate command of the run, then 1, 2, ... */
  index: number;
  checkpointId: string;
  step: number;
  branch: number;
  suite: string;
}

export type HeldoutScript = (task: string, ctx: EvaluationContext) => number;

export class SimulatedRun {
  snapshot!: RunSnapshot;
  readonly decisions: EnvelopeOf<'decision'>[] = [];
  readonly commands: AnyEvent[] = [];
  /** Every event fed to the core, in order: the recorded stream. */
  readonly inputs: AnyEvent[] = [];
  readonly outcomes: string[] = [];
  private readonly queue: AnyEvent[] = [];
  private counter = 0;
  private evaluations = 0;
  /** Answer as an evaluator older than taskCategories does: pooled categories only. */
  pooledCategoriesOnly = false;

  constructor(
    readonly spec: ResolvedSpec,
    readonly script: HeldoutScript,
    readonly runId = 'run-1',
    readonly categories: (task: string, ctx: EvaluationContext) => Record<string, SuiteMetrics> = () => ({}),
  ) {}

  start(): CoreResult {
    const result = createRun({ runId: this.runId, spec: this.spec, baseDir: '/data', producer: 'controller-test', now: this.time() });
    this.absorb(result);
    return result;
  }

  time(): string {
    return new Date(BASE_MS + this.counter * 1000).toISOString();
  }

  event<T extends EventType>(type: T, payload: PayloadOf<T>, producer = 'sim'): EnvelopeOf<T> {
    const n = this.counter++;
    return makeEvent(type, { eventId: `sim:${n}`, runId: this.runId, producer, sequence: n, producedAt: new Date(BASE_MS + n * 1000).toISOString() }, payload);
  }

  feed(event: AnyEvent | PooledFeedbackEvent): CoreResult {
    const result = applyEvent(this.snapshot, event);
    this.inputs.push(event.type === 'feedback.pooled' ? event.feedback : event);
    this.outcomes.push(result.outcome);
    this.absorb(result);
    return result;
  }

  private absorb(result: CoreResult): void {
    this.snapshot = result.snapshot;
    this.decisions.push(...result.decisions);
    this.commands.push(...result.commands);
    this.queue.push(...result.commands);
  }

  view(): RunView {
    return describeRun(this.snapshot);
  }

  pending(): number {
    return this.queue.length;
  }

  /** Answers the oldest command; returns false when none is waiting. */
  answerNext(): boolean {
    const command = this.queue.shift();
    if (!command) return false;
    for (const e of this.responsesTo(command)) this.feed(e);
    return true;
  }

  /** The events an executor would publish for a command (without feeding them). */
  responsesTo(command: AnyEvent): AnyEvent[] {
    if (command.type === 'lesson.start') {
      const p = command.payload;
      const out: AnyEvent[] = [];
      const every = p.metricsEvery;
      for (let s = every; s <= p.steps; s += every) {
        const tasks: PayloadOf<'trainer.metrics'>['tasks'] = {};
        for (const [t, w] of Object.entries(p.taskWeights)) {
          if (w <= 0) continue;
          const progress = (p.startStep + s) / 10000;
          tasks[t] = { loss: Math.max(0, 2 - progress - w), accuracy: Math.min(1, 0.3 + progress + w / 10), samples: Math.round(w * p.run.batchSize * every) };
        }
        out.push(
          this.event('trainer.metrics', {
            lessonId: p.lessonId,
            commandId: p.commandId,
            branch: p.branch,
            step: p.startStep + s,
            tasks,
            learningRate: 0.01 * p.learningRateScale,
            gradientNorm: 1,
            samplesPerSecond: 1000,
            backend: 'cpu',
          }, 'trainer'),
        );
      }
      out.push(
        this.event('checkpoint.saved', {
          checkpointId: `ckpt-${p.lessonId.split(':').pop() ?? ''}-b${p.branch}`,
          lessonId: p.lessonId,
          commandId: p.commandId,
          branch: p.branch,
          step: p.startStep + p.steps,
          location: `/ckpt/${p.lessonId}`,
          parentCheckpointId: p.fromCheckpointId,
          lessonComplete: true,
        }, 'trainer'),
      );
      return out;
    }
    if (command.type === 'checkpoint.evaluate') {
      const p = command.payload;
      const index = this.evaluations++;
      return p.suites.map((suite) => {
        const ctx: EvaluationContext = { index, checkpointId: p.checkpointId, step: p.step, branch: p.branch, suite };
        const tasks: Record<string, SuiteMetrics> = {};
        let categories: Record<string, SuiteMetrics> = {};
        const taskCategories: Record<string, Record<string, SuiteMetrics>> = {};
        for (const t of p.tasks) {
          const accuracy = this.script(t, ctx);
          tasks[t] = { n: p.run.samplesPerTask, accuracy, loss: 1 - accuracy, ece: 0.05 };
          taskCategories[t] = this.categories(t, ctx);
          categories = { ...categories, ...taskCategories[t] };
        }
        const perTask = this.pooledCategoriesOnly ? {} : { taskCategories };
        return this.event('evaluation.results', { commandId: p.commandId, checkpointId: p.checkpointId, branch: p.branch, step: p.step, suite, tasks, categories, ...perTask, durationSeconds: 1 }, 'evaluator');
      });
    }
    return [];
  }

  /** Answers commands until the run is terminal, the queue is empty, or `limit` commands were answered. */
  runUntilQuiet(limit = 1000): void {
    for (let i = 0; i < limit; i++) {
      if (describeRun(this.snapshot).terminal || !this.answerNext()) return;
    }
  }

  /** Verdict decisions (not the routine lesson/evaluate ones), as kinds. */
  verdicts(): EnvelopeOf<'decision'>[] {
    return this.decisions.filter((d) => d.payload.kind !== 'lesson' && d.payload.kind !== 'evaluate');
  }
}
