// No container engine runs on this machine, so docker-compose.yml and the Dockerfiles are
// validated statically: structure, references between services, volumes and ports, the
// environment the services actually read, and Dockerfile hygiene (pinned bases, non-root user,
// health check, COPY sources that exist). docs/operations.md says what was not run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ENVIRONMENT } from '../../config/service-config.ts';
import { REPO_ROOT } from '../observability/tools.ts';

interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string } | string;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  ports?: (string | number | { published?: string | number })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  profiles?: string[];
  healthcheck?: { test?: unknown };
}
interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as Compose;
const OUR_SERVICES = ['controller', 'trainer', 'evaluator'] as const;
const KNOWN_ENV = new Set(ENVIRONMENT.map((e) => e.name));

function env(service: ComposeService): Record<string, string> {
  const e = service.environment ?? {};
  if (Array.isArray(e)) return Object.fromEntries(e.map((kv) => [kv.split('=')[0] ?? '', kv.split('=').slice(1).join('=')]));
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, String(v)]));
}

function dockerfileOf(service: ComposeService): string | undefined {
  if (service.build === undefined) return undefined;
  if (typeof service.build === 'string') return join(service.build, 'Dockerfile');
  return join(service.build.context ?? '.', service.build.dockerfile ?? 'Dockerfile');
}

test('every service has an image or a build, and built images name an existing Dockerfile', () => {
  for (const [name, s] of Object.entries(compose.services)) {
    assert.ok(s.image !== undefined || s.build !== undefined, `${name}: neither image nor build`);
    if (s.image !== undefined && s.build === undefined) {
      assert.match(s.image, /:[^:]*\d/, `${name}: image ${s.image} is not pinned to a version`);
      assert.doesNotMatch(s.image, /:latest$/, `${name}: image pinned to latest`);
    }
    const dockerfile = dockerfileOf(s);
    if (dockerfile !== undefined) assert.ok(existsSync(join(REPO_ROOT, dockerfile)), `${name}: ${dockerfile} does not exist`);
  }
});

test('depends_on targets exist', () => {
  for (const [name, s] of Object.entries(compose.services)) {
    const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
    for (const d of deps) assert.ok(d in compose.services, `${name} depends on unknown service ${d}`);
    if (!Array.isArray(s.depends_on)) {
      for (const [d, cond] of Object.entries(s.depends_on ?? {})) {
        if (cond.condition === 'service_healthy') assert.ok(compose.services[d]?.healthcheck, `${name} waits for ${d} to be healthy but ${d} has no healthcheck`);
      }
    }
  }
});

test('published host ports are unique', () => {
  const seen = new Map<string, string>();
  for (const [name, s] of Object.entries(compose.services)) {
    for (const p of s.ports ?? []) {
      const host = typeof p === 'object' ? String(p.published) : String(p).split(':').slice(-2, -1)[0];
      assert.ok(host !== undefined && host !== '', `${name}: port ${String(p)} publishes no host port`);
      assert.ok(!seen.has(host), `host port ${host} used by ${seen.get(host)} and ${name}`);
      seen.set(host, name);
    }
  }
  assert.ok(seen.size >= 7);
});

test('named volumes are declared and bind mounts point into the repository', () => {
  const declared = new Set(Object.keys(compose.volumes ?? {}));
  const used = new Set<string>();
  for (const [name, s] of Object.entries(compose.services)) {
    for (const v of s.volumes ?? []) {
      const source = typeof v === 'string' ? v.split(':')[0] ?? '' : v.source ?? '';
      if (source.startsWith('.') || source.startsWith('/')) {
        assert.ok(existsSync(join(REPO_ROOT, source)), `${name}: bind mount ${source} does not exist`);
      } else {
        assert.ok(declared.has(source), `${name}: volume ${source} is not declared`);
        used.add(source);
      }
    }
  }
  for (const v of declared) assert.ok(used.has(v), `volume ${v} is declared but unused`);
});

test('the services are configured only with variables the services read', () => {
  for (const name of [...OUR_SERVICES, 'trainer-gpu']) {
    const s = compose.services[name];
    assert.ok(s, `${name} missing`);
    const e = env(s);
    for (const key of Object.keys(e)) assert.ok(KNOWN_ENV.has(key), `${name}: ${key} is not read by config/service-config.ts`);
    for (const required of ['CURRICULUM_KAFKA_BROKERS', 'CURRICULUM_REDIS_URL', 'CURRICULUM_PORT', 'CURRICULUM_API_TOKEN']) {
      assert.ok(required in e, `${name}: ${required} not set`);
    }
    assert.equal(e.CURRICULUM_KAFKA_BROKERS, 'kafka:9092');
    assert.equal(e.CURRICULUM_REDIS_URL, 'redis://redis:6379');
    // The token comes from the environment, never a literal in the file.
    assert.match(e.CURRICULUM_API_TOKEN ?? '', /^\$\{CURRICULUM_API_TOKEN:\?/);
    const cmd = Array.isArray(s.command) ? s.command : [s.command];
    assert.deepEqual(cmd, [name.replace('-gpu', '')]);
  }
});

test('trainer and evaluator share the checkpoint volume at CURRICULUM_CHECKPOINT_ROOT', () => {
  const mountOf = (name: string) => {
    const s = compose.services[name];
    assert.ok(s);
    const root = env(s).CURRICULUM_CHECKPOINT_ROOT;
    assert.ok(root, `${name}: CURRICULUM_CHECKPOINT_ROOT not set`);
    const m = (s.volumes ?? []).map(String).find((v) => v.split(':')[1] === root);
    assert.ok(m, `${name}: nothing mounted at ${root}`);
    return m.split(':')[0];
  };
  const volume = mountOf('trainer');
  assert.equal(mountOf('evaluator'), volume);
  assert.equal(mountOf('trainer-gpu'), volume);
});

test('Kafka runs in KRaft mode, Redis with AOF, Prometheus and Grafana provisioned from the repo', () => {
  const kafka = compose.services.kafka;
  assert.ok(kafka);
  assert.ok(kafka.image?.startsWith('apache/kafka:4.'));
  const ke = env(kafka);
  assert.match(ke.KAFKA_PROCESS_ROLES ?? '', /controller/);
  assert.ok(ke.KAFKA_CONTROLLER_QUORUM_VOTERS);
  assert.equal(Object.keys(ke).some((k) => k.includes('ZOOKEEPER')), false);
  const redis = compose.services.redis;
  assert.ok(redis);
  const cmd = (Array.isArray(redis.command) ? redis.command : []).join(' ');
  assert.match(cmd, /--appendonly yes/);
  const prom = compose.services.prometheus;
  assert.ok((prom?.volumes ?? []).map(String).some((v) => v.startsWith('./deploy/prometheus:/etc/prometheus')));
  const grafana = compose.services.grafana;
  const gv = (grafana?.volumes ?? []).map(String);
  assert.ok(gv.some((v) => v.startsWith('./deploy/grafana/provisioning:/etc/grafana/provisioning')));
  assert.ok(gv.some((v) => v.startsWith('./deploy/grafana/dashboards:/var/lib/grafana/dashboards')));
});

test('prometheus.yml scrapes each curriculum service at its compose name and port', () => {
  const config = parse(readFileSync(join(REPO_ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8')) as {
    scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
  };
  for (const name of OUR_SERVICES) {
    const job = config.scrape_configs.find((j) => j.job_name === `curriculum-${name}`);
    assert.ok(job, `no scrape job for ${name}`);
    const port = env(compose.services[name] as ComposeService).CURRICULUM_PORT;
    assert.deepEqual(job.static_configs[0]?.targets, [`${name}:${port}`]);
  }
});

// ---------------------------------------------------------------- Dockerfiles

interface Instruction {
  op: string;
  args: string;
}

function instructions(file: string): Instruction[] {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8').replace(/\\\n/g, ' ');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

for (const file of ['deploy/docker/Dockerfile', 'deploy/docker/Dockerfile.gpu']) {
  test(`${file}: pinned bases, non-root user, health check, COPY sources exist`, () => {
    const ins = instructions(file);
    const stages = new Set<string>();
    for (const from of ins.filter((i) => i.op === 'FROM')) {
      const [image = '', as, stage] = from.args.split(/\s+/);
      assert.match(image, /^[a-z0-9./_-]+:[A-Za-z0-9._-]*\d[A-Za-z0-9._-]*$/, `FROM ${image} is not pinned to a version tag`);
      assert.doesNotMatch(image, /:latest$/);
      if (as?.toUpperCase() === 'AS' && stage !== undefined) stages.add(stage);
    }
    const lastFrom = ins.map((i) => i.op).lastIndexOf('FROM');
    const final = ins.slice(lastFrom);
    const user = final.filter((i) => i.op === 'USER').at(-1);
    assert.ok(user, 'the final stage sets no USER');
    assert.ok(!['root', '0', '0:0'].includes(user.args), 'the final stage runs as root');
    assert.ok(final.some((i) => i.op === 'HEALTHCHECK' && /\/healthz/.test(i.args)), 'no HEALTHCHECK probing /healthz');
    const entry = final.find((i) => i.op === 'ENTRYPOINT');
    assert.match(entry?.args ?? '', /bin\/curriculum\.mjs/);
    for (const copy of ins.filter((i) => i.op === 'COPY')) {
      const parts = copy.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      const from = /--from=(\S+)/.exec(copy.args)?.[1];
      if (from !== undefined) {
        assert.ok(stages.has(from), `COPY --from=${from}: no such stage`);
        continue;
      }
      for (const source of parts.slice(0, -1)) assert.ok(existsSync(join(REPO_ROOT, source)), `COPY source ${source} does not exist`);
    }
    assert.ok(existsSync(join(REPO_ROOT, 'bin/curriculum.mjs')));
    const ignore = readFileSync(join(REPO_ROOT, `${file}.dockerignore`), 'utf8').split('\n');
    for (const excluded of ['node_modules', '.git', '.tools', '.env']) assert.ok(ignore.includes(excluded), `${file}.dockerignore does not exclude ${excluded}`);
  });
}

test('the CPU image installs production dependencies only; the GPU image builds tfjs-node-gpu with setup:native --gpu on CUDA', () => {
  const cpu = instructions('deploy/docker/Dockerfile');
  assert.ok(cpu.some((i) => i.op === 'RUN' && /npm ci --omit=dev/.test(i.args)));
  assert.ok(cpu.filter((i) => i.op === 'FROM').every((i) => i.args.startsWith('node:20')));
  const gpu = instructions('deploy/docker/Dockerfile.gpu');
  assert.ok(gpu.some((i) => i.op === 'FROM' && i.args.startsWith('nvidia/cuda:')));
  // The same steps as bench/gpu-check.sh: scripts/setup-native.sh --gpu, and its output in the final image.
  assert.ok(gpu.some((i) => i.op === 'RUN' && /npm ci --omit=dev .*bash scripts\/setup-native\.sh --gpu/.test(i.args)));
  assert.ok(gpu.some((i) => i.op === 'COPY' && /--from=deps \/app\/\.native \.\/\.native/.test(i.args)));
  assert.match(readFileSync(join(REPO_ROOT, 'bench/gpu-check.sh'), 'utf8'), /bash scripts\/setup-native\.sh --gpu/);
  assert.ok(gpu.some((i) => i.op === 'COPY' && /--from=node \/usr\/local\/bin\/node/.test(i.args)), 'Node 20 comes from the official image');
});
