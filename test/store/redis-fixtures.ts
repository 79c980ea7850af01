// Shared helpers of the Redis store tests: an isolated store per test (key prefix) and events.
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { makeEvent } from '../../schemas/envelope.ts';
import type { AnyEvent } from '../../schemas/events.ts';
import { RedisRunStore, type RedisStoreConfig } from '../../store/redis/index.ts';
import { env } from '../support/service-gate.ts';

export const testLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export function uniquePrefix(label: string): string {
  return `test:${label}:${randomUUID().slice(0, 8)}:`;
}

export function newStore(prefix: string, config: Partial<RedisStoreConfig> = {}): RedisRunStore {
  return new RedisRunStore({ url: env('CURRICULUM_REDIS_URL'), keyPrefix: prefix, ...config }, { logger: testLogger });
}

export function decision(runId: string, n: number): AnyEvent {
  return makeEvent(
    'command.ack',
    { eventId: `${runId}-ev-${n}`, runId, producer: 'controller-test', sequence: n, producedAt: '2026-01-01T00:00:00.000Z' },
    { commandId: `cmd-${n}`, service: 'controller', outcome: 'executed' },
  );
}

export const source = (offset: string, partition = 0, topic = 'curriculum.trainer.metrics') => ({ topic, partition, offset });
