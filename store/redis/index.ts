// Redis state store (distributed mode): the RunStore on Redis via ioredis, one Lua script per state change.

/** The RunStore implementation (commit fenced by source offset, outbox, AOF-durable). */
export { RedisRunStore, type RedisRunStoreOptions } from './redis-store.ts';
/** Configuration schema (TypeBox), validation, and reading it from CURRICULUM_REDIS_* variables. */
export { RedisStoreConfig, RedisTlsConfig, parseRedisStoreConfig, redisStoreConfigFromEnv } from './config.ts';
/** Where each piece of a run lives (for operators' tooling and tests). */
export { KeyLayout, type RunKeys } from './keys.ts';
