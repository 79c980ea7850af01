// Decoding at the bus edge: bytes -> a validated event, or a reason it goes to the dead letters.
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { EVENT_SCHEMAS, SCHEMA_VERSION, type AnyEvent, type EventType } from './events.ts';
import { checkValue, formatFieldError } from './validate.ts';
import type { ErrorCode } from './errors.ts';

export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;

const compiled = new Map<EventType, TypeCheck<TSchema>>(
  (Object.keys(EVENT_SCHEMAS) as EventType[]).map((t) => [t, TypeCompiler.Compile(EVENT_SCHEMAS[t] as TSchema)]),
);

export type DecodeResult = { ok: true; event: AnyEvent } | { ok: false; code: ErrorCode; reason: string };

export function isEventType(t: unknown): t is EventType {
  return typeof t === 'string' && compiled.has(t as EventType);
}

/** Validates an already-parsed value as an event. */
export function validateEvent(value: unknown): DecodeResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: 'CUR_EVENT_INVALID', reason: 'event is not a JSON object' };
  }
  const { type, schemaVersion } = value as { type?: unknown; schemaVersion?: unknown };
  if (!isEventType(type)) {
    return { ok: false, code: 'CUR_EVENT_UNKNOWN_TYPE', reason: `type: unknown event type ${JSON.stringify(type)}` };
  }
  if (schemaVersion !== SCHEMA_VERSION) {
    return {
      ok: false,
      code: 'CUR_EVENT_UNKNOWN_VERSION',
      reason: `schemaVersion: found ${JSON.stringify(schemaVersion)}, this build reads version ${SCHEMA_VERSION}`,
    };
  }
  const check = compiled.get(type);
  if (check?.Check(value)) return { ok: true, event: value as AnyEvent };
  const errors = checkValue(EVENT_SCHEMAS[type] as TSchema, value).slice(0, 5);
  return { ok: false, code: 'CUR_EVENT_INVALID', reason: errors.map((e) => formatFieldError(e)).join('; ') };
}

/** Decodes raw bytes from a transport, enforcing the size limit first. */
export function decodeEvent(raw: Buffer | string, maxBytes = DEFAULT_MAX_EVENT_BYTES): DecodeResult {
  const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
  if (size > maxBytes) {
    return { ok: false, code: 'CUR_EVENT_TOO_LARGE', reason: `message is ${size} bytes, the limit is ${maxBytes}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (e) {
    return { ok: false, code: 'CUR_EVENT_NOT_JSON', reason: `not JSON: ${(e as Error).message}` };
  }
  return validateEvent(parsed);
}

export function encodeEvent(event: AnyEvent): Buffer {
  return Buffer.from(JSON.stringify(event));
}
