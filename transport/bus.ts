// The event bus: one interface, two transports (memory for the embedded default and unit
// tests, Kafka for distributed mode). Services only ever see this file's types.
import type { AnyEvent } from '../schemas/events.ts';

/** A validated event as delivered to a consumer, with its position in the log. */
export interface Delivery {
  topic: string;
  partition: number;
  /** Log offset; a decimal string because Kafka offsets are 64-bit. */
  offset: string;
  event: AnyEvent;
}

/** A crash of a transport consumer (Kafka only): who restarts it, and why it crashed. */
export interface ConsumerCrash {
  error: string;
  /** `kafkajs`: the client restarts the consumer itself; `bus`: kafkajs gave up and the bus rebuilds it. */
  restartedBy: 'kafkajs' | 'bus';
}

/** A message that failed validation: sent to `<topic>.dlq` (or, if even that was refused, logged and skipped). */
export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  code: string;
  reason: string;
  /**
   * False when the broker refused the dead-letter record too: the message was logged with its
   * coordinates and skipped (committed) rather than retried forever. Absent means written.
   */
  written?: boolean;
}

export interface SubscribeOptions {
  /** Consumers with the same group id share the partitions; each group sees every message. */
  groupId: string;
  topics: readonly string[];
  /** Called once per valid message, in order within a partition. The offset is committed after it resolves. */
  handle: (delivery: Delivery) => Promise<void>;
  /**
   * When given, called instead of `handle` with the valid messages the transport has in hand
   * (Kafka: a chunk of one fetched partition batch; memory: what is queued), in order within
   * each partition. Their offsets are committed after it resolves; if it throws, none of them
   * is, and they are delivered again. Deliveries are shared with other consumers: read-only.
   */
  handleBatch?: (deliveries: readonly Delivery[]) => Promise<void>;
  /** Most deliveries per handleBatch call (default 500): bounds the time between heartbeats and commits. */
  maxBatch?: number;
  /** Called after an invalid message was dead-lettered and committed. */
  onDeadLetter?: (letter: DeadLetter) => void;
  /** Called when partitions are assigned or revoked (Kafka rebalances; memory: once at start). */
  onAssignment?: (assigned: ReadonlyArray<{ topic: string; partition: number }>) => void;
  /** Called when the consumer crashed and is being restarted (Kafka; the memory bus never crashes). */
  onCrash?: (crash: ConsumerCrash) => void;
  /** Start from the earliest retained message when the group has no committed offset. Default true. */
  fromBeginning?: boolean;
}

export interface Subscription {
  /** Stops fetching; resolves after the in-flight handler finished and its offset was committed. */
  stop(): Promise<void>;
  /** Backpressure: stop fetching new messages until resume() (the in-flight one completes). */
  pause(): void;
  resume(): void;
}

export interface EventBus {
  readonly kind: 'memory' | 'kafka';
  /** Publishes events to the topic of their type, keyed by runId. Resolves when the transport has them durably. */
  publish(events: readonly AnyEvent[]): Promise<void>;
  /** Publishes raw bytes to a topic (tests, feedback producers, dead-letter relays). */
  publishRaw(topic: string, key: string, value: Buffer, headers?: Record<string, string>): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** True while the transport can reach its broker (for /readyz). */
  isConnected(): boolean;
  close(): Promise<void>;
}

/** Header names of a dead letter by role; the contract (meanings, value format) is schemas/dead-letter.ts. */
export { DLQ_HEADERS } from '../schemas/dead-letter.ts';
