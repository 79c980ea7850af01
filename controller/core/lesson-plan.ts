// The mixture of the next lesson: the stage teacher's distribution, moved by any active shift
// (plateau or fairness), mixed with the tasks due for review, then floored over every task in it.
import type { Reason } from '../../schemas/events.ts';
import type { ResolvedSpec, StageSpec } from '../../schemas/spec.ts';
import type { LessonPurpose, RunData, TaskAccumulator } from './snapshot.ts';
import { retrainReview } from './policies/review.ts';
import { applyFloor, propose, shiftToward, type LessonStats } from './teachers/index.ts';

export interface LessonPlan {
  weights: Record<string, number>;
  focus: string | null;
  reasons: Reason[];
  /** Mastered tasks the lesson reviews; their Leitner boxes move once it is evaluated. */
  reviewTasks: string[];
}

export function teacherFloor(stage: StageSpec): number {
  return stage.teacher.floor;
}

/** Tasks trained by stages 0..lastStage, in spec task order. */
export function tasksUpTo(spec: ResolvedSpec, lastStage: number): string[] {
  const trained = new Set<string>();
  spec.stages.forEach((s, i) => {
    if (i <= lastStage) for (const t of s.tasks) trained.add(t);
  });
  return spec.tasks.map((t) => t.id).filter((t) => trained.has(t));
}

const difficulties = new WeakMap<ResolvedSpec, Record<string, number>>();
export function difficultyOf(spec: ResolvedSpec): Record<string, number> {
  let d = difficulties.get(spec);
  if (!d) {
    d = Object.fromEntries(spec.tasks.map((t) => [t.id, t.difficulty]));
    difficulties.set(spec, d);
  }
  return d;
}

/** Plans the lesson; advances the teacher state and the RNG in `data`. */
export function planLesson(spec: ResolvedSpec, stageIndex: number, data: RunData, purpose: LessonPurpose, reviewTasks: readonly string[]): LessonPlan {
  if (purpose === 'retrain') return planRetrain(spec, data);
  const stage = spec.stages[stageIndex] as StageSpec;
  const proposal = propose(stage.teacher, {
    tasks: stage.tasks,
    state: data.teacher,
    rng: data.rng,
    stageSteps: data.stageTrainedSteps,
    difficulty: difficultyOf(spec),
  });
  data.teacher = proposal.state;
  data.rng = proposal.rng;
  const reasons = [...proposal.reasons];
  let q: Record<string, number> = proposal.distribution;
  if (data.shift) {
    q = shiftToward(q, stage.tasks, data.shift.tasks, data.shift.strength);
    reasons.push({
      code: `shift.${data.shift.source}`,
      policy: data.shift.source === 'plateau' ? 'plateau.shift-to-weakest' : 'fairness',
      holds: true,
      value: data.shift.strength,
      message: `${(data.shift.strength * 100).toFixed(0)}% of the mixture moved to ${data.shift.tasks.join(', ')}`,
    });
  }
  let tasks: string[] = [...stage.tasks];
  if (purpose === 'review' && reviewTasks.length > 0) {
    const f = spec.review.fraction;
    const mixed: Record<string, number> = {};
    const union = [...new Set([...stage.tasks, ...reviewTasks])];
    for (const t of union) mixed[t] = (1 - f) * (q[t] ?? 0) + (reviewTasks.includes(t) ? f / reviewTasks.length : 0);
    q = mixed;
    tasks = union;
    reasons.push({
      code: 'review.mixture',
      policy: 'review.leitner',
      holds: true,
      value: f,
      message: `${(f * 100).toFixed(0)}% of the lesson reviews ${reviewTasks.join(', ')}`,
    });
  }
  if (stage.mix !== undefined && stage.mix > 0) {
    const mixed = mixOverCurriculum(spec, q, tasks, stage.mix);
    q = mixed.weights;
    tasks = mixed.tasks;
    reasons.push({
      code: 'stage.mix',
      policy: 'stage.mix',
      holds: true,
      value: stage.mix,
      message: `${(stage.mix * 100).toFixed(0)}% of the lesson drawn uniformly over all ${mixed.all} tasks of the curriculum (no-regret mixing), ${(stage.mix / mixed.all).toFixed(3)} each; the teacher's mixture keeps the rest`,
    });
  }
  return { weights: applyFloor(q, tasks, stage.teacher.floor), focus: proposal.focus, reasons, reviewTasks: [...reviewTasks] };
}

/** (1 - mix) * q + mix * uniform(every task of the spec); the lesson's tasks grow to all of them. */
export function mixOverCurriculum(spec: ResolvedSpec, q: Readonly<Record<string, number>>, tasks: readonly string[], mix: number): { weights: Record<string, number>; tasks: string[]; all: number } {
  const all = spec.tasks.map((t) => t.id);
  const union = [...tasks, ...all.filter((t) => !tasks.includes(t))];
  let total = 0;
  for (const t of tasks) total += q[t] ?? 0;
  const weights: Record<string, number> = {};
  for (const t of union) weights[t] = (1 - mix) * (total > 0 ? (q[t] ?? 0) / total : 0) + mix / all.length;
  return { weights, tasks: union, all: all.length };
}

/**
 * A retraining lesson's task weights: the feedback share of each batch is the trainer's
 * (continual.feedbackFraction); these weights split the rest. It goes to the mastered tasks the
 * Leitner schedule picks (retrainReview), the last stage's teacher floor to every other trained
 * task. With spaced review disabled, or nothing mastered, it stays uniform over the trained tasks.
 */
function planRetrain(spec: ResolvedSpec, data: RunData): LessonPlan {
  const tasks = tasksUpTo(spec, spec.stages.length - 1);
  const floor = spec.stages[spec.stages.length - 1]?.teacher.floor ?? 0;
  const feedbackShare = `${(spec.continual.feedbackFraction * 100).toFixed(0)}% of each batch from the feedback pool`;
  const review = spec.review.enabled ? retrainReview(tasks, data.mastered, data.lessons) : { tasks: [], reasons: [] };
  if (review.tasks.length === 0) {
    const why = spec.review.enabled ? 'no trained task is mastered' : 'spaced review is disabled';
    return {
      weights: applyFloor(Object.fromEntries(tasks.map((t) => [t, 1 / tasks.length])), tasks, floor),
      focus: null,
      reasons: [{ code: 'continual.retrain-mixture', policy: 'continual', holds: true, value: spec.continual.feedbackFraction, message: `${feedbackShare}; the rest uniform over every trained task (${tasks.join(', ')}): ${why}` }],
      reviewTasks: [],
    };
  }
  const rehearsed = review.tasks.map((t) => `${t} (box ${data.mastered[t]?.box ?? 0})`).join(', ');
  const others = tasks.filter((t) => !review.tasks.includes(t));
  return {
    weights: applyFloor(Object.fromEntries(review.tasks.map((t) => [t, 1 / review.tasks.length])), tasks, floor),
    focus: null,
    reasons: [
      {
        code: 'continual.retrain-mixture',
        policy: 'review.leitner',
        holds: true,
        value: spec.continual.feedbackFraction,
        message: `${feedbackShare}; the rest rehearses ${rehearsed}${others.length > 0 ? `, with the floor ${floor} for ${others.join(', ')}` : ''}`,
      },
      ...review.reasons,
    ],
    reviewTasks: review.tasks,
  };
}

export function lessonStats(tasks: Readonly<Record<string, TaskAccumulator>>): LessonStats {
  const out: LessonStats = { accuracy: {}, lossFirst: {}, lossLast: {} };
  for (const [t, a] of Object.entries(tasks)) {
    if (a.samples <= 0) continue;
    out.accuracy[t] = a.correct / a.samples;
    out.lossFirst[t] = a.lossFirst;
    out.lossLast[t] = a.lossLast;
  }
  return out;
}
