// The Helm chart: `helm lint --strict`, `helm template` in several configurations, every rendered
// manifest validated offline against the Kubernetes 1.33 JSON schemas with `kubeconform -strict`
// (schemas vendored by test/deploy/fetch-kubernetes-schemas.sh), the ServiceMonitor against the
// Prometheus Operator CRD schema (@kubernetes-models/prometheus-operator), plus the chart's own
// contracts: labels, selectors, secrets by reference, environment names the services read.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { ENVIRONMENT } from '../../config/service-config.ts';
import { REPO_ROOT, requireTool } from '../observability/tools.ts';

const CHART = join(REPO_ROOT, 'charts', 'curriculum');
const KUBE_VERSION = '1.33.0';
const SCHEMA_DIR = join(REPO_ROOT, '.tools', 'kubernetes-json-schema');
const SCHEMA_LOCATION = `${SCHEMA_DIR}/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`;
const TOOL_HINT = 'run the go install lines in .ci/run (GOBIN=.tools/bin)';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: unknown };
}

function tools(t: TestContext): { helm: string; kubeconform: string } | undefined {
  const helm = requireTool(t, 'helm', TOOL_HINT);
  if (helm === undefined) return undefined;
  const kubeconform = requireTool(t, 'kubeconform', TOOL_HINT);
  if (kubeconform === undefined) return undefined;
  const marker = join(SCHEMA_DIR, `v${KUBE_VERSION}-standalone-strict`, 'deployment-apps-v1.json');
  if (!existsSync(marker) && process.env.CI === 'true') {
    // CI vendors the schemas itself if .ci/run has not (pip from the package registry).
    const r = spawnSync('bash', [join(REPO_ROOT, 'test/deploy/fetch-kubernetes-schemas.sh')], { encoding: 'utf8', env: { ...process.env, KUBERNETES_SCHEMA_VERSION: `v${KUBE_VERSION}` } });
    assert.equal(r.status, 0, `CI=true and fetching the Kubernetes schemas failed:\n${r.stdout}${r.stderr}`);
  }
  if (!existsSync(marker)) {
    t.skip('Kubernetes JSON schemas not vendored: bash test/deploy/fetch-kubernetes-schemas.sh');
    return undefined;
  }
  return { helm, kubeconform };
}

function helmTemplate(helm: string, args: string[]): { status: number | null; out: string; manifests: Manifest[] } {
  const r = spawnSync(helm, ['template', 'demo', CHART, '--namespace', 'ml', '--kube-version', KUBE_VERSION, ...args], { encoding: 'utf8' });
  const manifests = r.status === 0 ? parseAllDocuments(r.stdout).map((d) => d.toJS() as Manifest).filter((m) => m !== null) : [];
  return { status: r.status, out: r.status === 0 ? r.stdout : r.stderr, manifests };
}

function kubeconform(bin: string, yamlText: string, extra: string[] = []): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'curriculum-chart-'));
  try {
    const file = join(dir, 'rendered.yaml');
    writeFileSync(file, yamlText);
    const r = spawnSync(bin, ['-strict', '-summary', '-kubernetes-version', KUBE_VERSION, '-schema-location', SCHEMA_LOCATION, ...extra, file], { encoding: 'utf8' });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function kinds(manifests: Manifest[]): string[] {
  return manifests.map((m) => m.kind).sort();
}

function containerEnv(deployment: Manifest): EnvVar[] {
  const spec = deployment.spec as { template: { spec: { containers: { env: EnvVar[] }[] } } };
  return spec.template.spec.containers[0]?.env ?? [];
}

test('helm lint --strict passes', (t) => {
  const tl = tools(t);
  if (tl === undefined) return;
  const r = spawnSync(tl.helm, ['lint', CHART, '--strict', '--kube-version', KUBE_VERSION], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
});

test('default render: kubeconform -strict validates every manifest; no ServiceMonitor without the CRD', (t) => {
  const tl = tools(t);
  if (tl === undefined) return;
  const r = helmTemplate(tl.helm, []);
  assert.equal(r.status, 0, r.out);
  assert.deepEqual(kinds(r.manifests), [
    'Deployment', 'Deployment', 'Deployment',
    'PersistentVolumeClaim',
    'PodDisruptionBudget', 'PodDisruptionBudget', 'PodDisruptionBudget',
    'Service', 'Service', 'Service',
    'ServiceAccount',
  ]);
  const v = kubeconform(tl.kubeconform, r.out);
  assert.equal(v.status, 0, v.out);
  assert.match(v.out, /Valid: 11, Invalid: 0, Errors: 0, Skipped: 0/);
});

test('with monitoring.coreos.com/v1 available, ServiceMonitors render and match the CRD schema', (t) => {
  const tl = tools(t);
  if (tl === undefined) return;
  const r = helmTemplate(tl.helm, ['--api-versions', 'monitoring.coreos.com/v1']);
  assert.equal(r.status, 0, r.out);
  const monitors = r.manifests.filter((m) => m.kind === 'ServiceMonitor');
  assert.equal(monitors.length, 3);
  for (const m of monitors) {
    // Throws with the failing path when the object does not match the CRD's OpenAPI schema.
    new ServiceMonitor(m as unknown as ConstructorParameters<typeof ServiceMonitor>[0]).validate();
    const spec = m.spec as { selector: { matchLabels: Record<string, string> }; endpoints: { port: string }[] };
    const service = r.manifests.find((s) => s.kind === 'Service' && s.metadata.name === m.metadata.name);
    assert.ok(service, `${m.metadata.name}: no Service of the same name`);
    for (const [k, v] of Object.entries(spec.selector.matchLabels)) assert.equal(service.metadata.labels?.[k], v, `${m.metadata.name} selects ${k}=${v}`);
    assert.equal(spec.endpoints[0]?.port, 'http');
  }
  // The built-in kinds still validate strictly; the CRD kind was checked above.
  const v = kubeconform(tl.kubeconform, r.out, ['-skip', 'ServiceMonitor']);
  assert.equal(v.status, 0, v.out);
  assert.match(v.out, /Valid: 11, Invalid: 0, Errors: 0, Skipped: 3/);
  // The CRD validation is not a rubber stamp.
  assert.throws(() => new ServiceMonitor({ metadata: { name: 'x' }, spec: { selector: {}, endpoints: [{ port: 'http', interval: 'soon' }] } }).validate());
});

test('secrets are referenced, never inlined; SASL and an existing claim render valid manifests', (t) => {
  const tl = tools(t);
  if (tl === undefined) return;
  const token = 'a-very-secret-api-token-0123456789';
  const r = helmTemplate(tl.helm, [
    '--set', 'secrets.create=true',
    '--set', `secrets.apiToken=${token}`,
    '--set', 'secrets.redisPassword=redis-pass',
    '--set', 'secrets.kafkaSaslPassword=sasl-pass',
    '--set', 'kafka.sasl.mechanism=scram-sha-512',
    '--set', 'kafka.sasl.username=curriculum',
    '--set', 'persistence.existingClaim=shared-checkpoints',
  ]);
  assert.equal(r.status, 0, r.out);
  assert.ok(!kinds(r.manifests).includes('PersistentVolumeClaim'), 'an existing claim is used, not created');
  const secret = r.manifests.find((m) => m.kind === 'Secret');
  assert.ok(secret);
  assert.equal(Buffer.from(secret.data?.['api-token'] ?? '', 'base64').toString('utf8'), token);
  const deployments = r.manifests.filter((m) => m.kind === 'Deployment');
  for (const d of deployments) {
    const env = containerEnv(d);
    for (const e of env) assert.ok(e.value === undefined || !e.value.includes(token) && e.value !== 'redis-pass' && e.value !== 'sasl-pass', `${d.metadata.name}: ${e.name} inlines a secret`);
    const sasl = env.find((e) => e.name === 'CURRICULUM_KAFKA_SASL_PASSWORD');
    assert.deepEqual(sasl?.valueFrom?.secretKeyRef, { name: secret.metadata.name, key: 'kafka-sasl-password' });
    const apiToken = env.find((e) => e.name === 'CURRICULUM_API_TOKEN');
    if (d.metadata.name.endsWith('-controller')) assert.deepEqual(apiToken?.valueFrom?.secretKeyRef, { name: secret.metadata.name, key: 'api-token' });
    else assert.equal(apiToken, undefined, 'only the controller gets the API token');
    // A changed secret rolls the pods.
    const template = (d.spec as { template: { metadata: { annotations: Record<string, string> } } }).template;
    assert.match(template.metadata.annotations['checksum/secret'] ?? '', /^[0-9a-f]{64}$/);
  }
  const v = kubeconform(tl.kubeconform, r.out);
  assert.equal(v.status, 0, v.out);

  const existing = helmTemplate(tl.helm, ['--set', 'secrets.existingSecret=curriculum-credentials']);
  assert.equal(existing.status, 0, existing.out);
  assert.ok(!kinds(existing.manifests).includes('Secret'));
  const controller = existing.manifests.find((m) => m.kind === 'Deployment' && m.metadata.name.endsWith('-controller'));
  assert.ok(controller);
  assert.equal(containerEnv(controller).find((e) => e.name === 'CURRICULUM_API_TOKEN')?.valueFrom?.secretKeyRef?.name, 'curriculum-credentials');
});

test('labels, selectors, probes, checkpoints and environment names', (t) => {
  const tl = tools(t);
  if (tl === undefined) return;
  const r = helmTemplate(tl.helm, ['--set', 'secrets.existingSecret=creds']);
  assert.equal(r.status, 0, r.out);
  const known = new Set(ENVIRONMENT.map((e) => e.name));
  for (const m of r.manifests) {
    for (const label of ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/version', 'app.kubernetes.io/managed-by', 'helm.sh/chart']) {
      assert.ok(m.metadata.labels?.[label], `${m.kind}/${m.metadata.name} lacks ${label}`);
    }
  }
  for (const component of ['controller', 'trainer', 'evaluator']) {
    const d = r.manifests.find((m) => m.kind === 'Deployment' && m.metadata.labels?.['app.kubernetes.io/component'] === component);
    assert.ok(d, `no ${component} Deployment`);
    const spec = d.spec as {
      selector: { matchLabels: Record<string, string> };
      template: {
        metadata: { labels: Record<string, string> };
        spec: {
          securityContext: { runAsNonRoot?: boolean };
          containers: { args: string[]; livenessProbe: { httpGet: { path: string } }; readinessProbe: { httpGet: { path: string } }; volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[] }[];
        };
      };
    };
    for (const [k, v] of Object.entries(spec.selector.matchLabels)) assert.equal(spec.template.metadata.labels[k], v);
    assert.equal(spec.template.spec.securityContext.runAsNonRoot, true);
    const c = spec.template.spec.containers[0];
    assert.ok(c);
    assert.deepEqual(c.args, [component]);
    assert.equal(c.livenessProbe.httpGet.path, '/healthz');
    assert.equal(c.readinessProbe.httpGet.path, '/readyz');
    for (const e of containerEnv(d)) assert.ok(known.has(e.name), `${component}: ${e.name} is not read by config/service-config.ts`);
    const checkpoints = c.volumeMounts.find((v) => v.name === 'checkpoints');
    // The controller too: it writes the runs' feedback pools there (the trainer and evaluator read them).
    assert.equal(checkpoints?.mountPath, '/var/lib/curriculum/checkpoints');
    assert.equal(checkpoints?.readOnly, component === 'evaluator');
    assert.equal(containerEnv(d).find((e) => e.name === 'CURRICULUM_CHECKPOINT_ROOT')?.value, '/var/lib/curriculum/checkpoints');
    const pdb = r.manifests.find((m) => m.kind === 'PodDisruptionBudget' && m.metadata.name === d.metadata.name);
    assert.deepEqual((pdb?.spec as { selector: unknown } | undefined)?.selector, spec.selector);
  }
});

test('values.schema.json rejects bad values with the field named', (t) => {
  const tl = tools(t);
  if (tl === undefined) return;
  const cases: [string[], RegExp][] = [
    [['--set', 'controller.replicas=-1'], /controller\/replicas/],
    [['--set', 'trainer.backend=quantum'], /trainer\/backend/],
    [['--set', 'controller.colour=red'], /colour/],
    [['--set', 'redis.url=http://redis'], /redis\/url/],
    [['--set', 'secrets.apiToken=short'], /secrets\/apiToken/],
  ];
  for (const [args, expected] of cases) {
    const r = helmTemplate(tl.helm, args);
    assert.notEqual(r.status, 0, `${args.join(' ')} was accepted`);
    assert.match(r.out, expected);
  }
  const missingToken = helmTemplate(tl.helm, ['--set', 'secrets.create=true']);
  assert.notEqual(missingToken.status, 0);
  assert.match(missingToken.out, /secrets\.create=true needs secrets\.apiToken/);
});

test('kubeconform -strict rejects an unknown field (the validation bites)', (t) => {
  const tl = tools(t);
  if (tl === undefined) return;
  const bad = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  ports:\n    - port: 80\n      colour: red\n';
  const v = kubeconform(tl.kubeconform, bad);
  assert.notEqual(v.status, 0);
  assert.match(v.out, /colour/);
});
