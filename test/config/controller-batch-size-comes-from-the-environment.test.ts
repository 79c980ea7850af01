// CURRICULUM_CONTROLLER_BATCH sets how many events the controller folds per batch: a latency
// against throughput trade (BENCHMARKS.md, bench:controller). Read and validated once at start-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadServiceConfig } from '../../config/service-config.ts';
import { isCurriculumError } from '../../schemas/errors.ts';

const base = { CURRICULUM_KAFKA_BROKERS: '127.0.0.1:9092' };

test('the controller batch defaults to 64 events', () => {
  assert.equal(loadServiceConfig(base, { needsRedis: false }).controllerBatch, 64);
});

test('CURRICULUM_CONTROLLER_BATCH sets it', () => {
  assert.equal(loadServiceConfig({ ...base, CURRICULUM_CONTROLLER_BATCH: '16' }, { needsRedis: false }).controllerBatch, 16);
});

test('a batch of 0 or a non-integer is refused, naming the variable', () => {
  for (const value of ['0', '2.5', 'many']) {
    assert.throws(
      () => loadServiceConfig({ ...base, CURRICULUM_CONTROLLER_BATCH: value }, { needsRedis: false }),
      (e: unknown) => isCurriculumError(e) && e.code === 'CUR_CONFIG_INVALID' && JSON.stringify(e.details).includes('CURRICULUM_CONTROLLER_BATCH'),
      value,
    );
  }
});
