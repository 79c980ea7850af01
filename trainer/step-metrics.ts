// Per-task loss and exact-match, and the gradient norm, over one metrics window. A step leaves
// its per-example tensors here instead of reading them back (a sync per tensor per step on a
// device backend, and three array copies per step on wasm); they are read back in bulk, one
// concat and one read per kind, when the window publishes, or every FLUSH_STEPS steps of a
// long window so that the tensors held stay bounded. The sums run in float64 in step, then
// example order, exactly as the per-step read-back summed them, so the published figures are
// the same numbers.
import * as tf from '@tensorflow/tfjs';
import { CurriculumError } from '../schemas/errors.ts';
import type { TrainerMetrics } from '../schemas/events.ts';
import type { StepResult } from './train-step.ts';

/** Steps held on the backend before a read-back even mid-window (two [batch] tensors each). */
export const FLUSH_STEPS = 64;

interface PendingStep {
  step: number;
  taskOf: readonly string[];
  losses: tf.Tensor1D;
  correct: tf.Tensor1D;
  norm: tf.Scalar | undefined;
}

type TaskSums = { lossSum: number; correct: number; samples: number };

export interface WindowFigures {
  tasks: TrainerMetrics['tasks'];
  /** Mean of the gradient norms measured in the window (every step with clipping; the window's last step without). */
  gradientNorm: number;
}

export class WindowMetrics {
  private pending: PendingStep[] = [];
  private sums = new Map<string, TaskSums>();
  private normSum = 0;
  private normCount = 0;

  constructor(private readonly lessonId: string) {}

  /** Takes ownership of the step's tensors (disposed on read-back or by dispose()). */
  add(step: number, taskOf: readonly string[], result: Pick<StepResult, 'losses' | 'correct' | 'gradientNorm'>): void {
    this.pending.push({ step, taskOf, losses: result.losses, correct: result.correct, norm: result.gradientNorm });
    if (this.pending.length >= FLUSH_STEPS) this.flush();
  }

  /**
   * Reads back the pending steps into the window's sums. Throws CUR_TRAINING_NAN at the first
   * step whose gradient norm is not finite (the loss is checked every step by the caller).
   */
  flush(): void {
    const pending = this.pending;
    if (pending.length === 0) return;
    this.pending = [];
    let losses: Float32Array;
    let correct: Float32Array;
    let norms: Float32Array | undefined;
    try {
      losses = readAll(pending.map((s) => s.losses));
      correct = readAll(pending.map((s) => s.correct));
      const measured = pending.flatMap((s) => (s.norm ? [s.norm] : []));
      norms = measured.length > 0 ? readAll(measured) : undefined;
    } finally {
      for (const s of pending) disposeStep(s);
    }
    let k = 0;
    let n = 0;
    for (const s of pending) {
      for (const task of s.taskOf) {
        let w = this.sums.get(task);
        if (!w) {
          w = { lossSum: 0, correct: 0, samples: 0 };
          this.sums.set(task, w);
        }
        w.lossSum += losses[k] ?? 0;
        w.correct += correct[k] ?? 0;
        w.samples += 1;
        k++;
      }
      if (s.norm && norms) {
        const norm = norms[n++] ?? NaN;
        if (!Number.isFinite(norm)) {
          throw new CurriculumError('CUR_TRAINING_NAN', `lesson ${this.lessonId}: the gradient norm became ${norm} at step ${s.step}; the lesson was abandoned`);
        }
        this.normSum += norm;
        this.normCount += 1;
      }
    }
  }

  /** The window's figures, read back now; the next window starts empty. */
  take(): WindowFigures {
    this.flush();
    const tasks = Object.fromEntries(
      // float32 log-softmax can round a near-certain answer's loss a hair below zero
      [...this.sums].map(([task, w]) => [task, { loss: Math.max(0, w.lossSum / w.samples), accuracy: w.correct / w.samples, samples: w.samples }]),
    );
    const gradientNorm = this.normCount > 0 ? this.normSum / this.normCount : 0;
    this.sums = new Map();
    this.normSum = 0;
    this.normCount = 0;
    return { tasks, gradientNorm };
  }

  /** Frees what is still pending (a lesson that failed mid-window). */
  dispose(): void {
    for (const s of this.pending) disposeStep(s);
    this.pending = [];
  }
}

function disposeStep(s: PendingStep): void {
  s.losses.dispose();
  s.correct.dispose();
  s.norm?.dispose();
}

/** One read-back for many tensors: concatenated (flattened) on the backend first. */
function readAll(tensors: readonly tf.Tensor[]): Float32Array {
  if (tensors.length === 1) return (tensors[0] as tf.Tensor).dataSync() as Float32Array;
  const all = tf.tidy(() => tf.concat(tensors.map((t) => t.reshape([-1]))));
  try {
    return all.dataSync() as Float32Array;
  } finally {
    all.dispose();
  }
}
