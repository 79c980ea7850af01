// The dead-letter record: what a bus writes to `<topic>.dlq` for a message it could not
// decode. One definition of the contract: the bus builds records from these names, and
// `npm run schemas:generate` renders them into schemas/json/dead-letter.headers.json and
// docs/dead-letters.md for clients in other languages.
import { Type, type Static } from '@sinclair/typebox';
import { ERROR_CODES } from './errors.ts';
import { LiteralUnion } from './common.ts';

/**
 * Most bytes of the original value a dead letter carries. A poison message can be as large as
 * the broker accepts compressed (a gzip-compressed 2 MB event passes a 1 MB broker limit); its
 * dead letter is written uncompressed, so it must stay well under the broker's default limit
 * with its headers: longer values are cut to this prefix, with their size and digest beside it.
 */
export const DEAD_LETTER_MAX_VALUE_BYTES = 64 * 1024;
/** Most bytes of the original message's own headers (names and values) a dead letter keeps. */
export const DEAD_LETTER_MAX_ORIGINAL_HEADER_BYTES = 16 * 1024;
/** Most characters of the reason header. */
export const DEAD_LETTER_MAX_REASON_CHARS = 2000;

/** Header names of a dead letter, with what each means (the docs and the JSON Schema say the same). */
export const DEAD_LETTER_HEADERS = {
  originTopic: { name: 'x-origin-topic', doc: 'Topic the message was read from (the broker-side name, with any topic prefix): where to replay it.' },
  originPartition: { name: 'x-origin-partition', doc: 'Partition it was read from, a decimal integer.' },
  originOffset: { name: 'x-origin-offset', doc: 'Its offset in that partition, a decimal integer (64-bit: parse it as a big integer).' },
  errorCode: { name: 'x-error-code', doc: 'Why it was rejected: a `CUR_EVENT_*` code from docs/errors.md.' },
  reason: { name: 'x-error-reason', doc: `The rejection in words, naming the field where there is one (at most ${DEAD_LETTER_MAX_REASON_CHARS} characters).` },
  consumerGroup: {
    name: 'x-consumer-group',
    doc: 'Kafka only: the consumer group that rejected it. Every group reading a topic dead-letters what it cannot read, so one poison message can have a dead letter per group.',
  },
  originalSize: { name: 'x-original-size', doc: 'Size of the original value in bytes, a decimal integer.' },
  originalSha256: { name: 'x-original-sha256', doc: 'SHA-256 of the whole original value, 64 lowercase hex digits: identifies it even when the value is cut.' },
  valueTruncated: {
    name: 'x-value-truncated',
    doc: `\`true\` when the record's value is only the first ${DEAD_LETTER_MAX_VALUE_BYTES} bytes of the original value, \`false\` when it is the whole original value.`,
  },
  originalHeadersDropped: {
    name: 'x-original-headers-dropped',
    doc: `Present (the number of headers) when the original message's own headers together exceeded ${DEAD_LETTER_MAX_ORIGINAL_HEADER_BYTES} bytes and were left out; otherwise they are copied beside these.`,
  },
} as const;

type HeaderKey = keyof typeof DEAD_LETTER_HEADERS;
/** The header names by role, e.g. `DLQ_HEADERS.originTopic === 'x-origin-topic'`. */
export const DLQ_HEADERS = Object.fromEntries(Object.entries(DEAD_LETTER_HEADERS).map(([k, v]) => [k, v.name])) as {
  readonly [K in HeaderKey]: (typeof DEAD_LETTER_HEADERS)[K]['name'];
};

const decimal = (doc: string) => Type.String({ pattern: '^(0|[1-9][0-9]*)$', description: doc });
const h = DEAD_LETTER_HEADERS;
const eventCodes = Object.keys(ERROR_CODES).filter((c) => c.startsWith('CUR_EVENT_'));

/**
 * The headers of a dead letter as UTF-8 strings. Other headers are the original message's,
 * copied unchanged (unless `x-original-headers-dropped` says they were left out).
 */
export const DeadLetterHeaders = Type.Object(
  {
    [h.originTopic.name]: Type.String({ minLength: 1, description: h.originTopic.doc }),
    [h.originPartition.name]: decimal(h.originPartition.doc),
    [h.originOffset.name]: decimal(h.originOffset.doc),
    [h.errorCode.name]: LiteralUnion(eventCodes, { description: h.errorCode.doc }),
    [h.reason.name]: Type.String({ minLength: 1, maxLength: DEAD_LETTER_MAX_REASON_CHARS, description: h.reason.doc }),
    [h.consumerGroup.name]: Type.Optional(Type.String({ minLength: 1, description: h.consumerGroup.doc })),
    [h.originalSize.name]: decimal(h.originalSize.doc),
    [h.originalSha256.name]: Type.String({ pattern: '^[0-9a-f]{64}$', description: h.originalSha256.doc }),
    [h.valueTruncated.name]: LiteralUnion(['true', 'false'], { description: h.valueTruncated.doc }),
    [h.originalHeadersDropped.name]: Type.Optional(decimal(h.originalHeadersDropped.doc)),
  },
  { additionalProperties: Type.String(), description: 'Headers of a record on a `<topic>.dlq` topic.' },
);
export type DeadLetterHeaders = Static<typeof DeadLetterHeaders>;

/** What the value and key of a dead letter are (rendered into the docs). */
export const DEAD_LETTER_RECORD_DOC = {
  key: 'The original message key (the run id), so a dead letter lands on the partition of its run.',
  value: `The original value's bytes, unchanged, when it is at most ${DEAD_LETTER_MAX_VALUE_BYTES} bytes; otherwise its first ${DEAD_LETTER_MAX_VALUE_BYTES} bytes (which may end inside a UTF-8 character), with \`x-value-truncated: true\`. Compare \`x-original-sha256\` with the digest of the message at \`x-origin-topic\`/\`x-origin-partition\`/\`x-origin-offset\` to recover it while the topic retains it.`,
} as const;
