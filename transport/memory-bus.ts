// In-process transport: a partitioned append-only log per topic with consumer-group offsets.
// Events published as objects are validated once, at publish, and delivered as the same object:
// no JSON round trip and no second validation per consumer (that was most of the in-memory
// runtime's cost, bench:controller). Raw bytes (publishRaw), and events that fail validation at
// publish, are kept as bytes and decoded on delivery, so the embedded default dead-letters them
// exactly as Kafka does. The size limit applies to bytes: an in-process object crosses no wire.
import { decodeEvent, encodeEvent, validateEvent, DEFAULT_MAX_EVENT_BYTES } from '../schemas/decode.ts';
import type { AnyEvent } from '../schemas/events.ts';
import { deadLetterTopic, TOPIC_OF } from '../schemas/topics.ts';
import { deadLetterRecord } from './dead-letter.ts';
import { type Delivery, type EventBus, type SubscribeOptions, type Subscription } from './bus.ts';
import { partitionForKey } from './partitioning.ts';

interface StoredMessage {
  key: string;
  headers: Record<string, string>;
  /** Set for events validated at publish; delivered as is. */
  event?: AnyEvent;
  /** Set for raw or invalid messages; decoded (and possibly dead-lettered) on delivery. */
  value?: Buffer;
}

/** One topic-partition a subscription reads, with its group's committed-offset key. */
interface Position {
  topic: string;
  partition: number;
  log: StoredMessage[];
  groupKey: string;
}

export interface MemoryBusOptions {
  partitions?: number;
  maxEventBytes?: number;
}

const DEFAULT_MAX_BATCH = 500;

export class MemoryBus implements EventBus {
  readonly kind = 'memory' as const;
  private readonly logs = new Map<string, StoredMessage[][]>();
  private readonly committed = new Map<string, number>();
  private readonly wakers = new Set<() => void>();
  private readonly partitions: number;
  private readonly maxEventBytes: number;
  private closed = false;

  constructor(options: MemoryBusOptions = {}) {
    this.partitions = options.partitions ?? 1;
    this.maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  }

  async publish(events: readonly AnyEvent[]): Promise<void> {
    for (const event of events) {
      const topic = TOPIC_OF[event.type];
      const valid = validateEvent(event).ok;
      this.append(topic, event.runId, valid ? { key: event.runId, headers: {}, event } : { key: event.runId, headers: {}, value: encodeEvent(event) });
    }
    this.wake();
  }

  async publishRaw(topic: string, key: string, value: Buffer, headers: Record<string, string> = {}): Promise<void> {
    this.append(topic, key, { key, value, headers });
    this.wake();
  }

  /** Every message of a topic, in partition then offset order, as bytes (tests and the DLQ inspector). */
  messages(topic: string): ReadonlyArray<{ key: string; value: Buffer; headers: Record<string, string>; partition: number; offset: number }> {
    return (this.logs.get(topic) ?? []).flatMap((p, partition) =>
      p.map((m, offset) => ({ key: m.key, headers: m.headers, value: m.value ?? encodeEvent(m.event as AnyEvent), partition, offset })),
    );
  }

  isConnected(): boolean {
    return !this.closed;
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const fromBeginning = options.fromBeginning ?? true;
    const maxBatch = Math.max(1, options.maxBatch ?? DEFAULT_MAX_BATCH);
    const positions: Position[] = options.topics.flatMap((topic) =>
      [...Array(this.partitions).keys()].map((partition) => ({
        topic,
        partition,
        log: this.partitionLog(topic, partition),
        groupKey: `${options.groupId}\u0000${topic}\u0000${partition}`,
      })),
    );
    for (const p of positions) {
      if (!this.committed.has(p.groupKey)) this.committed.set(p.groupKey, fromBeginning ? 0 : p.log.length);
    }
    options.onAssignment?.(positions.map(({ topic, partition }) => ({ topic, partition })));
    let stopped = false;
    let paused = false;
    let resumePaused: (() => void) | undefined;
    const handleBatch = options.handleBatch;
    const loop = (async () => {
      while (!stopped && !this.closed) {
        if (paused) {
          await new Promise<void>((r) => (resumePaused = r));
          continue;
        }
        const handled = handleBatch ? await this.deliverBatch(options, positions, maxBatch, handleBatch) : await this.deliverOne(options, positions);
        if (!handled) await this.idle();
      }
    })();
    return {
      stop: async () => {
        stopped = true;
        resumePaused?.();
        this.wake();
        await loop;
      },
      pause: () => {
        paused = true;
      },
      resume: () => {
        paused = false;
        resumePaused?.();
        resumePaused = undefined;
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake();
  }

  /** One message from the first position that has one (topic order is priority order), handled and committed. */
  private async deliverOne(options: SubscribeOptions, positions: readonly Position[]): Promise<boolean> {
    for (const p of positions) {
      const offset = this.committed.get(p.groupKey) ?? 0;
      const message = p.log[offset];
      if (!message) continue;
      const delivery = this.toDelivery(options, p, offset, message);
      if (delivery) await options.handle(delivery);
      this.committed.set(p.groupKey, offset + 1);
      return true;
    }
    return false;
  }

  /** Up to maxBatch queued messages, position by position, handed over in one call, then committed together. */
  private async deliverBatch(options: SubscribeOptions, positions: readonly Position[], maxBatch: number, handleBatch: (d: readonly Delivery[]) => Promise<void>): Promise<boolean> {
    const deliveries: Delivery[] = [];
    const ends: Array<[string, number]> = [];
    let taken = 0;
    for (const p of positions) {
      if (taken >= maxBatch) break;
      const from = this.committed.get(p.groupKey) ?? 0;
      const to = Math.min(p.log.length, from + maxBatch - taken);
      if (to <= from) continue;
      for (let offset = from; offset < to; offset++) {
        const delivery = this.toDelivery(options, p, offset, p.log[offset] as StoredMessage);
        if (delivery) deliveries.push(delivery);
      }
      taken += to - from;
      ends.push([p.groupKey, to]);
    }
    if (taken === 0) return false;
    if (deliveries.length > 0) await handleBatch(deliveries);
    for (const [key, next] of ends) this.committed.set(key, next);
    return true;
  }

  /** The delivery of a stored message, or undefined after dead-lettering a message that does not decode. */
  private toDelivery(options: SubscribeOptions, p: Position, offset: number, message: StoredMessage): Delivery | undefined {
    if (message.event) return { topic: p.topic, partition: p.partition, offset: String(offset), event: message.event };
    const value = message.value ?? Buffer.alloc(0);
    const decoded = decodeEvent(value, this.maxEventBytes);
    if (decoded.ok) return { topic: p.topic, partition: p.partition, offset: String(offset), event: decoded.event };
    const record = deadLetterRecord({
      topic: p.topic,
      partition: p.partition,
      offset: String(offset),
      key: message.key,
      value,
      headers: message.headers,
      code: decoded.code,
      reason: decoded.reason,
    });
    this.append(deadLetterTopic(p.topic), message.key, record);
    options.onDeadLetter?.({ topic: p.topic, partition: p.partition, offset: String(offset), code: decoded.code, reason: decoded.reason });
    return undefined;
  }

  private idle(): Promise<void> {
    return new Promise<void>((r) => {
      const waker = () => {
        this.wakers.delete(waker);
        r();
      };
      this.wakers.add(waker);
    });
  }

  private append(topic: string, key: string, message: StoredMessage): void {
    this.partitionLog(topic, partitionForKey(key, this.partitions)).push(message);
  }

  private partitionLog(topic: string, partition: number): StoredMessage[] {
    let log = this.logs.get(topic);
    if (!log) {
      log = [...Array(this.partitions)].map(() => []);
      this.logs.set(topic, log);
    }
    const p = log[partition];
    if (!p) throw new Error(`partition ${partition} out of range for ${topic}`);
    return p;
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }
}
