// Starts a real Prometheus server (/usr/bin/prometheus) that scrapes any given targets, and
// queries its HTTP API. Used against a fastify server exposing populated metrics, and (by the
// lead) against a live embedded run: the harness only needs target URLs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PrometheusHarness {
  /** Base URL of the Prometheus HTTP API, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** Instant query; returns the vector result. */
  query(expr: string): Promise<PromSample[]>;
  /** Polls `expr` until `accept` returns true for its result or the timeout passes. */
  waitFor(expr: string, accept?: (result: PromSample[]) => boolean, timeoutMs?: number): Promise<PromSample[]>;
  /** GET any API path (e.g. /api/v1/rules, /api/v1/targets) and return `data`. */
  api(path: string): Promise<unknown>;
  /** Prometheus' own stdout/stderr so far (for assertion messages). */
  output(): string;
  stop(): Promise<void>;
}

export interface PrometheusHarnessOptions {
  /** Full URLs of the metrics endpoints, e.g. http://127.0.0.1:9400/metrics */
  targets: readonly string[];
  binary?: string;
  scrapeIntervalSeconds?: number;
  jobName?: string;
  /** Absolute paths of rule files to load (e.g. deploy/prometheus/alerts.yml). */
  ruleFiles?: readonly string[];
  startTimeoutMs?: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function scrapeConfig(options: PrometheusHarnessOptions): string {
  const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
  // One scrape job per (scheme, path) pair: Prometheus sets those per job, not per target.
  const jobs = new Map<string, { scheme: string; path: string; targets: string[] }>();
  for (const raw of options.targets) {
    const u = new URL(raw);
    const scheme = u.protocol.replace(':', '');
    const path = u.pathname === '' ? '/metrics' : u.pathname;
    const key = `${scheme} ${path}`;
    const job = jobs.get(key) ?? { scheme, path, targets: [] };
    job.targets.push(u.host);
    jobs.set(key, job);
  }
  const name = options.jobName ?? 'curriculum-test';
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    rule_files: [...(options.ruleFiles ?? [])],
    scrape_configs: [...jobs.values()].map((j, i) => ({
      job_name: i === 0 ? name : `${name}-${i}`,
      scheme: j.scheme,
      metrics_path: j.path,
      static_configs: [{ targets: j.targets }],
    })),
  };
  // JSON is valid YAML.
  return JSON.stringify(config, null, 2);
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

export async function startPrometheus(options: PrometheusHarnessOptions): Promise<PrometheusHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'curriculum-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, scrapeConfig(options));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const child: ChildProcess = spawn(
    options.binary ?? '/usr/bin/prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d: Buffer) => (log += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString('utf8')));
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true;
    resolve();
  }));

  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exitPromise;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const api = async (path: string): Promise<unknown> => {
    const res = await fetch(`${url}${path}`);
    const body = (await res.json()) as { status: string; data?: unknown; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.error ?? res.status}`);
    return body.data;
  };

  const query = async (expr: string): Promise<PromSample[]> => {
    const data = (await api(`/api/v1/query?query=${encodeURIComponent(expr)}`)) as { resultType: string; result: PromSample[] };
    if (data.resultType !== 'vector') throw new Error(`expected a vector for ${expr}, got ${data.resultType}`);
    return data.result;
  };

  // Ready when /-/ready answers 200; fail early when the process exits.
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`prometheus exited during start-up:\n${log}`);
    }
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready after ${options.startTimeoutMs ?? 30_000} ms:\n${log}`);
    }
    await sleep(200);
  }

  return {
    url,
    query,
    api,
    output: () => log,
    stop,
    async waitFor(expr, accept = (r) => r.length > 0, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      let last: PromSample[] = [];
      for (;;) {
        last = await query(expr);
        if (accept(last)) return last;
        if (Date.now() > until) throw new Error(`timed out waiting for ${expr}; last result ${JSON.stringify(last)}\n${log}`);
        await sleep(500);
      }
    },
  };
}
