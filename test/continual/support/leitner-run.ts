// A three-task run driven through the pure core to the continual phase, with Leitner boxes set by
// the test, so the retraining lesson and the box moves after its candidate can be checked by hand.
import assert from 'node:assert/strict';
import type { EnvelopeOf, Feedback } from '../../../schemas/events.ts';
import type { MasteredTask } from '../../../controller/core/snapshot.ts';
import { SimulatedRun, type EvaluationContext } from '../../controller/support/simulated-executors.ts';
import { spec } from '../../controller/support/specs.ts';

export const TASKS = ['a', 'b', 'c'] as const;
/** The uniform teacher's default floor: what a trained task that is not rehearsed still gets. */
export const FLOOR = 0.02;
export const RETENTION = 0.9;
export const INTERVALS = [1, 2, 4, 8];

/** Held-out accuracies of the candidate per task, and its (and the deployed model's) feedback score. */
export interface CandidateScript {
  heldout: Partial<Record<string, number>>;
  feedback: number;
}

const ONE_STAGE = {
  id: 'all',
  tasks: [...TASKS],
  teacher: { kind: 'uniform' },
  learningRate: { kind: 'constant', value: 0.01 },
  advance: { gates: TASKS.map((t) => ({ metric: 'accuracy', task: t, threshold: 0.8 })), consecutive: 1 },
  maxSteps: 10000,
};

export class LeitnerRun {
  readonly sim: SimulatedRun;
  /** What the next candidate evaluation returns; stage evaluations score every task 0.95. */
  candidate: CandidateScript = { heldout: {}, feedback: 0.9 };

  constructor(review: Record<string, unknown> = {}) {
    const s = spec({
      stages: [ONE_STAGE],
      review: { enabled: true, intervals: INTERVALS, retentionThreshold: RETENTION, ...review },
      continual: { enabled: true, minFeedback: 10, errorRate: 1, retrainSteps: 50, maxRegression: 0.1, minFeedbackGain: 0.05 },
    });
    this.sim = new SimulatedRun(s, (task, ctx) => this.score(task, ctx));
    this.sim.start();
    this.sim.runUntilQuiet();
  }

  private score(task: string, ctx: EvaluationContext): number {
    const candidate = this.sim.snapshot.data.inFlight?.kind === 'evaluate' && this.sim.snapshot.data.inFlight.purpose === 'retrain';
    if (!candidate) return 0.95;
    return ctx.suite === 'feedback' ? this.candidate.feedback : (this.candidate.heldout[task] ?? 0.95);
  }

  lessons(): number {
    return this.sim.snapshot.data.lessons;
  }

  mastered(): Record<string, MasteredTask> {
    return this.sim.snapshot.data.mastered;
  }

  /** Puts each task in a box, due `dueIn` lessons from now (0: due now). */
  setBoxes(boxes: Record<string, { box: number; dueIn: number }>): void {
    const data = this.sim.snapshot.data;
    const mastered = { ...data.mastered };
    for (const [t, { box, dueIn }] of Object.entries(boxes)) {
      const m = mastered[t];
      if (m) mastered[t] = { ...m, box, dueLesson: data.lessons + dueIn };
    }
    this.sim.snapshot = { ...this.sim.snapshot, data: { ...data, mastered } };
  }

  /** minFeedback items, half of them answered wrongly in production (baseline accuracy 0.5). */
  triggerRetrain(): EnvelopeOf<'lesson.start'> {
    for (let i = 0; i < 10; i++) {
      const payload: Feedback = { feedbackId: `f${this.sim.inputs.length}`, deploymentId: 'default', input: '1+2', prediction: i % 2 === 0 ? '4' : '3', label: '3', source: 'user', severity: 'low', observedAt: '2026-01-01T00:00:00.000Z' };
      this.sim.feed(this.sim.event('feedback', payload));
    }
    const lesson = this.sim.commands.at(-1);
    if (lesson?.type !== 'lesson.start' || lesson.payload.purpose !== 'retrain') throw new Error(`expected a retraining lesson, got ${lesson?.type ?? 'nothing'}`);
    return lesson;
  }

  /** Trains and evaluates the candidate; returns the promote or reject decision. */
  judge(): EnvelopeOf<'decision'> {
    const before = this.sim.decisions.length;
    this.sim.runUntilQuiet();
    const verdict = this.sim.decisions.slice(before).find((d) => d.payload.kind === 'promote' || d.payload.kind === 'reject');
    if (!verdict) throw new Error(`no verdict: ${this.sim.decisions.slice(before).map((d) => d.payload.kind).join(' ')}`);
    return verdict;
  }

  /** The lesson decision of the latest retraining lesson. */
  retrainDecision(): EnvelopeOf<'decision'> {
    const found = this.sim.decisions.filter((d) => d.payload.kind === 'lesson' && d.payload.reasons[0]?.code === 'lesson.retrain').at(-1);
    if (!found) throw new Error('no retraining lesson decision');
    return found;
  }
}

/** The weight a task gets when `rehearsed` of the three tasks share what the floor leaves. */
export function rehearsedWeight(rehearsed: number): number {
  return FLOOR + (1 - TASKS.length * FLOOR) / rehearsed;
}

/** Sampling weights equal to the expected ones, task for task, up to rounding. */
export function assertWeights(actual: Readonly<Record<string, number>>, expected: Readonly<Record<string, number>>): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const [t, w] of Object.entries(expected)) assert.ok(Math.abs((actual[t] ?? NaN) - w) < 1e-12, `${t}: ${actual[t]} vs ${w} in ${JSON.stringify(actual)}`);
}
