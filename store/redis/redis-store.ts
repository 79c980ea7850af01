// The Redis state store: the RunStore of distributed mode, on ioredis.
//
// Every state change is one Lua script (store/redis/lua/*.lua), so it is atomic and durable as
// one AOF entry: a controller killed at any instant leaves either the whole commit (snapshot +
// applied offset + outbox) or none of it. The offset fence lives in the script too, so two
// controllers racing on one run (a rebalance) cannot both apply the same event.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Redis, ReplyError, type RedisOptions } from 'ioredis';
import { pino, type Logger } from 'pino';
import { validateEvent } from '../../schemas/decode.ts';
import type { AnyEvent } from '../../schemas/events.ts';
import { CurriculumError, isCurriculumError } from '../../schemas/errors.ts';
import { offsetKey, type CommitInput, type CommitOutcome, type RunStore, type StoredRun } from '../run-store.ts';
import { parseRedisStoreConfig, type RedisStoreConfig } from './config.ts';
import { KeyLayout } from './keys.ts';
import { withTimeout } from '../../transport/with-timeout.ts';

const lua = (name: string) => readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');

/** The scripts, registered with defineCommand (EVALSHA, falling back to EVAL after a restart). */
const SCRIPTS = {
  curriculumCommit: { numberOfKeys: 6, lua: lua('commit') },
  curriculumAckOutbox: { numberOfKeys: 3, lua: lua('ack-outbox') },
  curriculumLoad: { numberOfKeys: 4, lua: lua('load') },
} as const;

/** What the scripts return, as ioredis decodes RESP2 replies. */
type CommitReply = [status: 'committed' | 'stale', value: number | string];
type LoadReply = [] | [snapshot: string | null, revision: string | null, offsets: string[], events: Array<string | null>];

interface ScriptCommands {
  curriculumCommit(...args: string[]): Promise<CommitReply>;
  curriculumAckOutbox(...args: string[]): Promise<number>;
  curriculumLoad(...args: string[]): Promise<LoadReply>;
}

export interface RedisRunStoreOptions {
  logger?: Logger;
}

function toTls(tls: RedisStoreConfig['tls']): ConnectionOptions | undefined {
  if (tls === undefined || tls === false) return undefined;
  if (tls === true) return {};
  const options: ConnectionOptions = {};
  if (tls.ca) options.ca = tls.ca;
  if (tls.cert) options.cert = tls.cert;
  if (tls.key) options.key = tls.key;
  if (tls.servername) options.servername = tls.servername;
  if (tls.rejectUnauthorized !== undefined) options.rejectUnauthorized = tls.rejectUnauthorized;
  return options;
}

/** Offsets are stored canonically (no sign, no leading zeros) so the script can compare strings. */
function canonicalOffset(offset: string): string {
  if (!/^\d+$/.test(offset)) {
    // A caller bug, not an operating condition: fail loudly.
    throw new TypeError(`source offset ${JSON.stringify(offset)} is not a non-negative integer`);
  }
  return BigInt(offset).toString();
}

export class RedisRunStore implements RunStore {
  readonly kind = 'redis' as const;
  readonly keys: KeyLayout;
  private readonly redis: Redis;
  private readonly scripts: ScriptCommands;
  private readonly log: Logger;
  private readonly commitDelayMs: number;
  private lastErrorLogged = 0;
  /** The last connection-level error, so a command that gives up can say why (a wrong password, say). */
  private lastConnectionError: Error | undefined;

  /** Validates `config` (throws CUR_CONFIG_INVALID naming each bad field) and starts connecting. */
  constructor(config: RedisStoreConfig, options: RedisRunStoreOptions = {}) {
    const c = parseRedisStoreConfig(config);
    this.log = (options.logger ?? pino({ level: process.env.LOG_LEVEL ?? 'info' })).child({ component: 'redis-store' });
    this.keys = new KeyLayout(c.keyPrefix ?? 'curriculum:');
    this.commitDelayMs = c.testOnlyCommitDelayMs ?? 0;
    if (this.commitDelayMs > 0) this.log.warn({ commitDelayMs: this.commitDelayMs }, 'TEST ONLY commit delay is on');
    const tls = toTls(c.tls);
    const redisOptions: RedisOptions = {
      connectTimeout: c.connectTimeoutMs ?? 5000,
      maxRetriesPerRequest: c.maxRetriesPerRequest ?? 20,
      // Queue commands while reconnecting (a Redis restart is a pause, not an error) and
      // resend the unanswered ones; commit ids make a resent commit answer its first outcome.
      enableOfflineQueue: true,
      autoResendUnfulfilledCommands: true,
      retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
      lazyConnect: false,
      ...(c.username !== undefined ? { username: c.username } : {}),
      ...(c.password !== undefined ? { password: c.password } : {}),
      ...(tls !== undefined ? { tls } : {}),
    };
    this.redis = new Redis(c.url, redisOptions);
    for (const [name, def] of Object.entries(SCRIPTS)) this.redis.defineCommand(name, def);
    this.scripts = this.redis as unknown as ScriptCommands;
    this.redis.on('error', (e: Error) => {
      this.lastConnectionError = e;
      // ioredis emits an error per failed reconnect attempt; one line every 5 s is enough.
      const now = Date.now();
      if (now - this.lastErrorLogged > 5000) {
        this.lastErrorLogged = now;
        this.log.warn({ err: e }, 'redis connection error (reconnecting)');
      }
    });
    this.redis.on('ready', () => {
      this.lastConnectionError = undefined;
      this.log.info('redis ready');
    });
  }

  /** Resolves once connected (and rejects if the first connection fails for good). */
  async ready(): Promise<void> {
    await this.call('ping', () => this.redis.ping());
  }

  async load(runId: string): Promise<StoredRun | null> {
    const k = this.keys.forRun(runId);
    const reply = await this.call('load', () => this.scripts.curriculumLoad(k.run, k.offsets, k.outbox, k.outboxEvents));
    if (reply.length === 0) return null;
    const [snapshotJson, revision, offsetPairs, eventJsons] = reply;
    const corrupt = (what: string, cause?: unknown) =>
      new CurriculumError('CUR_STORE_CORRUPT', `run ${runId}: ${what}`, [], cause === undefined ? undefined : { cause });
    if (snapshotJson === null || revision === null) throw corrupt('record has no snapshot or revision');
    let snapshot: unknown;
    try {
      snapshot = JSON.parse(snapshotJson);
    } catch (e) {
      throw corrupt('snapshot is not JSON', e);
    }
    const appliedOffsets: Record<string, string> = {};
    for (let i = 0; i + 1 < offsetPairs.length; i += 2) appliedOffsets[offsetPairs[i]!] = offsetPairs[i + 1]!;
    const outbox: AnyEvent[] = eventJsons.map((json, i) => {
      if (json === null) throw corrupt(`outbox entry ${i} has no event`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(json);
      } catch (e) {
        throw corrupt(`outbox entry ${i} is not JSON`, e);
      }
      const checked = validateEvent(parsed);
      if (!checked.ok) throw corrupt(`outbox entry ${i} is not a valid event: ${checked.reason}`);
      return checked.event;
    });
    return { runId, snapshot, revision: Number(revision), appliedOffsets, outbox };
  }

  async commit(input: CommitInput): Promise<CommitOutcome> {
    if (this.commitDelayMs > 0) await new Promise((r) => setTimeout(r, this.commitDelayMs));
    const k = this.keys.forRun(input.runId);
    const field = input.source ? offsetKey(input.source.topic, input.source.partition) : '';
    const offset = input.source ? canonicalOffset(input.source.offset) : '';
    const args = [
      k.run,
      k.offsets,
      k.outbox,
      k.outboxEvents,
      this.keys.runIds,
      this.keys.pendingOutbox,
      input.runId,
      randomUUID(),
      JSON.stringify(input.snapshot ?? null),
      field,
      offset,
      ...input.outbox.flatMap((e) => [e.eventId, JSON.stringify(e)]),
    ];
    const [status, value] = await this.call('commit', () => this.scripts.curriculumCommit(...args));
    return status === 'committed' ? { status, revision: Number(value) } : { status, appliedOffset: String(value) };
  }

  async acknowledgeOutbox(runId: string, eventIds: readonly string[]): Promise<void> {
    if (eventIds.length === 0) return;
    const k = this.keys.forRun(runId);
    await this.call('acknowledge outbox', () => this.scripts.curriculumAckOutbox(k.outbox, k.outboxEvents, this.keys.pendingOutbox, runId, ...eventIds));
  }

  async runsWithPendingOutbox(): Promise<string[]> {
    return (await this.call('list pending outboxes', () => this.redis.smembers(this.keys.pendingOutbox))).sort();
  }

  async listRunIds(): Promise<string[]> {
    return (await this.call('list runs', () => this.redis.smembers(this.keys.runIds))).sort();
  }

  async isEmpty(): Promise<boolean> {
    return (await this.call('count runs', () => this.redis.scard(this.keys.runIds))) === 0;
  }

  /** True when Redis answers within a second (for /readyz); never throws. */
  async ping(): Promise<boolean> {
    try {
      return (await withTimeout(this.redis.ping(), 1000, 'redis ping')) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    try {
      if (this.redis.status === 'ready') await this.redis.quit();
      else this.redis.disconnect();
    } catch {
      this.redis.disconnect();
    }
  }

  /**
   * Runs a Redis call, turning transport failures (no answer after the reconnect attempts) into
   * CUR_STORE_UNAVAILABLE. An error Redis itself answered (a script bug) is rethrown as is.
   */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (isCurriculumError(e)) throw e;
      // A wrong password shows up either as the command's own reply or as the reason the
      // connection keeps failing: both are a configuration error, not an outage.
      const auth = [e, this.lastConnectionError].find((x): x is Error => x instanceof Error && /^(WRONGPASS|NOAUTH)/.test(x.message));
      if (auth) {
        throw new CurriculumError('CUR_CONFIG_INVALID', `redis ${what}: authentication failed, check password / username`, [auth.message], { cause: e });
      }
      if (e instanceof ReplyError) throw e;
      throw new CurriculumError('CUR_STORE_UNAVAILABLE', `redis ${what} failed: ${(e as Error).message}`, [], { cause: e });
    }
  }
}
