// Configuration of the distributed services: the environment, optionally on top of a YAML file,
// read once at start-up and validated once, with errors naming the variable or file. The Kafka
// and Redis sections are the transport's and the store's own configs (one schema each).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { checkValue, formatFieldError } from '../schemas/validate.ts';
import { BACKEND_NAMES, LiteralUnion } from '../schemas/common.ts';
import { CurriculumError } from '../schemas/errors.ts';
import { kafkaBusConfigFromEnv, parseKafkaBusConfig, type ResolvedKafkaBusConfig } from '../transport/kafka/config.ts';
import { parseRedisStoreConfig, redisStoreConfigFromEnv, type RedisStoreConfig } from '../store/redis/config.ts';

export const GeneralConfig = Type.Object(
  {
    instance: Type.String({ minLength: 1, default: 'curriculum-0', description: 'instance name: producer id and log binding' }),
    logLevel: LiteralUnion(['trace', 'debug', 'info', 'warn', 'error'], { default: 'info' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 9400, description: 'HTTP port for /metrics, /healthz, /readyz and the API' }),
    apiToken: Type.Optional(Type.String({ minLength: 16, description: 'bearer token for operator actions' })),
    checkpointRoot: Type.String({ minLength: 1, default: './checkpoints', description: 'shared by trainer and evaluator' }),
    backend: LiteralUnion(BACKEND_NAMES, { default: 'auto' }),
    tickSeconds: Type.Number({ exclusiveMinimum: 0, default: 5, description: 'how often the controller delivers liveness ticks' }),
    controllerBatch: Type.Integer({
      minimum: 1,
      maximum: 5000,
      default: 64,
      description: 'events the controller handles per batch (coalesced up to twice as many): smaller lowers decision latency, larger raises throughput (BENCHMARKS.md, bench:controller)',
    }),
  },
  { additionalProperties: true },
);
export type GeneralConfig = Static<typeof GeneralConfig>;

export interface ServiceConfig extends GeneralConfig {
  kafka: ResolvedKafkaBusConfig;
  /** Only the controller needs Redis. */
  redis: RedisStoreConfig | null;
}

/** Every environment variable the services read, in one table (docs, compose and chart tests check it). */
export const ENVIRONMENT: ReadonlyArray<{ name: string; path: readonly string[]; kind: 'string' | 'int' | 'number' | 'bool' | 'list' }> = [
  { name: 'CURRICULUM_INSTANCE', path: ['instance'], kind: 'string' },
  { name: 'CURRICULUM_LOG_LEVEL', path: ['logLevel'], kind: 'string' },
  { name: 'CURRICULUM_PORT', path: ['port'], kind: 'int' },
  { name: 'CURRICULUM_API_TOKEN', path: ['apiToken'], kind: 'string' },
  { name: 'CURRICULUM_CHECKPOINT_ROOT', path: ['checkpointRoot'], kind: 'string' },
  { name: 'CURRICULUM_BACKEND', path: ['backend'], kind: 'string' },
  { name: 'CURRICULUM_TICK_SECONDS', path: ['tickSeconds'], kind: 'number' },
  { name: 'CURRICULUM_CONTROLLER_BATCH', path: ['controllerBatch'], kind: 'int' },
  // Read by transport/kafka/config.ts (kafkaBusConfigFromEnv):
  { name: 'CURRICULUM_KAFKA_BROKERS', path: ['kafka', 'brokers'], kind: 'list' },
  { name: 'CURRICULUM_KAFKA_CLIENT_ID', path: ['kafka', 'clientId'], kind: 'string' },
  { name: 'CURRICULUM_KAFKA_PARTITIONS', path: ['kafka', 'partitions'], kind: 'int' },
  { name: 'CURRICULUM_KAFKA_TLS', path: ['kafka', 'tls'], kind: 'bool' },
  { name: 'CURRICULUM_KAFKA_SASL_MECHANISM', path: ['kafka', 'sasl', 'mechanism'], kind: 'string' },
  { name: 'CURRICULUM_KAFKA_SASL_USERNAME', path: ['kafka', 'sasl', 'username'], kind: 'string' },
  { name: 'CURRICULUM_KAFKA_SASL_PASSWORD', path: ['kafka', 'sasl', 'password'], kind: 'string' },
  { name: 'CURRICULUM_KAFKA_MAX_EVENT_BYTES', path: ['kafka', 'maxEventBytes'], kind: 'int' },
  { name: 'CURRICULUM_KAFKA_COMMIT_EVERY', path: ['kafka', 'commitEvery'], kind: 'int' },
  { name: 'CURRICULUM_KAFKA_TOPIC_PREFIX', path: ['kafka', 'topicPrefix'], kind: 'string' },
  { name: 'CURRICULUM_KAFKA_SESSION_TIMEOUT_MS', path: ['kafka', 'sessionTimeoutMs'], kind: 'int' },
  { name: 'CURRICULUM_KAFKA_HEARTBEAT_INTERVAL_MS', path: ['kafka', 'heartbeatIntervalMs'], kind: 'int' },
  // Read by store/redis/config.ts (redisStoreConfigFromEnv):
  { name: 'CURRICULUM_REDIS_URL', path: ['redis', 'url'], kind: 'string' },
  { name: 'CURRICULUM_REDIS_PASSWORD', path: ['redis', 'password'], kind: 'string' },
  { name: 'CURRICULUM_REDIS_TLS', path: ['redis', 'tls'], kind: 'bool' },
  { name: 'CURRICULUM_REDIS_KEY_PREFIX', path: ['redis', 'keyPrefix'], kind: 'string' },
];

const GENERAL_ENV = ENVIRONMENT.filter((e) => e.path.length === 1);

/**
 * Loads and validates the configuration. `needs.redis` makes CURRICULUM_REDIS_URL (or a
 * `redis:` section) required; Kafka is always required.
 */
export function loadServiceConfig(env: NodeJS.ProcessEnv, options: { file?: string; needsRedis: boolean }): ServiceConfig {
  let fileValues: Record<string, unknown> = {};
  if (options.file) {
    try {
      fileValues = (parse(readFileSync(options.file, 'utf8')) as Record<string, unknown> | null) ?? {};
    } catch (e) {
      throw new CurriculumError('CUR_CONFIG_INVALID', `${options.file}: cannot read configuration: ${(e as Error).message}`);
    }
  }
  const { kafka: fileKafka, redis: fileRedis, ...fileGeneral } = fileValues;
  const general: Record<string, unknown> = { ...fileGeneral };
  const fromEnv = new Map<string, string>();
  for (const { name, path, kind } of GENERAL_ENV) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    general[path[0] as string] = kind === 'int' || kind === 'number' ? (/^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw) : raw;
    fromEnv.set(path[0] as string, name);
  }
  const resolved = Value.Default(GeneralConfig, general) as GeneralConfig;
  const errors = checkValue(GeneralConfig, resolved).map((e) =>
    formatFieldError(e, fromEnv.get(e.path.split(/[.[]/)[0] ?? '') ?? options.file ?? 'configuration'),
  );
  const known = new Set(Object.keys(GeneralConfig.properties));
  for (const key of Object.keys(fileGeneral)) {
    if (!known.has(key)) errors.push(`${options.file}: ${key}: unknown key`);
  }
  if (errors.length > 0) throw new CurriculumError('CUR_CONFIG_INVALID', 'invalid service configuration', errors);

  // Each section: the environment when it names the service, else the file's section.
  const kafka = kafkaBusConfigFromEnv(env) ?? (fileKafka !== undefined ? parseKafkaBusConfig(fileKafka, `${options.file}: kafka`) : null);
  if (!kafka) {
    throw new CurriculumError('CUR_CONFIG_INVALID', 'no Kafka brokers configured', ['set CURRICULUM_KAFKA_BROKERS (host:port,...) or kafka.brokers in the config file']);
  }
  const redis = redisStoreConfigFromEnv(env) ?? (fileRedis !== undefined ? parseRedisStoreConfig(fileRedis, `${options.file}: redis`) : null);
  if (options.needsRedis && !redis) {
    throw new CurriculumError('CUR_CONFIG_INVALID', 'no Redis configured', ['set CURRICULUM_REDIS_URL (redis://host:port) or redis.url in the config file']);
  }
  return { ...resolved, kafka, redis };
}
