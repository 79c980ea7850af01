// A kafkajs consumer that is rebuilt when kafkajs gives up on it.
//
// kafkajs restarts a crashed consumer only when the cause is retriable. When the broker goes
// away while the group is looking for its coordinator (a broker restart, a rolling upgrade),
// the crash is KafkaJSGroupCoordinatorNotFound, a "non-retriable" error: kafkajs logs
// "Crash", disconnects the consumer and never starts it again, while the producer and the
// health probe recover and the service looks healthy (kafkajs issues #1445 and #1630, open).
// It ended one CI run: the controller stopped consuming at decision 17 of 47 for good.
//
// So the bus supervises its consumers: after a crash kafkajs will not restart from, it builds a
// new consumer for the same group (kafkajs cannot restart a consumer it has given up on) and
// starts it again from the group's committed offsets, backing off between failed attempts,
// until it runs or the subscription is stopped. Messages handled but not committed before the
// crash are redelivered, which the at-least-once contract already allows.
import type { Consumer, ConsumerRunConfig } from 'kafkajs';
import type { Logger } from 'pino';
import type { ConsumerCrash } from '../bus.ts';

export interface SupervisedConsumerOptions {
  /** A new, unconnected kafkajs consumer of the group, its event listeners attached. */
  create: () => Consumer;
  topics: string[];
  fromBeginning: boolean;
  run: ConsumerRunConfig;
  /** Backoff between rebuild attempts: doubles from the first to the most. */
  backoff: { initialMs: number; maxMs: number };
  log: Logger;
  onCrash?: (crash: ConsumerCrash) => void;
}

/** One consumer generation: kafkajs's crash event says whether kafkajs will restart it. */
interface Generation {
  consumer: Consumer;
  abandoned: boolean;
}

export class SupervisedConsumer {
  private current: Generation;
  private paused = false;
  private readonly pausedTopics: Array<{ topic: string }>;
  private rebuilding: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private wakeRebuild: (() => void) | undefined;
  /** Rebuilds so far, for the log. */
  private rebuilds = 0;

  private constructor(private readonly options: SupervisedConsumerOptions) {
    this.pausedTopics = options.topics.map((topic) => ({ topic }));
    this.current = this.generation();
  }

  /** Connects, subscribes and runs the first consumer; throws when the broker does not answer. */
  static async start(options: SupervisedConsumerOptions): Promise<SupervisedConsumer> {
    const supervised = new SupervisedConsumer(options);
    try {
      await supervised.launch(supervised.current);
    } catch (e) {
      await supervised.current.consumer.disconnect().catch(() => undefined);
      throw e;
    }
    return supervised;
  }

  pause(): void {
    this.paused = true;
    this.applyPause();
  }

  resume(): void {
    this.paused = false;
    this.applyPause();
  }

  /**
   * kafkajs throws on pause/resume of a consumer that is not running (abandoned, or rebuilt but
   * not yet started). The flag is what counts: every group join applies it again.
   */
  private applyPause(): void {
    const { consumer, abandoned } = this.current;
    if (abandoned) return;
    try {
      if (this.paused) consumer.pause(this.pausedTopics);
      else consumer.resume(this.pausedTopics);
    } catch (e) {
      this.options.log.debug({ err: e }, 'pause state kept for the next group join');
    }
  }

  /** Stops rebuilding, then disconnects (kafkajs waits for the in-flight handler and commits). */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.wakeRebuild?.();
      await this.rebuilding;
      await this.current.consumer.disconnect();
    })();
    return this.stopping;
  }

  private generation(): Generation {
    const generation: Generation = { consumer: this.options.create(), abandoned: false };
    // A consumer restarted by kafkajs, or rebuilt here, joins unpaused: re-apply backpressure.
    generation.consumer.on(generation.consumer.events.GROUP_JOIN, () => {
      if (this.paused) generation.consumer.pause(this.pausedTopics);
    });
    generation.consumer.on(generation.consumer.events.CRASH, (e) => {
      const error = e.payload.error instanceof Error ? e.payload.error.message : String(e.payload.error);
      const restartedBy = e.payload.restart ? 'kafkajs' : 'bus';
      this.options.log.error({ err: e.payload.error, restartedBy }, 'consumer crashed');
      this.options.onCrash?.({ error, restartedBy });
      if (e.payload.restart) return;
      generation.abandoned = true;
      if (generation === this.current) this.scheduleRebuild();
    });
    return generation;
  }

  private async launch(generation: Generation): Promise<void> {
    const { consumer } = generation;
    await consumer.connect();
    await consumer.subscribe({ topics: this.options.topics, fromBeginning: this.options.fromBeginning });
    // run() reports a failed start as a crash event, not a rejection: `abandoned` tells.
    await consumer.run(this.options.run);
  }

  private scheduleRebuild(): void {
    if (this.stopping || this.rebuilding) return;
    this.rebuilding = this.rebuild().finally(() => {
      this.rebuilding = undefined;
      // A crash of the new consumer between its start and this line found a rebuild still running.
      if (this.current.abandoned) this.scheduleRebuild();
    });
  }

  private async rebuild(): Promise<void> {
    const { initialMs, maxMs } = this.options.backoff;
    let delayMs = initialMs;
    for (let attempt = 1; ; attempt++) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        this.wakeRebuild = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeRebuild = undefined;
      if (this.stopping) return;
      const next = this.generation();
      this.current = next;
      try {
        await this.launch(next);
        if (!next.abandoned) {
          this.rebuilds += 1;
          this.options.log.warn({ attempt, rebuilds: this.rebuilds }, 'consumer rebuilt after kafkajs gave up on it');
          return;
        }
      } catch (e) {
        this.options.log.warn({ err: e, attempt, retryInMs: Math.min(delayMs * 2, maxMs) }, 'rebuilding the consumer failed; retrying');
        next.abandoned = true;
        await next.consumer.disconnect().catch(() => undefined);
      }
      if (this.stopping) return;
      delayMs = Math.min(delayMs * 2, maxMs);
    }
  }
}
