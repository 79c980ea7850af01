// Building envelopes. Producers pass the clock's time in, so pure code never reads the wall clock.
import { SCHEMA_VERSION, type EnvelopeOf, type EventType, type PayloadOf } from './events.ts';

export interface EnvelopeFields {
  eventId: string;
  runId: string;
  producer: string;
  sequence: number;
  producedAt: string;
}

export function makeEvent<T extends EventType>(type: T, fields: EnvelopeFields, payload: PayloadOf<T>): EnvelopeOf<T> {
  return { ...fields, type, schemaVersion: SCHEMA_VERSION, payload };
}
