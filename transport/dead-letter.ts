// Builds the dead-letter record of a message that failed decoding (the contract is
// schemas/dead-letter.ts). Both buses write these, so a DLQ reads the same on either.
import { createHash } from 'node:crypto';
import {
  DEAD_LETTER_MAX_ORIGINAL_HEADER_BYTES,
  DEAD_LETTER_MAX_REASON_CHARS,
  DEAD_LETTER_MAX_VALUE_BYTES,
  DLQ_HEADERS,
} from '../schemas/dead-letter.ts';

export interface PoisonMessage {
  /** Broker-side topic name (what an operator replays from). */
  topic: string;
  partition: number;
  offset: string;
  key: string;
  value: Buffer;
  headers: Readonly<Record<string, string>>;
  code: string;
  reason: string;
  /** Kafka: the consumer group that rejected it. */
  groupId?: string;
}

export interface DeadLetterRecord {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

function headerBytes(headers: Readonly<Record<string, string>>): number {
  let n = 0;
  for (const [k, v] of Object.entries(headers)) n += Buffer.byteLength(k) + Buffer.byteLength(v);
  return n;
}

/** The record written to `<topic>.dlq`: bounded in size whatever the poison message's size. */
export function deadLetterRecord(m: PoisonMessage): DeadLetterRecord {
  const truncated = m.value.length > DEAD_LETTER_MAX_VALUE_BYTES;
  const originalHeaders = Object.keys(m.headers).length;
  const keepHeaders = headerBytes(m.headers) <= DEAD_LETTER_MAX_ORIGINAL_HEADER_BYTES;
  const headers: Record<string, string> = {
    ...(keepHeaders ? m.headers : {}),
    ...(m.groupId !== undefined ? { [DLQ_HEADERS.consumerGroup]: m.groupId } : {}),
    [DLQ_HEADERS.originTopic]: m.topic,
    [DLQ_HEADERS.originPartition]: String(m.partition),
    [DLQ_HEADERS.originOffset]: m.offset,
    [DLQ_HEADERS.errorCode]: m.code,
    [DLQ_HEADERS.reason]: m.reason.slice(0, DEAD_LETTER_MAX_REASON_CHARS),
    [DLQ_HEADERS.originalSize]: String(m.value.length),
    [DLQ_HEADERS.originalSha256]: createHash('sha256').update(m.value).digest('hex'),
    [DLQ_HEADERS.valueTruncated]: String(truncated),
  };
  if (!keepHeaders) headers[DLQ_HEADERS.originalHeadersDropped] = String(originalHeaders);
  // A header the original message carried under one of our names must not survive beside ours.
  else if (DLQ_HEADERS.originalHeadersDropped in m.headers) delete headers[DLQ_HEADERS.originalHeadersDropped];
  return { key: m.key, value: truncated ? m.value.subarray(0, DEAD_LETTER_MAX_VALUE_BYTES) : m.value, headers };
}

/** Approximate bytes a record takes in a produce request (value, key and headers). */
export function recordBytes(r: DeadLetterRecord): number {
  return r.value.length + Buffer.byteLength(r.key) + headerBytes(r.headers) + 64;
}
