// Batches drawn by the lesson's task weights, from one seeded stream: task choice and example
// generation both come from it, so its four-word state (saved in sampler.json) pins the data.
import { CurriculumError } from '../schemas/errors.ts';
import type { Random } from '../tasks/random.ts';
import { requireTask, type TaskSet } from '../tasks/registry.ts';
import type { Task } from '../tasks/task.ts';
import type { ReplayBuffer } from './replay-buffer.ts';

export interface Batch {
  x: Float32Array;
  y: Int32Array;
  /** Task id of each example, for per-task metrics. */
  taskOf: string[];
}

export class BatchSampler {
  private readonly tasks: Task[];
  private readonly weights: number[];

  /** Buffered tasks the lesson does not train: what experience replay mixes in. */
  private readonly replayTasks: string[];

  constructor(
    private readonly taskSet: TaskSet,
    taskWeights: Readonly<Record<string, number>>,
    readonly rng: Random,
    /** Experience replay (bench baseline): absent, the sampler draws exactly as before. */
    private readonly replay?: { buffer: ReplayBuffer; fraction: number },
  ) {
    const entries = Object.entries(taskWeights).filter(([, w]) => w > 0);
    this.tasks = entries.map(([id]) => requireTask(taskSet, id));
    this.weights = entries.map(([, w]) => w);
    if (this.tasks.length === 0) throw new CurriculumError('CUR_CONFIG_INVALID', 'taskWeights: no task has a positive weight');
    const trained = new Set(this.tasks.map((t) => t.id));
    this.replayTasks = replay ? replay.buffer.tasks().filter((t) => !trained.has(t)) : [];
  }

  next(batchSize: number): Batch {
    const { timesteps, features, positions } = this.taskSet.encoding;
    const inputSize = timesteps * features;
    const x = new Float32Array(batchSize * inputSize);
    const y = new Int32Array(batchSize * positions);
    const taskOf: string[] = [];
    for (let i = 0; i < batchSize; i++) {
      if (this.replay && this.replayTasks.length > 0 && this.rng.next() < this.replay.fraction) {
        const old = this.replay.buffer.draw(this.replayTasks, this.rng);
        if (old) {
          x.set(old.input, i * inputSize);
          y.set(old.target, i * positions);
          taskOf.push(old.task);
          continue;
        }
      }
      const task = this.tasks[this.rng.weighted(this.weights)] as Task;
      if (!this.replay && task.writeTrainingExample) {
        // Straight into the batch (replay needs the example as its own copy, so it takes the other path).
        task.writeTrainingExample(this.rng, x, i * inputSize, y, i * positions);
        taskOf.push(task.id);
        continue;
      }
      const example = task.trainingExample(this.rng);
      x.set(example.input, i * inputSize);
      y.set(example.target, i * positions);
      taskOf.push(task.id);
      this.replay?.buffer.add(task.id, example.input, example.target, this.rng);
    }
    return { x, y, taskOf };
  }
}
