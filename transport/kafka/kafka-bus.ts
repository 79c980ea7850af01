// The Kafka transport: the EventBus of distributed mode, on kafkajs.
//
// Delivery contract (the same as MemoryBus, see transport/bus.ts):
// - every message is keyed by runId, so a run lives on one partition and is handled in order;
// - a consumer commits a message's offset only after its handler resolved (at-least-once: a
//   crash between handler and commit redelivers, and the state store's offset fence drops it);
//   a subscriber with handleBatch gets fetched batches in chunks, and their offsets are resolved
//   after each chunk's handler and committed once per batch;
// - a message that fails decoding is produced to `<topic>.dlq` as a bounded record (origin
//   headers, reason, size, digest, a prefix of the value: schemas/dead-letter.ts) and then
//   committed, so a poison message never blocks its partition, even one larger than the broker's
//   limit uncompressed; a dead letter the broker refuses is logged and skipped (dead-letters.ts);
// - the producer is idempotent with acks=all, so broker retries never duplicate a message;
// - a consumer kafkajs gives up on (a broker restart can do that) is rebuilt: supervised-consumer.ts.
import {
  CompressionTypes,
  Kafka,
  Partitioners,
  type Admin,
  type Consumer,
  type ConsumerRunConfig,
  type KafkaMessage,
  type KafkaConfig,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import { pino, type Logger } from 'pino';
import type { ConnectionOptions } from 'node:tls';
import { decodeEvent, encodeEvent } from '../../schemas/decode.ts';
import type { AnyEvent } from '../../schemas/events.ts';
import { deadLetterTopic, TOPIC_OF } from '../../schemas/topics.ts';
import { KafkaDeadLetterWriter, type PoisonDelivery } from './dead-letters.ts';
import { DLQ_HEADERS, type ConsumerCrash, type DeadLetter, type Delivery, type EventBus, type SubscribeOptions, type Subscription } from '../bus.ts';
import { parseKafkaBusConfig, type KafkaBusConfig, type ResolvedKafkaBusConfig } from './config.ts';
import { pinoLogCreator, kafkajsLogLevelFor } from './logger.ts';
import { fetchCommittedOffsets, type CommittedOffset } from './offsets.ts';
import { ensureTopicsExist } from './topics.ts';
import { SupervisedConsumer } from './supervised-consumer.ts';
import { SocketRegistry } from './socket-registry.ts';
import { withTimeout } from '../with-timeout.ts';

/** Dead-letter header naming the consumer group that rejected the message (see schemas/dead-letter.ts). */
export const DLQ_CONSUMER_GROUP_HEADER = DLQ_HEADERS.consumerGroup;

export interface KafkaBusOptions {
  logger?: Logger;
  /**
   * Prepended to every topic name on the broker (`<prefix>curriculum.commands`), so several
   * deployments or test runs can share one cluster. Services keep using the plain names:
   * deliveries and dead-letter callbacks carry the logical topic; DLQ headers carry the
   * physical one (what an operator replays from). Overrides the config's `topicPrefix`.
   */
  topicPrefix?: string;
  /** Called on every crash of any of this bus's consumers (the services' crash counter). */
  onConsumerCrash?: (groupId: string, crash: ConsumerCrash) => void;
  /** Called for every message any of this bus's consumers dead-lettered or, refused, skipped (the services' counter). */
  onDeadLetter?: (groupId: string, letter: DeadLetter) => void;
}

/** Most deliveries per handleBatch call unless the subscriber says otherwise (see SubscribeOptions.maxBatch). */
const DEFAULT_MAX_BATCH = 500;

/** A committed position as Kafka stores it: `offset` is the next offset to read. */
export interface CommitNotice {
  topic: string;
  partition: number;
  offset: string;
}

export interface KafkaSubscribeOptions extends SubscribeOptions {
  /** Called after each successful offset commit (observability and the rebalance tests). */
  onCommit?: (commits: readonly CommitNotice[]) => void;
}

function toSasl(sasl: KafkaBusConfig['sasl']): SASLOptions | undefined {
  if (!sasl) return undefined;
  return { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions;
}

function toTls(tls: KafkaBusConfig['tls']): KafkaConfig['ssl'] {
  if (tls === undefined || tls === false) return undefined;
  if (tls === true) return true;
  const options: ConnectionOptions = {};
  if (tls.ca) options.ca = tls.ca;
  if (tls.cert) options.cert = tls.cert;
  if (tls.key) options.key = tls.key;
  if (tls.servername) options.servername = tls.servername;
  if (tls.rejectUnauthorized !== undefined) options.rejectUnauthorized = tls.rejectUnauthorized;
  return options;
}

export class KafkaBus implements EventBus {
  readonly kind = 'kafka' as const;
  readonly config: ResolvedKafkaBusConfig;
  private readonly kafka: Kafka;
  private readonly sockets = new SocketRegistry();
  private readonly log: Logger;
  private readonly prefix: string;
  private readonly producer: Producer;
  private readonly admin: Admin;
  /** A separate admin without retries: the health probe must answer quickly when the broker is gone. */
  private readonly probeAdmin: Admin;
  private readonly knownTopics = new Set<string>();
  private readonly subscriptions = new Set<Subscription>();
  private connecting: Promise<void> | undefined;
  private connected = false;
  private healthy = false;
  private probing = false;
  private healthTimer: NodeJS.Timeout | undefined;
  private probeAttempt: Promise<void> | undefined;
  private closed = false;
  private readonly onConsumerCrash: KafkaBusOptions['onConsumerCrash'];
  private readonly deadLetters = new KafkaDeadLetterWriter((topicMessages) => this.send(topicMessages));
  private readonly onDeadLetter: KafkaBusOptions['onDeadLetter'];

  /** Validates `config` (throws CUR_CONFIG_INVALID naming each bad field); connects lazily. */
  constructor(config: KafkaBusConfig, options: KafkaBusOptions = {}) {
    this.config = parseKafkaBusConfig(config);
    this.log = (options.logger ?? pino({ level: process.env.LOG_LEVEL ?? 'info' })).child({ component: 'kafka-bus' });
    this.prefix = options.topicPrefix ?? this.config.topicPrefix;
    this.onConsumerCrash = options.onConsumerCrash;
    this.onDeadLetter = options.onDeadLetter;
    const c = this.config;
    const ssl = toTls(c.tls);
    const sasl = toSasl(c.sasl);
    this.kafka = new Kafka({
      clientId: c.clientId,
      brokers: [...c.brokers],
      ...(ssl !== undefined ? { ssl } : {}),
      ...(sasl !== undefined ? { sasl } : {}),
      connectionTimeout: c.connectionTimeoutMs,
      requestTimeout: c.requestTimeoutMs,
      retry: { retries: c.retry.retries, initialRetryTime: c.retry.initialRetryTimeMs, maxRetryTime: c.retry.maxRetryTimeMs },
      logLevel: kafkajsLogLevelFor(this.log),
      logCreator: pinoLogCreator(this.log),
      socketFactory: this.sockets.factory,
    });
    this.producer = this.kafka.producer({
      // Explicit partitioner: the murmur2 one Java clients use (so a run maps to the same
      // partition whoever produces), and naming it is what silences kafkajs's v2 warning.
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // kafkajs's advice for idempotence: never give up on a batch. A publish therefore waits
      // out a broker outage (backing off up to maxRetryTimeMs) instead of failing and being
      // re-sent by the caller under a new sequence number, which could duplicate it.
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: c.retry.initialRetryTimeMs, maxRetryTime: c.retry.maxRetryTimeMs },
    });
    this.admin = this.kafka.admin();
    this.probeAdmin = this.kafka.admin({ retry: { retries: 0 } });
  }

  /** Creates (if needed) and connects the bus, failing fast when no broker answers. */
  static async connect(config: KafkaBusConfig, options: KafkaBusOptions = {}): Promise<KafkaBus> {
    const bus = new KafkaBus(config, options);
    await bus.connect();
    return bus;
  }

  async connect(): Promise<void> {
    if (this.closed) throw new Error('KafkaBus is closed');
    this.connecting ??= (async () => {
      await this.admin.connect();
      await this.producer.connect();
      this.connected = true;
      this.healthy = true;
      this.healthTimer = setInterval(() => void this.probe(), this.config.healthIntervalMs);
      this.healthTimer.unref();
    })().catch((e: unknown) => {
      this.connecting = undefined;
      throw e;
    });
    await this.connecting;
  }

  /** The broker-side name of a logical topic. */
  physical(topic: string): string {
    return this.prefix + topic;
  }

  private logical(physical: string): string {
    return this.prefix !== '' && physical.startsWith(this.prefix) ? physical.slice(this.prefix.length) : physical;
  }

  /**
   * Creates the given topics (default: every topic of the system) and their `.dlq` topics with
   * the configured partition count, if missing. Existing topics are left as they are: changing
   * a topic's partition count would move runs between partitions.
   */
  async ensureTopics(topics: readonly string[], options: { withDeadLetters?: boolean } = {}): Promise<void> {
    await this.connect();
    const withDlq = options.withDeadLetters ?? true;
    const wanted = [
      ...new Set(
        topics.flatMap((t) => (withDlq && !t.endsWith('.dlq') ? [t, deadLetterTopic(t)] : [t])).map((t) => this.physical(t)),
      ),
    ].filter((t) => !this.knownTopics.has(t));
    if (wanted.length === 0) return;
    await ensureTopicsExist(this.admin, wanted, this.config.partitions, this.config.replicationFactor);
    for (const t of wanted) this.knownTopics.add(t);
  }

  async publish(events: readonly AnyEvent[]): Promise<void> {
    if (events.length === 0) return;
    const byTopic = new Map<string, AnyEvent[]>();
    for (const event of events) {
      const topic = TOPIC_OF[event.type];
      const list = byTopic.get(topic) ?? [];
      list.push(event);
      byTopic.set(topic, list);
    }
    await this.ensureTopics([...byTopic.keys()], { withDeadLetters: false });
    await this.send(
      [...byTopic].map(([topic, list]) => ({
        topic: this.physical(topic),
        messages: list.map((e) => ({ key: e.runId, value: encodeEvent(e) })),
      })),
    );
  }

  async publishRaw(topic: string, key: string, value: Buffer, headers: Record<string, string> = {}): Promise<void> {
    await this.ensureTopics([topic], { withDeadLetters: false });
    await this.send([{ topic: this.physical(topic), messages: [{ key, value, headers }] }]);
  }

  /** Publishes many raw messages to one topic in one request (tests and benchmarks). */
  async publishRawBatch(topic: string, messages: ReadonlyArray<{ key: string; value: Buffer; headers?: Record<string, string> }>): Promise<void> {
    if (messages.length === 0) return;
    await this.ensureTopics([topic], { withDeadLetters: false });
    await this.send([{ topic: this.physical(topic), messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers ?? {} })) }]);
  }

  private async send(topicMessages: Array<{ topic: string; messages: Array<{ key: string; value: Buffer; headers?: Record<string, string> }> }>) {
    try {
      // acks -1 (all in-sync replicas): resolves only once the broker has the batch durably.
      await this.producer.sendBatch({ acks: -1, compression: CompressionTypes.None, topicMessages });
      this.healthy = true;
    } catch (e) {
      this.healthy = false;
      throw e;
    }
  }

  async subscribe(options: KafkaSubscribeOptions): Promise<Subscription> {
    await this.ensureTopics(options.topics);
    const c = this.config;
    const physicalTopics = options.topics.map((t) => this.physical(t));
    const log = this.log.child({ groupId: options.groupId });
    const createConsumer = (): Consumer => {
      const consumer = this.kafka.consumer({
        groupId: options.groupId,
        sessionTimeout: c.sessionTimeoutMs,
        heartbeatInterval: c.heartbeatIntervalMs,
        rebalanceTimeout: c.rebalanceTimeoutMs,
        allowAutoTopicCreation: false,
        // Idle fetches return after this long; it bounds how long stop() waits on an empty topic.
        maxWaitTimeInMs: 500,
        retry: {
          retries: c.retry.retries,
          initialRetryTime: c.retry.initialRetryTimeMs,
          maxRetryTime: c.retry.maxRetryTimeMs,
          // A handler that keeps failing (state store down) must never skip a message: restart
          // the consumer from the committed offset instead, for as long as it takes.
          restartOnFailure: async () => true,
        },
      });
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        const assigned = Object.entries(e.payload.memberAssignment)
          .flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic: this.logical(topic), partition })))
          .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
        log.info({ assigned, memberId: e.payload.memberId }, 'partitions assigned');
        options.onAssignment?.(assigned);
      });
      consumer.on(consumer.events.COMMIT_OFFSETS, (e) => {
        if (!options.onCommit) return;
        options.onCommit(
          e.payload.topics.flatMap((t) =>
            t.partitions.map((p) => ({ topic: this.logical(t.topic), partition: Number(p.partition), offset: p.offset })),
          ),
        );
      });
      // kafkajs speaks the classic, eager protocol: a rebalance (or a crash, which leaves the
      // group) revokes every partition before the next GROUP_JOIN assigns the new set.
      consumer.on(consumer.events.REBALANCING, () => {
        log.info('group rebalancing: partitions revoked');
        options.onAssignment?.([]);
      });
      // A crash leaves the group too (SupervisedConsumer logs it and restarts the consumer).
      consumer.on(consumer.events.CRASH, () => options.onAssignment?.([]));
      return consumer;
    };

    const supervised = await SupervisedConsumer.start({
      create: createConsumer,
      topics: physicalTopics,
      fromBeginning: options.fromBeginning ?? true,
      run: options.handleBatch ? this.batchRunConfig(options.handleBatch, options, log) : this.messageRunConfig(options, log),
      backoff: { initialMs: c.retry.initialRetryTimeMs, maxMs: c.retry.maxRetryTimeMs },
      log,
      onCrash: (crash) => {
        this.onConsumerCrash?.(options.groupId, crash);
        options.onCrash?.(crash);
      },
    });

    let stopping: Promise<void> | undefined;
    const subscription: Subscription = {
      stop: () => {
        stopping ??= supervised.stop().finally(() => this.subscriptions.delete(subscription));
        return stopping;
      },
      pause: () => supervised.pause(),
      resume: () => supervised.resume(),
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Reports a dead letter to the bus's owner (the service's counter) and to the subscriber. */
  private reportDeadLetter(options: Pick<SubscribeOptions, 'groupId' | 'onDeadLetter'>): (letter: DeadLetter) => void {
    return (letter) => {
      this.onDeadLetter?.(options.groupId, letter);
      options.onDeadLetter?.(letter);
    };
  }

  /** The batch path: fetched batches in chunks of at most maxBatch, offsets committed once per batch. */
  private batchRunConfig(handleBatch: NonNullable<SubscribeOptions['handleBatch']>, options: KafkaSubscribeOptions, log: Logger): ConsumerRunConfig {
    const c = this.config;
    const maxBatch = Math.max(1, options.maxBatch ?? DEFAULT_MAX_BATCH);
    return {
      autoCommit: true,
      // kafkajs commits the resolved offsets after each eachBatch call: once per fetched batch.
      autoCommitThreshold: c.commitEvery,
      // Several partitions' batches in hand at once: the handler may coalesce them into one
      // store round trip and one produce (the controller does).
      partitionsConsumedConcurrently: c.partitions,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const topic = this.logical(batch.topic);
        for (let i = 0; i < batch.messages.length; i += maxBatch) {
          // Stopping or rebalanced away: what is unresolved is redelivered to the next owner.
          if (!isRunning() || isStale()) return;
          const chunk = batch.messages.slice(i, i + maxBatch);
          const deliveries: Delivery[] = [];
          const dead: PoisonDelivery[] = [];
          for (const message of chunk) {
            const value = message.value ?? Buffer.alloc(0);
            const decoded = decodeEvent(value, c.maxEventBytes);
            if (decoded.ok) deliveries.push({ topic, partition: batch.partition, offset: message.offset, event: decoded.event });
            else dead.push({ message, value, letter: { topic, partition: batch.partition, offset: message.offset, code: decoded.code, reason: decoded.reason } });
          }
          if (dead.length > 0) await this.deadLetters.write(batch.topic, dead, options.groupId, this.reportDeadLetter(options), log);
          if (deliveries.length > 0) await handleBatch(deliveries);
          resolveOffset((chunk[chunk.length - 1] as KafkaMessage).offset);
          await heartbeat();
        }
      },
    };
  }

  /** The per-message path: one handler call per message, in order per partition. */
  private messageRunConfig(options: KafkaSubscribeOptions, log: Logger): ConsumerRunConfig {
    const c = this.config;
    return {
      autoCommit: true,
      // Threshold 1 = commit right after each handler resolved; larger values batch commits
      // (kafkajs also commits what was handled at the end of every fetched batch and on stop).
      autoCommitThreshold: c.commitEvery,
      partitionsConsumedConcurrently: 1,
      eachMessage: async ({ topic: physicalTopic, partition, message }) => {
        const topic = this.logical(physicalTopic);
        const value = message.value ?? Buffer.alloc(0);
        const decoded = decodeEvent(value, c.maxEventBytes);
        if (decoded.ok) {
          await options.handle({ topic, partition, offset: message.offset, event: decoded.event });
          return;
        }
        const letter: DeadLetter = { topic, partition, offset: message.offset, code: decoded.code, reason: decoded.reason };
        await this.deadLetters.write(physicalTopic, [{ message, value, letter }], options.groupId, this.reportDeadLetter(options), log);
      },
    };
  }

  /**
   * The offsets a consumer group has committed on the given logical topics (only partitions
   * with a commit). The controller uses it to refuse starting over an empty state store.
   */
  async committedOffsets(groupId: string, topics: readonly string[]): Promise<CommittedOffset[]> {
    await this.connect();
    const found = await fetchCommittedOffsets(
      this.admin,
      groupId,
      topics.map((t) => this.physical(t)),
    );
    return found.map((o) => ({ ...o, topic: this.logical(o.topic) }));
  }

  /**
   * The end of each partition of the given logical topics: the offset the next message will get
   * (Kafka's high watermark). With committedOffsets it tells a reader that it has caught up.
   */
  async endOffsets(topics: readonly string[]): Promise<CommittedOffset[]> {
    await this.connect();
    const existing = new Set(await this.admin.listTopics());
    const present = topics.filter((t) => existing.has(this.physical(t)));
    const perTopic = await Promise.all(present.map(async (topic) => ({ topic, partitions: await this.admin.fetchTopicOffsets(this.physical(topic)) })));
    return perTopic.flatMap(({ topic, partitions }) => partitions.map((p) => ({ topic, partition: p.partition, offset: p.high })));
  }

  /** True while the broker answered the last probe or the last publish (for /readyz). */
  isConnected(): boolean {
    return !this.closed && this.connected && this.healthy;
  }

  private async probe(): Promise<void> {
    if (this.probing || this.closed) return;
    this.probing = true;
    // Kept so close() can wait for it: a probe that outlives its timeout would otherwise finish
    // connecting after close() and leave a socket open (seen after broker restarts).
    this.probeAttempt = (async () => {
      await this.probeAdmin.connect();
      await this.probeAdmin.describeCluster();
    })();
    this.probeAttempt.catch(() => undefined);
    try {
      await withTimeout(
        this.probeAttempt,
        Math.min(this.config.healthIntervalMs, this.config.requestTimeoutMs, 3000),
        'kafka health probe',
      );
      if (!this.healthy) this.log.info('broker reachable again');
      this.healthy = true;
    } catch (e) {
      if (this.healthy) this.log.warn({ err: e }, 'broker unreachable');
      this.healthy = false;
    } finally {
      this.probing = false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.healthTimer);
    if (this.probeAttempt) await withTimeout(this.probeAttempt, 10_000, 'kafka health probe at close').catch(() => undefined);
    await Promise.allSettled([...this.subscriptions].map((s) => s.stop()));
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect(), this.probeAdmin.disconnect()]);
    // Every client is disconnected: a socket still open is one kafkajs lost track of (see socket-registry.ts).
    const orphaned = this.sockets.destroyAll();
    if (orphaned > 0) this.log.info({ sockets: orphaned }, 'closed broker connections kafkajs left open');
  }
}
