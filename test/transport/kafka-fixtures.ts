// Shared helpers of the Kafka integration tests: an isolated bus per test (topic prefix),
// events, and polling.
import { randomUUID } from 'node:crypto';
import { Socket } from 'node:net';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { pino } from 'pino';
import { makeEvent } from '../../schemas/envelope.ts';
import type { AnyEvent } from '../../schemas/events.ts';
import { KafkaBus, type KafkaBusConfig, type KafkaBusOptions } from '../../transport/kafka/index.ts';
import { env } from '../support/service-gate.ts';

export const testLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export function brokers(): string[] {
  return env('CURRICULUM_KAFKA_BROKERS').split(',');
}

/** A prefix no other test (or earlier run against the same broker) uses. */
export function uniquePrefix(label: string): string {
  return `t-${label}-${randomUUID().slice(0, 8)}.`;
}

export function newBus(prefix: string, config: Partial<KafkaBusConfig> = {}, options: Omit<KafkaBusOptions, 'topicPrefix'> = {}): KafkaBus {
  return new KafkaBus(
    { brokers: brokers(), clientId: 'curriculum-test', partitions: 6, heartbeatIntervalMs: 500, sessionTimeoutMs: 10_000, ...config },
    { logger: testLogger, ...options, topicPrefix: prefix },
  );
}

/** A small valid event (`command.ack`, topic curriculum.service.events). */
export function ackEvent(runId: string, sequence: number): AnyEvent {
  return makeEvent(
    'command.ack',
    { eventId: `${runId}-${sequence}`, runId, producer: 'test', sequence, producedAt: new Date().toISOString() },
    { commandId: `cmd-${runId}-${sequence}`, service: 'trainer', outcome: 'executed' },
  );
}

export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Reads every message of a (physical) topic from the beginning with a throw-away group. */
export async function readAll(topic: string, expected: number, timeoutMs = 60_000): Promise<KafkaMessage[]> {
  const kafka = new Kafka({ clientId: 'curriculum-test-reader', brokers: brokers(), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 200 });
  const out: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void out.push(message) });
    await waitFor(`${expected} messages on ${topic} (have ${out.length})`, () => out.length >= expected, timeoutMs);
    // Give a straggler (a duplicate that should not exist) a moment to show up.
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/** Sockets of this process still connected to one of `ports` (a leak once every client closed). */
export function openSocketsTo(ports: ReadonlySet<number>): Socket[] {
  const handles = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.() ?? [];
  return handles.filter((h): h is Socket => h instanceof Socket && h.remotePort !== undefined && ports.has(h.remotePort));
}
