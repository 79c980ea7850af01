// Redis state-store configuration: one TypeBox schema, validated once at construction.
import { Type, type Static } from '@sinclair/typebox';
import { CurriculumError } from '../../schemas/errors.ts';
import { checkValue, formatFieldError } from '../../schemas/validate.ts';

export const RedisTlsConfig = Type.Object(
  {
    ca: Type.Optional(Type.String({ minLength: 1, description: 'PEM CA bundle' })),
    cert: Type.Optional(Type.String({ minLength: 1, description: 'PEM client certificate (mTLS)' })),
    key: Type.Optional(Type.String({ minLength: 1, description: 'PEM client key (mTLS)' })),
    servername: Type.Optional(Type.String({ minLength: 1, description: 'SNI / certificate host name override' })),
    rejectUnauthorized: Type.Optional(Type.Boolean({ description: 'verify the server certificate (default true)' })),
  },
  { additionalProperties: false },
);

export const RedisStoreConfig = Type.Object(
  {
    url: Type.String({
      pattern: '^rediss?://',
      description: 'redis://[user:password@]host:port[/db]; rediss:// for TLS',
    }),
    username: Type.Optional(Type.String({ minLength: 1, description: 'ACL user (overrides the URL)' })),
    password: Type.Optional(Type.String({ minLength: 1, description: 'password (overrides the URL)' })),
    tls: Type.Optional(Type.Union([Type.Boolean(), RedisTlsConfig], { description: 'TLS; true = system CAs' })),
    keyPrefix: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9_.:{}-]*$', description: 'prepended to every key (default "curriculum:"); tests isolate with it' }),
    ),
    connectTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, description: 'TCP connect timeout (default 5000)' })),
    maxRetriesPerRequest: Type.Optional(
      Type.Integer({ minimum: 0, description: 'reconnect attempts a queued command waits for before it fails (default 20, about 30 s)' }),
    ),
    /**
     * TEST ONLY: sleep this many milliseconds before each commit, to simulate a slow store in
     * backpressure tests. Never set it in a deployment.
     */
    testOnlyCommitDelayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000, description: 'TEST ONLY: delay before each commit' })),
  },
  { additionalProperties: false },
);
export type RedisStoreConfig = Static<typeof RedisStoreConfig>;

const SECRET_PATH = /(password|key|cert|url)$/;

/** Validates a Redis store config; throws CUR_CONFIG_INVALID naming each bad field. */
export function parseRedisStoreConfig(value: unknown, label = 'redis'): RedisStoreConfig {
  const errors = checkValue(RedisStoreConfig, value);
  if (errors.length > 0) {
    throw new CurriculumError(
      'CUR_CONFIG_INVALID',
      `${label}: the Redis store configuration is invalid`,
      // A URL may carry a password: never echo it, nor any secret.
      errors.map((e) => formatFieldError(SECRET_PATH.test(e.path) ? { ...e, found: 'a redacted value' } : e)),
    );
  }
  return value as RedisStoreConfig;
}

/**
 * Reads the store config from the environment: CURRICULUM_REDIS_URL, CURRICULUM_REDIS_PASSWORD,
 * CURRICULUM_REDIS_TLS=1, CURRICULUM_REDIS_KEY_PREFIX. Returns null when the URL is unset
 * (embedded mode).
 */
export function redisStoreConfigFromEnv(env: NodeJS.ProcessEnv = process.env): RedisStoreConfig | null {
  const url = env.CURRICULUM_REDIS_URL?.trim();
  if (!url) return null;
  const raw: Record<string, unknown> = { url };
  if (env.CURRICULUM_REDIS_PASSWORD) raw.password = env.CURRICULUM_REDIS_PASSWORD;
  if (env.CURRICULUM_REDIS_TLS === '1' || env.CURRICULUM_REDIS_TLS === 'true') raw.tls = true;
  if (env.CURRICULUM_REDIS_KEY_PREFIX !== undefined) raw.keyPrefix = env.CURRICULUM_REDIS_KEY_PREFIX;
  return parseRedisStoreConfig(raw, 'environment (CURRICULUM_REDIS_*)');
}
