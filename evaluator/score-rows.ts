// Transfer scoring (Hacohen & Weinshall 2019): a trained model's loss on every row of a data
// set, the difficulty measure that `curriculum score` writes into the rows so that a task can be
// split into buckets by it (tasks[].buckets.by: { kind: field, field: loss }).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CurriculumError } from '../schemas/errors.ts';
import { checkpointExists, loadCheckpointModel, readCheckpointMeta } from '../trainer/checkpoint-store.ts';
import { JsonlTask, type JsonlDataset } from '../tasks/jsonl.ts';
import { encodingKey, sameEncoding, type Example } from '../tasks/task.ts';
import { scoreExamples } from './evaluate.ts';

/**
 * A checkpoint directory as it is, or a run directory's latest lesson-end checkpoint (the model
 * the run exported last). Throws CUR_CHECKPOINT_MISSING when there is none.
 */
export function resolveScoringCheckpoint(path: string): string {
  if (checkpointExists(path)) return path;
  const root = join(path, 'checkpoints');
  if (!existsSync(root)) throw new CurriculumError('CUR_CHECKPOINT_MISSING', `${path} is neither a checkpoint (model.json) nor a run directory (checkpoints/)`);
  let best: { dir: string; step: number } | undefined;
  for (const run of readdirSync(root)) {
    const runRoot = join(root, run);
    for (const id of existsSync(runRoot) ? readdirSync(runRoot) : []) {
      const dir = join(runRoot, id);
      if (!checkpointExists(dir)) continue;
      const meta = readCheckpointMeta(dir);
      if (meta.lessonComplete && (!best || meta.step > best.step)) best = { dir, step: meta.step };
    }
  }
  if (!best) throw new CurriculumError('CUR_CHECKPOINT_MISSING', `${path} holds no lesson-end checkpoint to score with`);
  return best.dir;
}

/** The scoring model's mean cross-entropy on each row of `dataset` (row order), on the current backend. */
export async function scoreRows(checkpoint: string, dataset: JsonlDataset): Promise<number[]> {
  const { model, meta } = await loadCheckpointModel(checkpoint);
  try {
    if (!sameEncoding(meta.encoding, dataset.encoding)) {
      throw new CurriculumError(
        'CUR_CONFIG_INVALID',
        `${checkpoint} encodes inputs as ${encodingKey(meta.encoding)} but ${dataset.file} as ${encodingKey(dataset.encoding)}: a scoring model must read the rows the way it was trained (same input width or text vocabulary and length, same classes)`,
      );
    }
    const encoder = new JsonlTask('scoring', dataset, { heldoutFraction: 0, runSeed: 0 });
    const examples = dataset.rows.map((r) => encoder.encodeRow(r.input, r.label, r.category) as Example);
    return scoreExamples(model, dataset.encoding, examples).map((o) => o.loss);
  } finally {
    model.dispose();
  }
}
