// `curriculum controller | trainer | evaluator`: the distributed services on Kafka (and Redis for
// the controller). The same service code as the embedded run; only transport and store differ.
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { loadServiceConfig, type ServiceConfig } from '../config/service-config.ts';
import { KafkaBus } from '../transport/kafka/index.ts';
import { RedisRunStore } from '../store/redis/index.ts';
import { observePublished } from '../transport/observed-bus.ts';
import { ALL_TOPICS, CONTROLLER_INPUT_TOPICS } from '../schemas/topics.ts';
import { ControllerService } from '../controller/runtime/controller-service.ts';
import { controlPlaneFor } from '../controller/runtime/control-plane.ts';
import { metricsHooks } from '../controller/runtime/metrics-hooks.ts';
import { buildHttpServer } from '../observability/http-server.ts';
import { createServiceLogger } from '../observability/logger.ts';
import { createControllerMetrics, createEvaluatorMetrics, createTrainerMetrics, registerProcessMetrics, type ConsumerCrashMetrics, type ConsumerDeadLetterMetrics } from '../observability/metrics.ts';
import { observeEvaluatorEvent, observeTrainerEvent } from '../observability/metrics-from-events.ts';
import { startTrainerService } from '../trainer/service.ts';
import { startEvaluatorService } from '../evaluator/service.ts';

export const CONTROLLER_GROUP = 'curriculum-controller';

/** A consumer group's name on the broker: the topic prefix isolates groups as well as topics. */
export function groupName(config: ServiceConfig, group: string): string {
  return config.kafka.topicPrefix + group;
}

interface Started {
  /** Graceful: finish the in-flight event, persist, commit, leave the group. */
  stop(): Promise<void>;
}

function parseServiceArgs(name: string, argv: string[]): { file?: string } | undefined {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(`usage: curriculum ${name} [--config FILE.yaml]\n\nConfigured by the environment (CURRICULUM_*, see docs/operations.md), optionally on top of FILE.`);
    return undefined;
  }
  return values.config ? { file: values.config } : {};
}

/** Runs a service until SIGINT/SIGTERM, then stops it gracefully. */
async function serve(name: 'controller' | 'trainer' | 'evaluator', argv: string[], start: (config: ServiceConfig, logger: Logger) => Promise<Started>): Promise<number> {
  const args = parseServiceArgs(name, argv);
  if (!args) return 0;
  const config = loadServiceConfig(process.env, { ...args, needsRedis: name === 'controller' });
  const logger = createServiceLogger({ service: name, level: config.logLevel });
  const service = await start(config, logger);
  logger.info({ instance: config.instance, port: config.port }, `${name} started`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, `${name} stopping`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await service.stop();
  logger.info(`${name} stopped`);
  logger.flush();
  return 0;
}

/**
 * Every service counts its consumers' crashes (curriculum_consumer_crashes_total) and dead
 * letters (curriculum_consumer_dead_letters_total), whichever of its consumers they come from.
 */
async function connectBus(config: ServiceConfig, logger: Logger, metrics: ConsumerCrashMetrics & ConsumerDeadLetterMetrics): Promise<KafkaBus> {
  const bus = await KafkaBus.connect(config.kafka, {
    logger,
    onConsumerCrash: (group, crash) => metrics.recordConsumerCrash(group, crash.restartedBy),
    onDeadLetter: (group, letter) => metrics.recordConsumerDeadLetter(group, letter.written !== false),
  });
  await bus.ensureTopics(ALL_TOPICS, { withDeadLetters: true });
  return bus;
}

async function listen(app: ReturnType<typeof buildHttpServer>, port: number): Promise<void> {
  await app.listen({ port, host: '0.0.0.0' });
}

export async function startController(config: ServiceConfig, logger: Logger): Promise<Started & { controller: ControllerService }> {
  const registry = new Registry();
  registerProcessMetrics(registry);
  const metrics = createControllerMetrics(registry);
  const bus = await connectBus(config, logger, metrics);
  const store = new RedisRunStore(config.redis ?? { url: 'redis://127.0.0.1:6379' }, { logger });
  try {
    await store.ready();
  } catch (e) {
    await Promise.allSettled([bus.close(), store.close()]);
    throw e;
  }
  const group = groupName(config, CONTROLLER_GROUP);
  const controller = new ControllerService({
    bus,
    store,
    producer: config.instance,
    logger,
    groupId: group,
    hooks: metricsHooks(metrics),
    maxBatch: config.controllerBatch,
    // The controller admits feedback and writes the runs' pools on the shared checkpoint storage.
    checkpointRoot: config.checkpointRoot,
    // Offsets are committed for the group but the store is empty: the state was lost, and
    // starting anyway would silently begin every run afresh.
    committedOffsetsExist: async () => (await bus.committedOffsets(group, CONTROLLER_INPUT_TOPICS)).some((o) => BigInt(o.offset) > 0n),
  });
  try {
    await controller.start();
  } catch (e) {
    // A refused start (CUR_STORE_EMPTY_WITH_OFFSETS, an unreachable store) must end the process
    // with its error: open Kafka and Redis connections would keep it alive, silently doing nothing.
    await Promise.allSettled([controller.stop(), bus.close(), store.close()]);
    throw e;
  }
  const app = buildHttpServer({
    controlPlane: controlPlaneFor(controller),
    registry,
    probes: { bus: () => bus.isConnected(), store: () => store.ping() },
    ...(config.apiToken ? { token: config.apiToken } : {}),
    logger,
    service: 'controller',
  });
  await listen(app, config.port);
  const ticker = setInterval(() => {
    controller.tick().catch((e: unknown) => logger.error({ err: e }, 'tick failed'));
  }, config.tickSeconds * 1000);
  return {
    controller,
    async stop() {
      clearInterval(ticker);
      await app.close();
      await controller.stop();
      await bus.close();
      await store.close();
    },
  };
}

async function startExecutor(kind: 'trainer' | 'evaluator', config: ServiceConfig, logger: Logger): Promise<Started> {
  const registry = new Registry();
  registerProcessMetrics(registry);
  const metrics = kind === 'trainer' ? createTrainerMetrics(registry) : createEvaluatorMetrics(registry);
  const kafka = await connectBus(config, logger, metrics);
  const bus = observePublished(kafka, (event) => {
    if ('setBackend' in metrics) observeTrainerEvent(metrics, event);
    else observeEvaluatorEvent(metrics, event);
  });
  const common = {
    bus,
    checkpointRoot: config.checkpointRoot,
    producer: config.instance,
    logger,
    backend: config.backend,
    groupId: groupName(config, `curriculum-${kind}`),
  };
  let service: { stop(): Promise<void> };
  if (kind === 'trainer') {
    const trainer = await startTrainerService(common);
    if ('setBackend' in metrics) metrics.setBackend(trainer.backend, trainer.version, trainer.device);
    service = trainer;
  } else {
    service = await startEvaluatorService(common);
  }
  const app = buildHttpServer({ registry, probes: { bus: () => kafka.isConnected(), store: async () => true }, logger, service: kind });
  await listen(app, config.port);
  return {
    async stop() {
      await app.close();
      await service.stop();
      await kafka.close();
    },
  };
}

export const controllerCommand = (argv: string[]) => serve('controller', argv, startController);
export const trainerCommand = (argv: string[]) => serve('trainer', argv, (c, l) => startExecutor('trainer', c, l));
export const evaluatorCommand = (argv: string[]) => serve('evaluator', argv, (c, l) => startExecutor('evaluator', c, l));
