// Password option against a real redis-server started with requirepass (its own process on a
// free loopback port, so the shared test server keeps no password).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { REDIS, serviceTest } from '../support/service-gate.ts';
import { isCurriculumError } from '../../schemas/errors.ts';
import { RedisRunStore } from '../../store/redis/index.ts';
import { testLogger } from './redis-fixtures.ts';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function startRedis(port: number, password: string): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', password, '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) resolve();
    });
  });
  return child;
}

// Needs only the redis-server binary, which the REDIS services (and .ci/run) provide.
serviceTest('password: the right one commits; a wrong one fails cleanly and ping reports false', REDIS, async () => {
  const port = await freePort();
  const server = await startRedis(port, 's3cret-pass');
  const good = new RedisRunStore({ url: `redis://127.0.0.1:${port}`, password: 's3cret-pass', keyPrefix: 'auth:' }, { logger: testLogger });
  const bad = new RedisRunStore(
    { url: `redis://127.0.0.1:${port}`, password: 'wrong', keyPrefix: 'auth:', maxRetriesPerRequest: 1 },
    { logger: testLogger },
  );
  try {
    assert.deepEqual(await good.commit({ runId: 'r', snapshot: {}, source: null, outbox: [] }), { status: 'committed', revision: 1 });
    assert.equal(await good.ping(), true);
    assert.equal(await bad.ping(), false);
    await assert.rejects(bad.load('r'), (e: unknown) => isCurriculumError(e) && e.code === 'CUR_CONFIG_INVALID' && /authentication failed/.test(e.message));
  } finally {
    await Promise.allSettled([good.close(), bad.close()]);
    server.kill('SIGTERM');
  }
});
