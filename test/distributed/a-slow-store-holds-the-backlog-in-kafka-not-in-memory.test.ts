// Backpressure: with a slow state store (RedisRunStore's test-only commit delay, once per store
// round trip) and tens of megabytes of events queued on the controller's input topic, the
// controller handles one batch at a time (commits never overlap), consumption slows to the
// store's pace, and the backlog stays on the broker: the process's memory grows by a small
// fraction of the backlog. The bound comes from the transport's design: kafkajs fetches at most
// maxBytesPerPartition (1 MiB) per partition and fetches again only once the batches in hand
// have been handled, each handler awaited before its offsets are committed.
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { makeEvent } from '../../schemas/envelope.ts';
import type { AnyEvent } from '../../schemas/events.ts';
import { ControllerService } from '../../controller/runtime/controller-service.ts';
import { RedisRunStore, type RedisStoreConfig } from '../../store/redis/index.ts';
import type { BatchCommitInput, CommitOutcome } from '../../store/run-store.ts';
import { KAFKA, REDIS, env, serviceTest } from '../support/service-gate.ts';
import { runStartEvent, scenario, sleep, testBus, testLogger, track, waitFor } from './harness.ts';

const BACKLOG = 3000;
const EVENT_BYTES = 20_000;
const COMMIT_DELAY_MS = 500;
/** Events of EVENT_BYTES in one 1 MiB partition fetch, with room for the batch framing. */
const PER_FETCH = Math.ceil(2 ** 20 / EVENT_BYTES) + 1;
const WINDOW_MS = 8000;

/** The real Redis store, counting how many commit round trips are in progress at once. */
class ConcurrencyCountingStore extends RedisRunStore {
  inFlight = 0;
  maxInFlight = 0;
  commits = 0;

  constructor(config: RedisStoreConfig) {
    super(config, { logger: testLogger });
  }

  override async commitMany(inputs: readonly BatchCommitInput[]): Promise<CommitOutcome[]> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await super.commitMany(inputs);
    } finally {
      this.inFlight--;
      this.commits++;
    }
  }
}

function feedback(runId: string, i: number): AnyEvent {
  return makeEvent(
    'feedback',
    { eventId: `fb-${i}`, runId, producer: 'backlog', sequence: i, producedAt: new Date().toISOString() },
    {
      feedbackId: `fb-${i}`,
      deploymentId: 'prod',
      input: `${i} `.padEnd(EVENT_BYTES, 'x'),
      prediction: '1',
      label: '2',
      source: 'monitor',
      severity: 'low',
      observedAt: new Date().toISOString(),
    },
  ) as AnyEvent;
}

function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

const memory = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
};

serviceTest(
  'a slow store makes the controller consume at its pace, one batch at a time, with the backlog left on the broker',
  { env: [...KAFKA.env, ...REDIS.env], hint: KAFKA.hint },
  async (t) => {
    const s = await scenario('backpressure');
    const runId = 'run-backpressure';
    const store = track(new ConcurrencyCountingStore({ url: env('CURRICULUM_REDIS_URL'), keyPrefix: s.iso.redisPrefix, testOnlyCommitDelayMs: COMMIT_DELAY_MS }));
    const bus = testBus(s.iso);
    let controller: ControllerService | undefined;
    try {
      // The backlog first: the run's start, then ~57 MiB of production feedback for it (feedback
      // outside the continual phase is noted and committed, so each one costs a store commit).
      await s.bus.publish([runStartEvent(runId)]);
      for (let i = 0; i < BACKLOG; i += 40) {
        await s.bus.publish(Array.from({ length: Math.min(40, BACKLOG - i) }, (_, j) => feedback(runId, i + j)));
      }
      const backlogBytes = BACKLOG * EVENT_BYTES;
      await store.ready();
      await bus.connect();
      // External buffers of the publishing are freed by a later collection: settle first.
      for (let i = 0; i < 3; i++) {
        collectGarbage();
        await sleep(100);
      }
      const baseline = memory();

      let handled = 0;
      const service = new ControllerService({
        bus,
        store,
        producer: 'controller-backpressure',
        logger: testLogger,
        groupId: `${s.iso.topicPrefix}curriculum-controller`,
        hooks: { onOutcome: () => void handled++ },
      });
      controller = track({ service, close: () => service.stop() }).service;
      // Retained memory: collected every 250 ms, so garbage not yet collected does not count.
      const samples: number[] = [];
      const sampler = setInterval(() => {
        collectGarbage();
        samples.push(memory());
      }, 250);
      const started = Date.now();
      await controller.start();
      await waitFor('the first events handled', () => handled > 0, 60_000);
      const firstAt = Date.now();
      const commitsAtFirst = store.commits;
      await sleep(WINDOW_MS);
      const inWindow = handled;
      const commitsInWindow = store.commits - commitsAtFirst;
      const seconds = (Date.now() - firstAt) / 1000;
      clearInterval(sampler);
      const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
      const growth = Math.max(...samples) - baseline;
      t.diagnostic(
        `backlog ${BACKLOG} events (${(backlogBytes / 2 ** 20).toFixed(1)} MiB); ${inWindow} handled in ${seconds.toFixed(1)} s (${(inWindow / seconds).toFixed(0)}/s) after a ${firstAt - started} ms start; ` +
          `retained memory (after GC, ${samples.length} samples): baseline ${mib(baseline)}, min ${mib(Math.min(...samples))}, max ${mib(Math.max(...samples))}, peak growth ${mib(growth)}; ${commitsInWindow} commit round trips in the window, at most ${store.maxInFlight} in flight`,
      );
      assert.equal(store.maxInFlight, 1, 'batches are never handled concurrently: one store commit at a time');
      // Timers may fire up to 1 ms early; the window start is polled (50 ms).
      assert.ok(commitsInWindow <= (seconds * 1000 + 100) / (COMMIT_DELAY_MS - 1) + 1, `commits are paced by the store: ${commitsInWindow} in ${seconds.toFixed(1)} s`);
      // A commit carries at most what one fetch brought (plus the batch in hand when the window opened).
      assert.ok(inWindow <= (commitsInWindow + 2) * PER_FETCH, `consumption is paced by the store: ${inWindow} events in ${commitsInWindow} commits`);
      assert.ok(inWindow < BACKLOG / 2, 'most of the backlog is still on the broker');
      assert.ok(growth < backlogBytes / 3, `memory grew by ${(growth / 2 ** 20).toFixed(1)} MiB, not by the ${(backlogBytes / 2 ** 20).toFixed(1)} MiB backlog`);
    } finally {
      await controller?.stop();
      await bus.close();
      await store.close();
      await s.close();
    }
  },
  { timeout: 180_000 },
);
