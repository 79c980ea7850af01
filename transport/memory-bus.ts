// In-process transport: a partitioned append-only log per topic with consumer-group offsets.
// Messages are stored as bytes and decoded on delivery, so the embedded default exercises the
// same validation and dead-letter path as Kafka.
import { decodeEvent, encodeEvent, DEFAULT_MAX_EVENT_BYTES } from '../schemas/decode.ts';
import type { AnyEvent } from '../schemas/events.ts';
import { deadLetterTopic, TOPIC_OF } from '../schemas/topics.ts';
import { DLQ_HEADERS, type EventBus, type SubscribeOptions, type Subscription } from './bus.ts';
import { partitionForKey } from './partitioning.ts';

interface StoredMessage {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

export interface MemoryBusOptions {
  partitions?: number;
  maxEventBytes?: number;
}

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
    for (const event of events) this.append(TOPIC_OF[event.type], event.runId, encodeEvent(event), {});
    this.wake();
  }

  async publishRaw(topic: string, key: string, value: Buffer, headers: Record<string, string> = {}): Promise<void> {
    this.append(topic, key, value, headers);
    this.wake();
  }

  /** Every message of a topic, in partition then offset order (tests and the DLQ inspector). */
  messages(topic: string): ReadonlyArray<StoredMessage & { partition: number; offset: number }> {
    return (this.logs.get(topic) ?? []).flatMap((p, partition) => p.map((m, offset) => ({ ...m, partition, offset })));
  }

  isConnected(): boolean {
    return !this.closed;
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const fromBeginning = options.fromBeginning ?? true;
    const positions = options.topics.flatMap((topic) =>
      [...Array(this.partitions).keys()].map((partition) => ({ topic, partition })),
    );
    for (const { topic, partition } of positions) {
      const key = this.groupKey(options.groupId, topic, partition);
      if (!this.committed.has(key)) this.committed.set(key, fromBeginning ? 0 : this.partitionLog(topic, partition).length);
    }
    options.onAssignment?.(positions);
    let stopped = false;
    let paused = false;
    let resumePaused: (() => void) | undefined;
    const loop = (async () => {
      while (!stopped && !this.closed) {
        if (paused) {
          await new Promise<void>((r) => (resumePaused = r));
          continue;
        }
        const next = this.nextFor(options.groupId, positions);
        if (!next) {
          await new Promise<void>((r) => {
            const waker = () => {
              this.wakers.delete(waker);
              r();
            };
            this.wakers.add(waker);
          });
          continue;
        }
        const { topic, partition, offset, message } = next;
        const decoded = decodeEvent(message.value, this.maxEventBytes);
        if (decoded.ok) {
          await options.handle({ topic, partition, offset: String(offset), event: decoded.event });
        } else {
          this.append(deadLetterTopic(topic), message.key, message.value, {
            ...message.headers,
            [DLQ_HEADERS.originTopic]: topic,
            [DLQ_HEADERS.originPartition]: String(partition),
            [DLQ_HEADERS.originOffset]: String(offset),
            [DLQ_HEADERS.errorCode]: decoded.code,
            [DLQ_HEADERS.reason]: decoded.reason,
          });
          options.onDeadLetter?.({ topic, partition, offset: String(offset), code: decoded.code, reason: decoded.reason });
        }
        this.committed.set(this.groupKey(options.groupId, topic, partition), offset + 1);
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

  private nextFor(groupId: string, positions: ReadonlyArray<{ topic: string; partition: number }>) {
    for (const { topic, partition } of positions) {
      const offset = this.committed.get(this.groupKey(groupId, topic, partition)) ?? 0;
      const message = this.partitionLog(topic, partition)[offset];
      if (message) return { topic, partition, offset, message };
    }
    return undefined;
  }

  private append(topic: string, key: string, value: Buffer, headers: Record<string, string>): void {
    const partition = partitionForKey(key, this.partitions);
    this.partitionLog(topic, partition).push({ key, value, headers });
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

  private groupKey(groupId: string, topic: string, partition: number): string {
    return `${groupId}\u0000${topic}\u0000${partition}`;
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }
}
