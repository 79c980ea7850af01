// Experience replay with a fixed buffer (the classic continual-learning baseline, e.g. Chaudhry
// et al. 2019 "On tiny episodic memories"): up to `examplesPerTask` training examples per task,
// kept by reservoir sampling so every example a task ever trained on had the same chance to stay.
// The trainer keeps one buffer per run in memory across lessons; a lesson then draws a share of
// each batch from the buffer's *other* tasks (the ones the lesson does not train), which is what
// protects earlier tasks when a fixed sequence moves on. Not checkpointed: a restarted trainer
// starts with an empty buffer (acceptable for a baseline; the controller's reviews are the
// mechanism that survives restarts).
import type { Random } from '../tasks/random.ts';

export interface ReplayOptions {
  /** Examples kept per task. */
  examplesPerTask: number;
  /** Share of each batch drawn from the buffer when it holds tasks the lesson does not train. */
  fraction: number;
}

interface TaskMemory {
  inputs: Float32Array[];
  targets: Int32Array[];
  /** Examples offered so far (reservoir sampling's n). */
  seen: number;
}

export interface ReplayedExample {
  task: string;
  input: Float32Array;
  target: Int32Array;
}

export class ReplayBuffer {
  private readonly memory = new Map<string, TaskMemory>();

  constructor(readonly examplesPerTask: number) {}

  /** Offers one trained example (copied); reservoir sampling keeps a uniform sample per task. */
  add(task: string, input: Float32Array, target: Int32Array, rng: Random): void {
    let m = this.memory.get(task);
    if (!m) {
      m = { inputs: [], targets: [], seen: 0 };
      this.memory.set(task, m);
    }
    m.seen += 1;
    if (m.inputs.length < this.examplesPerTask) {
      m.inputs.push(input.slice());
      m.targets.push(target.slice());
      return;
    }
    const slot = rng.int(m.seen);
    if (slot < this.examplesPerTask) {
      m.inputs[slot] = input.slice();
      m.targets[slot] = target.slice();
    }
  }

  /** Tasks with stored examples, in first-seen order. */
  tasks(): string[] {
    return [...this.memory.keys()];
  }

  size(task?: string): number {
    if (task !== undefined) return this.memory.get(task)?.inputs.length ?? 0;
    let n = 0;
    for (const m of this.memory.values()) n += m.inputs.length;
    return n;
  }

  /** One stored example of a task drawn uniformly from `tasks` (then uniformly within it); undefined when none. */
  draw(tasks: readonly string[], rng: Random): ReplayedExample | undefined {
    const candidates = tasks.filter((t) => (this.memory.get(t)?.inputs.length ?? 0) > 0);
    if (candidates.length === 0) return undefined;
    const task = candidates[rng.int(candidates.length)] as string;
    const m = this.memory.get(task) as TaskMemory;
    const k = rng.int(m.inputs.length);
    return { task, input: m.inputs[k] as Float32Array, target: m.targets[k] as Int32Array };
  }
}
