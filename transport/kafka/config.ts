// Kafka transport configuration: one TypeBox schema, validated once at construction, so a
// typo in a broker list or a SASL block fails at start-up with the field named, not at the
// first publish.
import { Type, type Static } from '@sinclair/typebox';
import { CurriculumError } from '../../schemas/errors.ts';
import { checkValue, formatFieldError } from '../../schemas/validate.ts';

const Ms = (description: string, minimum = 1) => Type.Integer({ minimum, description });

export const KafkaTlsConfig = Type.Object(
  {
    /** PEM strings (not paths): the caller reads files so this module stays free of I/O policy. */
    ca: Type.Optional(Type.String({ minLength: 1, description: 'PEM CA bundle' })),
    cert: Type.Optional(Type.String({ minLength: 1, description: 'PEM client certificate (mTLS)' })),
    key: Type.Optional(Type.String({ minLength: 1, description: 'PEM client key (mTLS)' })),
    servername: Type.Optional(Type.String({ minLength: 1, description: 'SNI / certificate host name override' })),
    rejectUnauthorized: Type.Optional(Type.Boolean({ description: 'verify the broker certificate (default true)' })),
  },
  { additionalProperties: false },
);

export const KafkaSaslConfig = Type.Object(
  {
    mechanism: Type.Union([Type.Literal('plain'), Type.Literal('scram-sha-256'), Type.Literal('scram-sha-512')]),
    username: Type.String({ minLength: 1 }),
    password: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

export const KafkaBusConfig = Type.Object(
  {
    brokers: Type.Array(Type.String({ pattern: '^[^\\s:]+:\\d{1,5}$', description: 'host:port' }), {
      minItems: 1,
      description: 'bootstrap brokers',
    }),
    clientId: Type.Optional(Type.String({ minLength: 1, description: 'client id sent to the broker (default curriculum)' })),
    /** true = TLS with the system CAs; an object adds CA / client certificate / SNI. */
    tls: Type.Optional(Type.Union([Type.Boolean(), KafkaTlsConfig])),
    sasl: Type.Optional(KafkaSaslConfig),
    partitions: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, description: 'partitions per topic created by ensureTopics (default 6)' })),
    replicationFactor: Type.Optional(
      Type.Integer({ minimum: -1, maximum: 32, description: 'replication factor for created topics; -1 = broker default (default -1)' }),
    ),
    maxEventBytes: Type.Optional(Type.Integer({ minimum: 64, description: 'messages above this size go to the dead letters (default 1 MiB)' })),
    connectionTimeoutMs: Type.Optional(Ms('TCP connect timeout (default 3000)')),
    requestTimeoutMs: Type.Optional(Ms('request timeout (default 30000)')),
    retry: Type.Optional(
      Type.Object(
        {
          retries: Type.Integer({ minimum: 0, maximum: 1000, description: 'attempts after the first (default 12)' }),
          initialRetryTimeMs: Type.Optional(Ms('first backoff (default 300)')),
          maxRetryTimeMs: Type.Optional(Ms('backoff cap (default 5000)')),
        },
        { additionalProperties: false },
      ),
    ),
    sessionTimeoutMs: Type.Optional(Ms('consumer group session timeout (default 30000)', 1000)),
    heartbeatIntervalMs: Type.Optional(Ms('consumer heartbeat interval (default 3000)', 100)),
    rebalanceTimeoutMs: Type.Optional(Ms('how long the group waits for members to rejoin (default 60000)', 1000)),
    commitEvery: Type.Optional(
      Type.Integer({ minimum: 1, description: 'commit after this many handled messages (default 1: every message, right after its handler resolved)' }),
    ),
    healthIntervalMs: Type.Optional(Ms('how often isConnected() is refreshed by a metadata probe (default 5000)', 100)),
    topicPrefix: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9._-]*$',
        description: 'prepended to every topic and consumer group name on the broker, so deployments or test runs can share a cluster (default "")',
      }),
    ),
  },
  { additionalProperties: false },
);
export type KafkaBusConfig = Static<typeof KafkaBusConfig>;

/** The config with every default filled in. */
export type ResolvedKafkaBusConfig = Required<Omit<KafkaBusConfig, 'tls' | 'sasl' | 'retry'>> &
  Pick<KafkaBusConfig, 'tls' | 'sasl'> & { retry: { retries: number; initialRetryTimeMs: number; maxRetryTimeMs: number } };

const SECRET_PATH = /(password|key|cert)$/;

/** Validates a Kafka transport config and fills in defaults; throws CUR_CONFIG_INVALID naming each bad field. */
export function parseKafkaBusConfig(value: unknown, label = 'kafka'): ResolvedKafkaBusConfig {
  const errors = checkValue(KafkaBusConfig, value);
  if (errors.length > 0) {
    throw new CurriculumError(
      'CUR_CONFIG_INVALID',
      `${label}: the Kafka transport configuration is invalid`,
      // Secrets never reach a log line, even when their value has the wrong type.
      errors.map((e) => formatFieldError(SECRET_PATH.test(e.path) ? { ...e, found: 'a redacted value' } : e)),
    );
  }
  const c = value as KafkaBusConfig;
  return {
    brokers: c.brokers,
    clientId: c.clientId ?? 'curriculum',
    tls: c.tls,
    sasl: c.sasl,
    partitions: c.partitions ?? 6,
    replicationFactor: c.replicationFactor ?? -1,
    maxEventBytes: c.maxEventBytes ?? 1024 * 1024,
    connectionTimeoutMs: c.connectionTimeoutMs ?? 3000,
    requestTimeoutMs: c.requestTimeoutMs ?? 30000,
    retry: {
      retries: c.retry?.retries ?? 12,
      initialRetryTimeMs: c.retry?.initialRetryTimeMs ?? 300,
      maxRetryTimeMs: c.retry?.maxRetryTimeMs ?? 5000,
    },
    sessionTimeoutMs: c.sessionTimeoutMs ?? 30000,
    heartbeatIntervalMs: c.heartbeatIntervalMs ?? 3000,
    rebalanceTimeoutMs: c.rebalanceTimeoutMs ?? 60000,
    commitEvery: c.commitEvery ?? 1,
    healthIntervalMs: c.healthIntervalMs ?? 5000,
    topicPrefix: c.topicPrefix ?? '',
  };
}

/**
 * Reads the transport config from the environment (the distributed services' default):
 * CURRICULUM_KAFKA_BROKERS (comma-separated), CURRICULUM_KAFKA_CLIENT_ID, CURRICULUM_KAFKA_PARTITIONS,
 * CURRICULUM_KAFKA_TLS=1, CURRICULUM_KAFKA_SASL_MECHANISM / _USERNAME / _PASSWORD,
 * CURRICULUM_KAFKA_TOPIC_PREFIX, CURRICULUM_KAFKA_SESSION_TIMEOUT_MS, CURRICULUM_KAFKA_HEARTBEAT_INTERVAL_MS.
 * Returns null when CURRICULUM_KAFKA_BROKERS is unset (embedded mode).
 */
export function kafkaBusConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ResolvedKafkaBusConfig | null {
  const brokers = env.CURRICULUM_KAFKA_BROKERS?.trim();
  if (!brokers) return null;
  const raw: Record<string, unknown> = {
    brokers: brokers.split(',').map((b) => b.trim()).filter((b) => b !== ''),
  };
  if (env.CURRICULUM_KAFKA_CLIENT_ID) raw.clientId = env.CURRICULUM_KAFKA_CLIENT_ID;
  if (env.CURRICULUM_KAFKA_PARTITIONS) raw.partitions = Number(env.CURRICULUM_KAFKA_PARTITIONS);
  if (env.CURRICULUM_KAFKA_MAX_EVENT_BYTES) raw.maxEventBytes = Number(env.CURRICULUM_KAFKA_MAX_EVENT_BYTES);
  if (env.CURRICULUM_KAFKA_COMMIT_EVERY) raw.commitEvery = Number(env.CURRICULUM_KAFKA_COMMIT_EVERY);
  if (env.CURRICULUM_KAFKA_TOPIC_PREFIX) raw.topicPrefix = env.CURRICULUM_KAFKA_TOPIC_PREFIX;
  if (env.CURRICULUM_KAFKA_SESSION_TIMEOUT_MS) raw.sessionTimeoutMs = Number(env.CURRICULUM_KAFKA_SESSION_TIMEOUT_MS);
  if (env.CURRICULUM_KAFKA_HEARTBEAT_INTERVAL_MS) raw.heartbeatIntervalMs = Number(env.CURRICULUM_KAFKA_HEARTBEAT_INTERVAL_MS);
  if (env.CURRICULUM_KAFKA_TLS === '1' || env.CURRICULUM_KAFKA_TLS === 'true') raw.tls = true;
  if (env.CURRICULUM_KAFKA_SASL_MECHANISM) {
    raw.sasl = {
      mechanism: env.CURRICULUM_KAFKA_SASL_MECHANISM,
      username: env.CURRICULUM_KAFKA_SASL_USERNAME ?? '',
      password: env.CURRICULUM_KAFKA_SASL_PASSWORD ?? '',
    };
  }
  return parseKafkaBusConfig(raw, 'environment (CURRICULUM_KAFKA_*)');
}
