// The Redis store's configuration is validated once, with every bad field named and no secret echoed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCurriculumError } from '../../schemas/errors.ts';
import { parseRedisStoreConfig, redisStoreConfigFromEnv, RedisRunStore } from '../../store/redis/index.ts';

function details(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(isCurriculumError(e), `a CurriculumError, got ${String(e)}`);
    assert.equal(e.code, 'CUR_CONFIG_INVALID');
    return e.details.join('\n');
  }
  assert.fail('expected CUR_CONFIG_INVALID');
}

test('bad fields are named; a URL (which may hold a password) is never echoed', () => {
  const text = details(() => parseRedisStoreConfig({ url: 'http://:hunter2@host:6379', keyPrefix: 'has space', testOnlyCommitDelayMs: -1 }));
  assert.match(text, /url/);
  assert.match(text, /keyPrefix/);
  assert.match(text, /testOnlyCommitDelayMs/);
  assert.doesNotMatch(text, /hunter2/);
});

test('the constructor validates before connecting', () => {
  details(() => new RedisRunStore({ url: 'redis://127.0.0.1:1', maxRetriesPerRequest: -5 }));
});

test('the environment: unset means embedded mode', () => {
  assert.equal(redisStoreConfigFromEnv({}), null);
  assert.deepEqual(redisStoreConfigFromEnv({ CURRICULUM_REDIS_URL: 'rediss://h:1', CURRICULUM_REDIS_KEY_PREFIX: 'p:' }), {
    url: 'rediss://h:1',
    keyPrefix: 'p:',
  });
});
