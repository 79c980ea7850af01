// Writing dead letters to Kafka so that a poison message never blocks its partition.
//
// The record is bounded (transport/dead-letter.ts), and the records of one fetched chunk are
// sent in produce requests of bounded size, so what the broker accepted compressed is not
// refused as an uncompressed copy. When the broker refuses a dead letter anyway (a topic
// with a lower limit, a policy), the message is logged with its coordinates, reported with
// `written: false` and skipped; any other failure (broker unreachable) is thrown, so the
// consumer restarts from the committed offset, but only a few times for the same message.
import type { KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { deadLetterTopic } from '../../schemas/topics.ts';
import type { DeadLetter } from '../bus.ts';
import { deadLetterRecord, recordBytes, type DeadLetterRecord } from '../dead-letter.ts';

/** Most bytes of dead letters in one produce request: far below the broker's default 1 MB limit. */
const SEND_BUDGET_BYTES = 256 * 1024;
/** Failed attempts at one message's dead letter (other than a refusal) before it is skipped. */
export const MAX_DEAD_LETTER_ATTEMPTS = 5;

export interface PoisonDelivery {
  message: KafkaMessage;
  value: Buffer;
  letter: DeadLetter;
}

type Send = (topicMessages: Array<{ topic: string; messages: DeadLetterRecord[] }>) => Promise<void>;

/** True when the broker answered and refused the records (not retriable by resending them). */
export function isRefusal(e: unknown, seen = new Set<unknown>()): boolean {
  if (typeof e !== 'object' || e === null || seen.has(e)) return false;
  seen.add(e);
  const err = e as { name?: unknown; retriable?: unknown; cause?: unknown; errors?: unknown };
  if (err.name === 'KafkaJSProtocolError' && err.retriable === false) return true;
  if (Array.isArray(err.errors) && err.errors.some((x) => isRefusal(x, seen))) return true;
  return isRefusal(err.cause, seen);
}

function headersToStrings(headers: KafkaMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map((x) => x.toString()).join(',') : v.toString();
  }
  return out;
}

export class KafkaDeadLetterWriter {
  /** Failed attempts per message (`topic/partition/offset/group`), cleared once it is settled. */
  private readonly attempts = new Map<string, number>();

  constructor(private readonly send: Send) {}

  /** Dead-letters the invalid messages of one fetched chunk of `physicalTopic`, then logs and reports each. */
  async write(
    physicalTopic: string,
    dead: readonly PoisonDelivery[],
    groupId: string,
    onDeadLetter: ((letter: DeadLetter) => void) | undefined,
    log: Logger,
  ): Promise<void> {
    const dlq = deadLetterTopic(physicalTopic);
    const items = dead.map((d) => ({
      letter: d.letter,
      record: deadLetterRecord({
        topic: physicalTopic,
        partition: d.letter.partition,
        offset: d.letter.offset,
        key: d.message.key?.toString() ?? '',
        value: d.value,
        headers: headersToStrings(d.message.headers),
        code: d.letter.code,
        reason: d.letter.reason,
        groupId,
      }),
    }));
    const settle = (letter: DeadLetter, written: boolean) => {
      this.attempts.delete(this.keyOf(physicalTopic, letter, groupId));
      const fields = { topic: letter.topic, partition: letter.partition, offset: letter.offset, code: letter.code, reason: letter.reason };
      if (written) log.warn(fields, 'message dead-lettered');
      else log.error({ ...fields, deadLetterTopic: dlq }, 'dead letter refused by the broker: message logged and skipped');
      onDeadLetter?.(written ? letter : { ...letter, written: false });
    };
    for (const chunk of this.chunks(items)) {
      try {
        await this.send([{ topic: dlq, messages: chunk.map((c) => c.record) }]);
        for (const c of chunk) settle(c.letter, true);
        continue;
      } catch (e) {
        this.rethrowUnlessGivingUp(e, physicalTopic, chunk[0]!.letter, groupId, log);
      }
      // One at a time, so only what the broker refuses is skipped.
      for (const c of chunk) {
        try {
          await this.send([{ topic: dlq, messages: [c.record] }]);
          settle(c.letter, true);
        } catch (e) {
          this.rethrowUnlessGivingUp(e, physicalTopic, c.letter, groupId, log);
          settle(c.letter, false);
        }
      }
    }
  }

  private keyOf(topic: string, letter: DeadLetter, groupId: string): string {
    return `${topic}/${letter.partition}/${letter.offset}/${groupId}`;
  }

  /** Throws `e` (the consumer restarts and retries) unless the broker refused, or this message failed too often. */
  private rethrowUnlessGivingUp(e: unknown, topic: string, letter: DeadLetter, groupId: string, log: Logger): void {
    if (isRefusal(e)) return;
    const key = this.keyOf(topic, letter, groupId);
    const attempts = (this.attempts.get(key) ?? 0) + 1;
    if (attempts >= MAX_DEAD_LETTER_ATTEMPTS) {
      log.error({ err: e, attempts, topic: letter.topic, partition: letter.partition, offset: letter.offset }, 'dead letter failed repeatedly: giving up');
      return;
    }
    this.attempts.set(key, attempts);
    throw e;
  }

  private *chunks<T extends { record: DeadLetterRecord }>(items: readonly T[]): Generator<T[]> {
    let chunk: T[] = [];
    let bytes = 0;
    for (const item of items) {
      const size = recordBytes(item.record);
      if (chunk.length > 0 && bytes + size > SEND_BUDGET_BYTES) {
        yield chunk;
        chunk = [];
        bytes = 0;
      }
      chunk.push(item);
      bytes += size;
    }
    if (chunk.length > 0) yield chunk;
  }
}
