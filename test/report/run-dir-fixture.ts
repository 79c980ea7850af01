// Writes a plausible finished 3-stage run directory (the addition ladder of examples/) so the
// report tests read the same files a real run leaves, without committing large fixtures.
// The simulation is deterministic: a seeded generator, skills that grow with the share of
// training a task gets and decay when it gets none, reviews that stop the decay, and one
// regression that ends in a revert to an earlier checkpoint.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { makeEvent } from '../../schemas/envelope.ts';
import type { EnvelopeOf, EventType, PayloadOf, Reason, RunConfig, SuiteName } from '../../schemas/events.ts';
import type { CurriculumSpecInput } from '../../schemas/spec.ts';
import { parseSpecValue } from '../../schemas/spec-loader.ts';
import { RUN_DIR_FILES } from '../../report/run-dir-files.ts';
import { readRunDir } from '../../report/read-run-dir.ts';
import { deriveRunSummary } from '../../report/derive-summary.ts';
import { writeRunSummary } from '../../report/run-summary.ts';

export interface FixtureOptions {
  runId?: string;
  name?: string;
  /** Spaced reviews on (default) or off, for ablation comparisons. */
  reviews?: boolean;
  /** Replaces the first stage's rationale (e.g. with markup, to test escaping). */
  stageRationale?: string;
  /** Replaces the first task's rationale. */
  taskRationale?: string;
  /** Replaces the spec description. */
  description?: string;
  /** Write summary.json (default true). */
  summary?: boolean;
  /** Write lessons.jsonl (default true). */
  lessons?: boolean;
  seed?: number;
}

const root = join(import.meta.dirname, '../..');
const STEPS_PER_LESSON = 60;
const METRICS_EVERY = 20;
const BATCH = 64;
const SUITES: SuiteName[] = ['heldout', 'holdout-domain', 'adversarial'];
const SUITE_PENALTY: Record<string, number> = { heldout: 0, 'holdout-domain': 0.08, adversarial: 0.2 };

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Creates `dir` (and parents) and writes a complete run directory into it; returns dir. */
export function writeRunDirFixture(dir: string, options: FixtureOptions = {}): string {
  const runId = options.runId ?? 'run-fixture-1';
  const reviews = options.reviews ?? true;
  const random = mulberry32(options.seed ?? 7);
  mkdirSync(join(dir, RUN_DIR_FILES.checkpoints), { recursive: true });

  const input = parse(readFileSync(join(root, 'examples/addition.yaml'), 'utf8')) as CurriculumSpecInput;
  input.name = options.name ?? input.name;
  if (options.description !== undefined) input.description = options.description;
  input.review = { ...(input.review ?? {}), enabled: reviews } as CurriculumSpecInput['review'];
  input.fairness = { maxGap: 0.1, minSamples: 20 };
  input.tasks = input.tasks.map((t) => ({ ...t, categories: ['no-carry', 'carry'] }));
  const [stage0] = input.stages;
  const [task0] = input.tasks;
  if (options.stageRationale !== undefined && stage0) stage0.rationale = options.stageRationale;
  if (options.taskRationale !== undefined && task0) task0.rationale = options.taskRationale;
  const spec = parseSpecValue(input, 'fixture');
  writeFileSync(join(dir, RUN_DIR_FILES.specYaml), stringify(input));
  writeFileSync(join(dir, RUN_DIR_FILES.specResolved), `${JSON.stringify(spec, null, 2)}\n`);

  const runConfig: RunConfig = {
    seed: spec.seed,
    model: spec.model,
    optimizer: spec.optimizer,
    batchSize: BATCH,
    backend: 'cpu',
    tasks: spec.tasks,
    samplesPerTask: 200,
    baseDir: root,
  };
  const taskIds = spec.tasks.map((t) => t.id);
  const skill: Record<string, number> = Object.fromEntries(taskIds.map((t) => [t, 0]));
  const best: Record<string, number> = Object.fromEntries(taskIds.map((t) => [t, 0]));
  const decisions: string[] = [];
  const metrics: string[] = [];
  const lessons: string[] = [];
  const seq = { decision: 0, trainer: 0, evaluator: 0, lesson: 0 };
  const start = Date.parse('2026-11-28T10:00:00.000Z');
  let clock = 0;
  let step = 0;
  let branch = 0;
  let revertDone = false;
  const checkpoints: Array<{ id: string; step: number; skill: Record<string, number> }> = [];

  const envelope = <T extends EventType>(type: T, producer: string, sequence: number, payload: PayloadOf<T>): EnvelopeOf<T> => {
    clock += 1.5;
    return makeEvent(type, { eventId: `${runId}-${type}-${producer}-${sequence}`, runId, producer, sequence, producedAt: new Date(start + clock * 1000).toISOString() }, payload);
  };
  const decide = (kind: PayloadOf<'decision'>['kind'], from: string, to: string, reasons: Reason[]) => {
    const sequence = seq.decision++;
    decisions.push(JSON.stringify(envelope('decision', 'controller-0', sequence, { decisionId: `${runId}-d${sequence}`, sequence, step, kind, from, to, reasons, causedBy: null })));
  };
  const accuracyOf = (task: string, penalty = 0) => {
    const difficulty = spec.tasks.find((t) => t.id === task)?.difficulty ?? 1;
    const base = 1 - Math.exp(-(skill[task] ?? 0) / difficulty);
    return Math.min(1, Math.max(0, base - penalty + (random() - 0.5) * 0.03));
  };

  decide('start', 'idle', `training:${spec.stages[0]?.id ?? ''}`, [{ code: 'run.start', policy: 'run', holds: true, message: 'run started from the spec' }]);

  spec.stages.forEach((stage, stageIndex) => {
    const lessonCount = [5, 9, 10][stageIndex] ?? 6;
    for (let l = 0; l < lessonCount; l++) {
      // Reviews revisit what earlier stages taught.
      const earlier = [...new Set(spec.stages.slice(0, stageIndex).flatMap((s) => s.tasks))];
      const review = reviews && stageIndex > 0 && l % 3 === 2 && earlier.length > 0;
      const weights: Record<string, number> = {};
      const newest = stage.tasks[stage.tasks.length - 1] ?? '';
      for (const t of stage.tasks) weights[t] = stage.tasks.length === 1 ? 1 : t === newest ? 0.9 : 0.1 / (stage.tasks.length - 1);
      if (review) {
        for (const t of Object.keys(weights)) weights[t] = (weights[t] ?? 0) * 0.7;
        for (const t of earlier) weights[t] = (weights[t] ?? 0) + 0.3 / earlier.length;
      }
      const lessonId = `${runId}-l${seq.lesson}`;
      lessons.push(JSON.stringify(envelope('lesson.start', 'controller-0', seq.lesson++, {
        commandId: `${lessonId}-cmd`, run: runConfig, lessonId, stage: stage.id, stageIndex, branch,
        purpose: review ? 'review' : 'train', taskWeights: weights, learningRate: stage.learningRate, learningRateScale: 1,
        scheduleOffsetSteps: 0, steps: STEPS_PER_LESSON, startStep: step, checkpointEvery: STEPS_PER_LESSON, metricsEvery: METRICS_EVERY,
        fromCheckpointId: checkpoints.at(-1)?.id ?? null, samplerSeed: seq.lesson,
      })));
      if (review) {
        decide('review', `training:${stage.id}`, `training:${stage.id}`, earlier.map((t) => ({
          code: 'review.due', policy: 'review', holds: true, task: t, message: `${t} is due for review (Leitner box interval reached)`,
        })));
      } else {
        decide('lesson', `training:${stage.id}`, `training:${stage.id}`, [{ code: 'lesson.next', policy: stage.teacher.kind, holds: true, message: 'next lesson of the stage' }]);
      }
      for (let w = 0; w < STEPS_PER_LESSON / METRICS_EVERY; w++) {
        step += METRICS_EVERY;
        const tasks: Record<string, { loss: number; accuracy: number; samples: number }> = {};
        for (const t of taskIds) {
          const share = weights[t] ?? 0;
          // A task drilled rarely fades: below a tenth of the batch it decays faster than it grows.
          skill[t] = (skill[t] ?? 0) * (share < 0.1 ? 0.94 : 1) + share * 0.35;
          const samples = Math.round(share * METRICS_EVERY * BATCH);
          if (samples === 0) continue;
          const acc = accuracyOf(t, -0.03);
          tasks[t] = { loss: Math.max(0.01, -Math.log(Math.max(0.02, acc))), accuracy: acc, samples };
        }
        metrics.push(JSON.stringify(envelope('trainer.metrics', 'trainer-0', seq.trainer++, {
          lessonId, commandId: `${lessonId}-cmd`, branch, step, tasks, learningRate: 0.01 * (1 - 0.3 * w), gradientNorm: 0.5 + random(), samplesPerSecond: 900 + random() * 100, backend: 'cpu',
        })));
      }
      const checkpointId = `${runId}-ckpt-${step}-b${branch}`;
      checkpoints.push({ id: checkpointId, step, skill: { ...skill } });
      for (const suite of SUITES) {
        const tasks: Record<string, { n: number; accuracy: number; loss: number; ece: number }> = {};
        for (const t of taskIds) {
          const accuracy = accuracyOf(t, SUITE_PENALTY[suite] ?? 0);
          tasks[t] = { n: 200, accuracy, loss: -Math.log(Math.max(0.02, accuracy)), ece: Math.min(1, 0.02 + (1 - accuracy) * 0.2 + random() * 0.02) };
        }
        const mean = Object.values(tasks).reduce((a, m) => a + m.accuracy, 0) / taskIds.length;
        const categories = {
          'no-carry': { n: 300, accuracy: Math.min(1, mean + 0.04), loss: 0.2, ece: 0.03 },
          carry: { n: 300, accuracy: Math.max(0, mean - 0.06), loss: 0.5, ece: 0.08 },
        };
        metrics.push(JSON.stringify(envelope('evaluation.results', 'evaluator-0', seq.evaluator++, {
          commandId: `${checkpointId}-eval`, checkpointId, branch, step, suite, tasks, categories, durationSeconds: 1.2,
        })));
        if (suite === 'heldout') {
          for (const t of taskIds) best[t] = Math.max(best[t] ?? 0, tasks[t]?.accuracy ?? 0);
        }
      }
      const gate = stage.advance.gates[0];
      const gateTask = gate?.task ?? newest;
      const acc = accuracyOf(gateTask);
      const bound = Math.max(0, acc - 0.04);
      const passes = l === lessonCount - 1;
      const gateReason: Reason = {
        code: 'gate.lower-bound', policy: 'advance', holds: passes, task: gateTask, metric: 'accuracy',
        value: acc, bound, threshold: gate?.threshold ?? 0.9, comparator: '>=',
        message: passes ? `${gateTask} passed its gate` : `${gateTask} is below its gate`,
      };
      // One regression in the last stage: a review first, then a revert to an earlier checkpoint.
      if (stageIndex === 2 && l === 3) {
        decide('regression-review', `training:${stage.id}`, `training:${stage.id}`, [{
          code: 'regression.forget', policy: 'regression', holds: true, task: taskIds[0], metric: 'accuracy drop',
          value: 0.07, threshold: 0.05, comparator: '>', message: `${taskIds[0] ?? ''} dropped 7.0 pp from its best`,
        }]);
      }
      if (stageIndex === 2 && l === 5 && !revertDone) {
        revertDone = true;
        const target = checkpoints[checkpoints.length - 3];
        decide('revert', `training:${stage.id}`, `training:${stage.id}`, [{
          code: 'regression.revert', policy: 'regression', holds: true, task: taskIds[1], metric: 'accuracy drop',
          value: 0.18, threshold: 0.15, comparator: '>', message: `${taskIds[1] ?? ''} dropped 18.0 pp: reverting to ${target?.id ?? ''}`,
        }]);
        if (target) {
          step = target.step;
          Object.assign(skill, target.skill);
          branch++;
        }
        continue;
      }
      if (passes && stageIndex < spec.stages.length - 1) {
        decide('advance', `training:${stage.id}`, `training:${spec.stages[stageIndex + 1]?.id ?? ''}`, [gateReason]);
      } else if (passes) {
        decide('complete', `training:${stage.id}`, 'completed', [gateReason]);
      } else {
        decide('hold', `training:${stage.id}`, `training:${stage.id}`, [gateReason]);
      }
    }
  });

  writeFileSync(join(dir, RUN_DIR_FILES.decisions), `${decisions.join('\n')}\n`);
  writeFileSync(join(dir, RUN_DIR_FILES.metrics), `${metrics.join('\n')}\n`);
  if (options.lessons ?? true) writeFileSync(join(dir, RUN_DIR_FILES.lessons), `${lessons.join('\n')}\n`);
  if (options.summary ?? true) {
    writeRunSummary(dir, deriveRunSummary(readRunDir(dir)));
  }
  return dir;
}
