// Transfer scoring: a trained run's model scores every row of a data set, `curriculum score`
// writes the loss into the rows, and a task split into buckets by that field goes easy to hard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { testBackend } from '../trainer/fixtures.ts';
import { runEmbedded } from '../../embedded/run-embedded.ts';
import { scoreCommand } from '../../cli/score.ts';
import { resolveScoringCheckpoint, scoreRows } from '../../evaluator/score-rows.ts';
import { readCheckpointMeta } from '../../trainer/checkpoint-store.ts';
import { describeBuckets } from '../../tasks/difficulty-buckets.ts';
import { loadJsonl, parseJsonl } from '../../tasks/jsonl.ts';
import { CurriculumError } from '../../schemas/errors.ts';

const data = join(import.meta.dirname, '..', '..', 'examples', 'data', 'quadrants.jsonl');

test('a run scores every row by its loss, and buckets by that loss go from easy to hard', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scoring-'));
  const spec = join(dir, 'spec.yaml');
  writeFileSync(
    spec,
    JSON.stringify({
      apiVersion: 'curriculum/v1',
      name: 'scorer',
      seed: 5,
      model: { kind: 'mlp', hidden: [16] },
      training: { batchSize: 32, lessonSteps: 40, metricsEvery: 40, maxSteps: 120, backend: 'wasm' },
      evaluation: { suites: ['heldout'], samplesPerTask: 40 },
      tasks: [{ id: 'quadrants', skill: 'geometry', difficulty: 1, generator: { kind: 'jsonl', path: data } }],
      stages: [{ id: 'learn', tasks: ['quadrants'], teacher: { kind: 'uniform' }, learningRate: { kind: 'constant', value: 0.01 }, advance: { gates: [{ metric: 'accuracy', task: 'quadrants', threshold: 0.999 }], confidence: 0.999 }, maxSteps: 120, budgetAction: 'stop' }],
    }),
  );
  const run = await runEmbedded({ specFile: spec, runsDir: join(dir, 'runs'), runId: 'scorer', logger: pino({ level: 'silent' }), backend: testBackend(), skipReport: true });
  assert.equal(run.outcome, 'finished');

  // A run directory means its latest lesson-end checkpoint.
  const checkpoint = resolveScoringCheckpoint(run.runDir);
  assert.equal(readCheckpointMeta(checkpoint).step, 120);

  const out = join(dir, 'scored.jsonl');
  assert.equal(await scoreCommand(['--model', run.runDir, data, '--out', out]), 0);
  const original = readFileSync(data, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const scored = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(scored.length, original.length);
  scored.forEach((row, i) => {
    const { loss, ...rest } = row;
    assert.deepEqual(rest, original[i], 'every original field is kept');
    assert.ok(typeof loss === 'number' && Number.isFinite(loss) && loss >= 0);
  });
  // The written numbers are the model's losses (rounded to 6 significant digits).
  const losses = await scoreRows(checkpoint, loadJsonl(data, '/'));
  scored.forEach((row, i) => assert.ok(Math.abs((row.loss as number) - (losses[i] ?? -1)) <= 1e-5 * Math.max(1, losses[i] ?? 0)));
  // A trained model finds some rows much harder than others.
  assert.ok(Math.max(...losses) > 10 * Math.min(...losses), `losses ${Math.min(...losses)} .. ${Math.max(...losses)}`);

  const buckets = describeBuckets(loadJsonl(out, '/', { extraFields: ['loss'] }), { count: 3, by: { kind: 'field', field: 'loss' } }, 'quadrants');
  assert.deepEqual(buckets.map((b) => b.rows), [133, 134, 133]);
  assert.ok(buckets[0]!.max <= buckets[1]!.min && buckets[1]!.max <= buckets[2]!.min, JSON.stringify(buckets));

  // A model that reads other rows cannot score these.
  const narrow = parseJsonl('{"input":[1,2,3],"label":"ne"}\n{"input":[3,2,1],"label":"sw"}', 'narrow.jsonl');
  await assert.rejects(scoreRows(checkpoint, narrow), (e: unknown) => e instanceof CurriculumError && e.code === 'CUR_CONFIG_INVALID' && /narrow\.jsonl/.test(e.message));
});
