// Plays "production" for the continual-digits example: writes feedback JSONL (one row per line,
// schemas/json/feedback.payload.json) for a run whose stages are done. Each row is a digit the
// deployed model answered, with its true label:
//   --kind permutation  digits from the mnist test universe under a pixel permutation never trained on (a real shift)
//   --kind noise        uniform-noise images with random labels (an adversarial "shift": must be rejected)
// usage: npx tsx examples/make-digits-feedback.ts --run-dir runs/<run-id> [--kind permutation|noise]
//          [--count 240] [--seed 1] [--permutation 77] > feedback.jsonl
//        curriculum feedback send feedback.jsonl --run-dir runs/<run-id>
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FileRunStore } from '../store/file-store.ts';
import { describeRun, restoreSnapshot } from '../controller/core/index.ts';
import { checkpointDir, loadCheckpointModel } from '../trainer/checkpoint-store.ts';
import { predictClasses } from '../evaluator/predict.ts';
import { DIGITS_ENCODING } from '../tasks/permuted-digits.ts';
import { feedbackRows, shiftedDigits } from '../tasks/shifted-feedback.ts';

const { values } = parseArgs({
  options: {
    'run-dir': { type: 'string' },
    kind: { type: 'string', default: 'permutation' },
    count: { type: 'string', default: '240' },
    seed: { type: 'string', default: '1' },
    permutation: { type: 'string', default: '77' },
  },
});
const runDir = values['run-dir'];
const kind = values.kind;
if (!runDir || (kind !== 'permutation' && kind !== 'noise')) {
  console.error('usage: make-digits-feedback.ts --run-dir RUN_DIR [--kind permutation|noise] [--count N] [--seed S] [--permutation P]');
  process.exit(2);
}
const dir = resolve(runDir);
const runId = basename(dir);
const stored = await new FileRunStore(dirname(dir)).load(runId);
const raw = stored?.snapshot as { core?: unknown } | null | undefined;
if (!raw?.core) throw new Error(`${dir}: no controller state`);
const view = describeRun(restoreSnapshot(raw.core));
const deployed = view.continual?.deployedCheckpointId;
if (!view.continual || !deployed) throw new Error(`${runId} has no deployed checkpoint yet (state ${view.detailedState})`);
const options = { kind, count: Number(values.count), seed: Number(values.seed), permutation: Number(values.permutation), deploymentId: view.continual.deploymentId, observedAt: new Date().toISOString() } as const;
const rows = shiftedDigits(options);
const { model } = await loadCheckpointModel(checkpointDir(join(dir, 'checkpoints'), runId, deployed));
const predicted = predictClasses(model, DIGITS_ENCODING, rows.map((r) => r.input));
for (const row of feedbackRows(options, rows, predicted.map((p) => String(p[0] ?? '')))) process.stdout.write(`${JSON.stringify(row)}\n`);
