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
import { asBatchCommit, offsetKey, type BatchCommitInput, type CommitInput, type CommitOutcome, type OutboxAck, type RunStore, type StoredRun } from '../run-store.ts';
import { parseRedisStoreConfig, type RedisStoreConfig } from './config.ts';
import { KeyLayout } from './keys.ts';
import { withTimeout } from '../../transport/with-timeout.ts';

const lua = (name: string) => readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');

/** The scripts, registered with defineCommand (EVALSHA, falling back to EVAL after a restart). */
const SCRIPTS = {
  // Variable key counts (one to many runs per call): the caller passes the key count first.
  curriculumCommit: { lua: lua('commit') },
  curriculumAckOutbox: { lua: lua('ack-outbox') },
  curriculumLoad: { numberOfKeys: 4, lua: lua('load') },
} as const;

/** What the scripts return, as ioredis decodes RESP2 replies. */
type CommitReply = Array<[status: 'committed' | 'stale', value: number | string]>;
type LoadReply = [] | [snapshot: string | null, revision: string | null, offsets: string[], events: Array<string | null>];

interface ScriptCommands {
  curriculumCommit(...args: string[]): Promise<CommitReply>;
  curriculumAckOutbox(...args: string[]): Promise<number>;
  curriculumLoad(...args: string[]): Promise<LoadReply>;
}

/** The same scripts queued on a pipeline (one round trip for many calls). */
interface ScriptPipeline {
  curriculumLoad(...args: string[]): ScriptPipeline;
  exec(): Promise<Array<[error: Error | null, result: unknown]> | null>;
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
    return parseLoadReply(runId, reply);
  }

  async loadMany(runIds: readonly string[]): Promise<Array<StoredRun | null>> {
    if (runIds.length === 0) return [];
    const replies = await this.pipelined('load', runIds, (p, runId) => {
      const k = this.keys.forRun(runId);
      p.curriculumLoad(k.run, k.offsets, k.outbox, k.outboxEvents);
    });
    return replies.map((reply, i) => parseLoadReply(runIds[i] as string, reply as LoadReply));
  }

  async commit(input: CommitInput): Promise<CommitOutcome> {
    const [outcome] = await this.commitMany([asBatchCommit(input)]);
    return outcome as CommitOutcome;
  }

  /** One Lua call for all the runs: one round trip, and one AOF write and fsync, for the batch. */
  async commitMany(inputs: readonly BatchCommitInput[]): Promise<CommitOutcome[]> {
    if (inputs.length === 0) return [];
    if (this.commitDelayMs > 0) await new Promise((r) => setTimeout(r, this.commitDelayMs));
    const keys: string[] = [this.keys.runIds, this.keys.pendingOutbox];
    const args: string[] = [];
    for (const input of inputs) {
      const k = this.keys.forRun(input.runId);
      keys.push(k.run, k.offsets, k.outbox, k.outboxEvents);
      args.push(input.runId, randomUUID(), JSON.stringify(input.snapshot ?? null), String(input.sources.length));
      for (const s of input.sources) args.push(offsetKey(s.topic, s.partition), canonicalOffset(s.offset));
      args.push(String(input.outbox.length));
      for (const e of input.outbox) args.push(e.eventId, JSON.stringify(e));
    }
    const replies = await this.call('commit', () => this.scripts.curriculumCommit(String(keys.length), ...keys, ...args));
    return replies.map(([status, value]) => (status === 'committed' ? { status, revision: Number(value) } : { status, appliedOffset: String(value) }));
  }

  async acknowledgeOutbox(runId: string, eventIds: readonly string[]): Promise<void> {
    await this.acknowledgeOutboxMany([{ runId, eventIds }]);
  }

  async acknowledgeOutboxMany(acks: readonly OutboxAck[]): Promise<void> {
    const todo = acks.filter((a) => a.eventIds.length > 0);
    if (todo.length === 0) return;
    const keys: string[] = [this.keys.pendingOutbox];
    const args: string[] = [];
    for (const { runId, eventIds } of todo) {
      const k = this.keys.forRun(runId);
      keys.push(k.outbox, k.outboxEvents);
      args.push(runId, String(eventIds.length), ...eventIds);
    }
    await this.call('acknowledge outbox', () => this.scripts.curriculumAckOutbox(String(keys.length), ...keys, ...args));
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

  /** Queues one script call per item on a pipeline (reads only: no fsync per slice) and returns the replies in order; the first error is thrown as `call` would. */
  private async pipelined<T>(what: string, items: readonly T[], queue: (p: ScriptPipeline, item: T) => void): Promise<unknown[]> {
    return this.call(what, async () => {
      const p = this.redis.pipeline() as unknown as ScriptPipeline;
      for (const item of items) queue(p, item);
      const results = (await p.exec()) ?? [];
      return results.map(([error, result]) => {
        if (error) throw error;
        return result;
      });
    });
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

/** A load script's reply as a StoredRun (null: no such run); a record that does not parse is CUR_STORE_CORRUPT. */
function parseLoadReply(runId: string, reply: LoadReply): StoredRun | null {
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
