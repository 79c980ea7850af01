// Errors from below the catalogue (a refused connection inside kafkajs, a file error) still
// reach the user as one line with what to do; the stack only when debug output was asked for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeForUser, wantsStackTraces } from '../../cli/errors-to-user.ts';

test('a refused connection names the address and how to start the services', () => {
  const e = new Error('Connection error: connect ECONNREFUSED 127.0.0.1:19092');
  const { text, exitCode } = describeForUser(e, { stackTraces: false, debugHint: 'CURRICULUM_LOG_LEVEL=debug' });
  assert.equal(exitCode, 1);
  assert.equal(text.split('\n').length, 1);
  assert.match(text, /^error: nothing answers at 127\.0\.0\.1:19092 \(connection refused\): start Kafka and Redis \(scripts\/services\.sh start\)/);
  assert.match(text, /\(CURRICULUM_LOG_LEVEL=debug shows where\)$/);
});

test('debug output is asked for by --log-level or, for the services, CURRICULUM_LOG_LEVEL', () => {
  assert.equal(wantsStackTraces(['--log-level', 'debug'], {}), true);
  assert.equal(wantsStackTraces(['--log-level=trace'], {}), true);
  assert.equal(wantsStackTraces(['--log-level', 'info'], { CURRICULUM_LOG_LEVEL: 'debug' }), false);
  assert.equal(wantsStackTraces([], { CURRICULUM_LOG_LEVEL: 'debug' }), true);
  assert.equal(wantsStackTraces([], {}), false);
  const withStack = describeForUser(Object.assign(new Error('open x'), { code: 'ENOENT', path: '/nope/x.yaml' }), { stackTraces: true }).text;
  assert.match(withStack, /^error: \/nope\/x\.yaml does not exist: check the path\n/);
  assert.match(withStack, /\n\s+at /);
});
