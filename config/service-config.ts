// Configuration of the distributed services: read once at start-up from an optional YAML file
// and the environment (the environment wins), validated once, with errors naming the variable.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { checkValue, formatFieldError } from '../schemas/validate.ts';
import { CurriculumError } from '../schemas/errors.ts';

export const ServiceConfig = Type.Object(
  {
    instance: Type.String({ minLength: 1, default: 'curriculum-0', description: 'instance name, used as producer id and Kafka client id' }),
    logLevel: Type.Union(['trace', 'debug', 'info', 'warn', 'error'].map((l) => Type.Literal(l)), { default: 'info' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 9400, description: 'HTTP port for /metrics, /healthz, /readyz and the API' }),
    apiToken: Type.Optional(Type.String({ minLength: 16, description: 'bearer token for operator actions' })),
    kafka: Type.Object(
      {
        brokers: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, default: ['127.0.0.1:9092'] }),
        partitions: Type.Integer({ minimum: 1, maximum: 1000, default: 6 }),
        ssl: Type.Boolean({ default: false }),
        sasl: Type.Optional(
          Type.Object(
            {
              mechanism: Type.Union([Type.Literal('plain'), Type.Literal('scram-sha-256'), Type.Literal('scram-sha-512')]),
              username: Type.String({ minLength: 1 }),
              password: Type.String({ minLength: 1 }),
            },
            { additionalProperties: false },
          ),
        ),
        maxEventBytes: Type.Integer({ minimum: 1024, default: 1048576 }),
      },
      { additionalProperties: false, default: {} },
    ),
    redis: Type.Object(
      {
        url: Type.String({ minLength: 1, default: 'redis://127.0.0.1:6379' }),
        password: Type.Optional(Type.String()),
        tls: Type.Boolean({ default: false }),
        keyPrefix: Type.String({ default: 'curriculum:' }),
      },
      { additionalProperties: false, default: {} },
    ),
    checkpointRoot: Type.String({ minLength: 1, default: './checkpoints', description: 'shared by trainer and evaluator' }),
    backend: Type.Union(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'].map((b) => Type.Literal(b)), { default: 'auto' }),
  },
  { additionalProperties: false },
);
export type ServiceConfig = Static<typeof ServiceConfig>;

/** Environment variable -> config path. One table, documented in docs/operations.md. */
export const ENVIRONMENT: ReadonlyArray<{ name: string; path: readonly string[]; kind: 'string' | 'int' | 'bool' | 'list' }> = [
  { name: 'CURRICULUM_INSTANCE', path: ['instance'], kind: 'string' },
  { name: 'CURRICULUM_LOG_LEVEL', path: ['logLevel'], kind: 'string' },
  { name: 'CURRICULUM_PORT', path: ['port'], kind: 'int' },
  { name: 'CURRICULUM_API_TOKEN', path: ['apiToken'], kind: 'string' },
  { name: 'CURRICULUM_KAFKA_BROKERS', path: ['kafka', 'brokers'], kind: 'list' },
  { name: 'CURRICULUM_KAFKA_PARTITIONS', path: ['kafka', 'partitions'], kind: 'int' },
  { name: 'CURRICULUM_KAFKA_SSL', path: ['kafka', 'ssl'], kind: 'bool' },
  { name: 'CURRICULUM_KAFKA_SASL_MECHANISM', path: ['kafka', 'sasl', 'mechanism'], kind: 'string' },
  { name: 'CURRICULUM_KAFKA_SASL_USERNAME', path: ['kafka', 'sasl', 'username'], kind: 'string' },
  { name: 'CURRICULUM_KAFKA_SASL_PASSWORD', path: ['kafka', 'sasl', 'password'], kind: 'string' },
  { name: 'CURRICULUM_KAFKA_MAX_EVENT_BYTES', path: ['kafka', 'maxEventBytes'], kind: 'int' },
  { name: 'CURRICULUM_REDIS_URL', path: ['redis', 'url'], kind: 'string' },
  { name: 'CURRICULUM_REDIS_PASSWORD', path: ['redis', 'password'], kind: 'string' },
  { name: 'CURRICULUM_REDIS_TLS', path: ['redis', 'tls'], kind: 'bool' },
  { name: 'CURRICULUM_REDIS_KEY_PREFIX', path: ['redis', 'keyPrefix'], kind: 'string' },
  { name: 'CURRICULUM_CHECKPOINT_ROOT', path: ['checkpointRoot'], kind: 'string' },
  { name: 'CURRICULUM_BACKEND', path: ['backend'], kind: 'string' },
];

export function loadServiceConfig(env: NodeJS.ProcessEnv, file?: string): ServiceConfig {
  const errors: string[] = [];
  let base: Record<string, unknown> = {};
  if (file) {
    try {
      base = (parse(readFileSync(file, 'utf8')) as Record<string, unknown> | null) ?? {};
    } catch (e) {
      throw new CurriculumError('CUR_CONFIG_INVALID', `${file}: cannot read configuration: ${(e as Error).message}`);
    }
  }
  const fromEnv = new Map<string, string>();
  for (const { name, path, kind } of ENVIRONMENT) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    let value: unknown = raw;
    if (kind === 'int') value = /^-?\d+$/.test(raw) ? Number(raw) : raw;
    if (kind === 'bool') value = raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : raw;
    if (kind === 'list') value = raw.split(',').map((s) => s.trim()).filter(Boolean);
    setPath(base, path, value);
    fromEnv.set(path.join('.'), name);
  }
  const withDefaults = Value.Default(ServiceConfig, base) as unknown;
  for (const e of checkValue(ServiceConfig, withDefaults)) {
    const variable = [...fromEnv].find(([p]) => e.path === p || e.path.startsWith(`${p}.`) || e.path.startsWith(`${p}[`))?.[1];
    errors.push(formatFieldError(e, variable ?? file ?? 'configuration'));
  }
  if (errors.length > 0) throw new CurriculumError('CUR_CONFIG_INVALID', 'invalid service configuration', errors);
  return withDefaults as ServiceConfig;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  path.slice(0, -1).forEach((key) => {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  });
  node[path[path.length - 1] as string] = value;
}

/** The configuration as it may be logged: secrets replaced. */
export function redactedConfig(config: ServiceConfig): unknown {
  return {
    ...config,
    apiToken: config.apiToken ? '[redacted]' : undefined,
    kafka: { ...config.kafka, sasl: config.kafka.sasl ? { ...config.kafka.sasl, password: '[redacted]' } : undefined },
    redis: { ...config.redis, password: config.redis.password ? '[redacted]' : undefined },
  };
}
