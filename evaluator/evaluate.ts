// Scoring a model on fixed evaluation sets: batched prediction inside tidy, then per-example
// outcomes computed in plain JS so the numbers are a pure function of the weights and the sets.
import * as tf from '@tensorflow/tfjs';
import type { SuiteMetrics } from '../schemas/events.ts';
import { evaluationSeed, requireTask, type TaskSet } from '../tasks/registry.ts';
import type { Encoding, Example, GeneratedSuite } from '../tasks/task.ts';
import { byCategory, summarize, type Outcome } from './metrics.ts';

const PREDICT_BATCH = 512;

export interface SuiteResult {
  tasks: Record<string, SuiteMetrics>;
  categories: Record<string, SuiteMetrics>;
  /** Per task, its own categories (absent for the pooled feedback suite). */
  taskCategories?: Record<string, Record<string, SuiteMetrics>>;
  durationSeconds: number;
}

/** Outcomes of a model on examples (exact match, confidence of its answer, mean cross-entropy). */
export function scoreExamples(model: tf.LayersModel, encoding: Encoding, examples: readonly Example[]): Outcome[] {
  const { timesteps, features, positions, classes } = encoding;
  const outcomes: Outcome[] = [];
  for (let start = 0; start < examples.length; start += PREDICT_BATCH) {
    const chunk = examples.slice(start, start + PREDICT_BATCH);
    const x = new Float32Array(chunk.length * timesteps * features);
    chunk.forEach((e, i) => x.set(e.input, i * timesteps * features));
    const logProbs = tf.tidy(() => {
      const input = tf.tensor3d(x, [chunk.length, timesteps, features]);
      return tf.logSoftmax(model.predict(input, { batchSize: PREDICT_BATCH }) as tf.Tensor).dataSync() as Float32Array;
    });
    chunk.forEach((example, i) => {
      let correct = true;
      let confidence = 1;
      let loss = 0;
      for (let p = 0; p < positions; p++) {
        const base = (i * positions + p) * classes;
        let best = 0;
        for (let c = 1; c < classes; c++) if ((logProbs[base + c] ?? -Infinity) > (logProbs[base + best] ?? -Infinity)) best = c;
        const label = example.target[p] ?? 0;
        if (best !== label) correct = false;
        confidence *= Math.exp(logProbs[base + best] ?? -Infinity);
        loss -= logProbs[base + label] ?? -Infinity;
      }
      outcomes.push({ correct, confidence, loss: loss / positions, category: example.category });
    });
  }
  return outcomes;
}

export class EvaluationSets {
  // Per task set (the registry builds one per run configuration): two runs with the same seed
  // and task ids but other data or another tokenizer must not share examples.
  private readonly cache = new WeakMap<TaskSet, Map<string, Example[]>>();

  /** The fixed examples of a suite for a task (built once per process). */
  get(taskSet: TaskSet, runSeed: number, taskId: string, suite: GeneratedSuite, n: number): Example[] {
    let sets = this.cache.get(taskSet);
    if (!sets) this.cache.set(taskSet, (sets = new Map()));
    const key = JSON.stringify([runSeed, taskId, suite, n]);
    let examples = sets.get(key);
    if (!examples) {
      examples = requireTask(taskSet, taskId).evaluationSet(suite, n, evaluationSeed(runSeed, taskId, suite));
      if (sets.size > 64) sets.clear();
      sets.set(key, examples);
    }
    return examples;
  }
}

export function evaluateSuite(
  model: tf.LayersModel,
  taskSet: TaskSet,
  sets: EvaluationSets,
  runSeed: number,
  samplesPerTask: number,
  suite: GeneratedSuite,
  taskIds: readonly string[],
): SuiteResult {
  const started = performance.now();
  const tasks: Record<string, SuiteMetrics> = {};
  const taskCategories: Record<string, Record<string, SuiteMetrics>> = {};
  const all: Outcome[] = [];
  for (const taskId of taskIds) {
    const outcomes = scoreExamples(model, taskSet.encoding, sets.get(taskSet, runSeed, taskId, suite, samplesPerTask));
    tasks[taskId] = summarize(outcomes);
    taskCategories[taskId] = byCategory(outcomes);
    all.push(...outcomes);
  }
  return { tasks, categories: byCategory(all), taskCategories, durationSeconds: (performance.now() - started) / 1000 };
}
