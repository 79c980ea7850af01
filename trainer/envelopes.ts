// Envelopes for what a service publishes: deterministic event ids (derived from the command),
// the command's runId, a per-run sequence, and the wall clock (this is the edge).
import { makeEvent } from '../schemas/envelope.ts';
import type { EnvelopeOf, EventType, PayloadOf } from '../schemas/events.ts';

export class EventFactory {
  private readonly sequences = new Map<string, number>();

  constructor(
    readonly producer: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  make<T extends EventType>(type: T, runId: string, eventId: string, payload: PayloadOf<T>): EnvelopeOf<T> {
    const sequence = this.sequences.get(runId) ?? 0;
    this.sequences.set(runId, sequence + 1);
    return makeEvent(type, { eventId, runId, producer: this.producer, sequence, producedAt: this.clock().toISOString() }, payload);
  }
}
