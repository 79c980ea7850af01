// The HTTP API through fastify.inject: auth, validation errors that name the field, error codes
// mapped to statuses, readiness probes, metrics, and the OpenAPI document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { buildHttpServer, OPERATOR_ACTIONS, tokenMatches, type ControlPlane, type OperatorAction, type RunDetailView } from '../../observability/http-server.ts';
import { createServiceLogger } from '../../observability/logger.ts';
import { createControllerMetrics } from '../../observability/metrics.ts';
import { ActionInvalidError, CurriculumError } from '../../schemas/errors.ts';
import { OperatorAction as OperatorActionSchema } from '../../schemas/events.ts';

const TOKEN = 'operator-token-0123456789-abcdef';

class FakeRuntime implements ControlPlane {
  // A small in-memory control plane: the server is tested against the contract, the real
  // runtime implements the same interface (the lead's wiring has its own tests).
  runs = new Map<string, RunDetailView>();
  actions: { runId: string; action: OperatorAction; options: object }[] = [];
  async listRuns() {
    return [...this.runs.values()].map(({ decisions: _d, ...summary }) => summary);
  }
  async getRun(runId: string) {
    return this.runs.get(runId);
  }
  async startRun(spec: unknown) {
    if (typeof spec !== 'object' || spec === null || !('name' in spec)) {
      throw new CurriculumError('CUR_SPEC_INVALID', 'spec is invalid', ['/name: is required']);
    }
    const runId = `run-${this.runs.size + 1}`;
    this.runs.set(runId, { runId, state: 'training', stage: 'basics', stageIndex: 0, step: 0, decisions: [] });
    return { runId };
  }
  async act(runId: string, action: OperatorAction, options: object) {
    const run = this.runs.get(runId);
    if (run === undefined) throw new CurriculumError('CUR_RUN_UNKNOWN', `no run with id ${runId}`);
    if (action === 'resume' && run.state !== 'paused') throw new ActionInvalidError(runId, action, run.state, ['pause', 'stop']);
    this.actions.push({ runId, action, options });
  }
}

function setup(opts: { token?: string; bus?: boolean; store?: () => Promise<boolean> } = {}) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  const logger = createServiceLogger({ service: 'controller', level: 'debug', destination });
  const registry = new Registry();
  const metrics = createControllerMetrics(registry);
  metrics.setRunStage('run-1', 'basics', 0);
  const plane = new FakeRuntime();
  plane.runs.set('run-1', {
    runId: 'run-1',
    state: 'training',
    stage: 'basics',
    stageIndex: 0,
    step: 120,
    decisions: [
      {
        sequence: 0,
        step: 0,
        kind: 'start',
        from: 'idle',
        to: 'training:basics',
        reasons: [{ code: 'run.start', message: 'run started by the operator', holds: true }],
      },
    ],
  });
  const app = buildHttpServer({
    controlPlane: plane,
    registry,
    probes: { bus: () => opts.bus ?? true, store: opts.store ?? (async () => true) },
    token: 'token' in opts ? opts.token : TOKEN,
    logger,
  });
  return { app, plane, lines };
}

const auth = { authorization: `Bearer ${TOKEN}` };

test('operator actions: missing, wrong and right token', async () => {
  const { app, plane, lines } = setup();
  const url = '/api/runs/run-1/actions';
  const missing = await app.inject({ method: 'POST', url, payload: { action: 'pause' } });
  assert.equal(missing.statusCode, 401);
  assert.equal(missing.json().error.code, 'CUR_AUTH');
  assert.match(missing.json().error.message, /missing bearer token/);
  const wrong = await app.inject({ method: 'POST', url, payload: { action: 'pause' }, headers: { authorization: 'Bearer not-the-token-at-all' } });
  assert.equal(wrong.statusCode, 401);
  assert.match(wrong.json().error.message, /wrong bearer token/);
  const shorter = await app.inject({ method: 'POST', url, payload: { action: 'pause' }, headers: { authorization: 'Bearer x' } });
  assert.equal(shorter.statusCode, 401);
  assert.equal(plane.actions.length, 0);
  const right = await app.inject({ method: 'POST', url, payload: { action: 'pause', note: 'investigating' }, headers: { ...auth, 'x-requested-by': 'alice' } });
  assert.equal(right.statusCode, 202, right.body);
  assert.deepEqual(right.json(), { runId: 'run-1', action: 'pause', accepted: true });
  assert.deepEqual(plane.actions, [{ runId: 'run-1', action: 'pause', options: { note: 'investigating', requestedBy: 'alice' } }]);
  await app.close();

  const log = lines.join('');
  // The request log includes headers, so the redaction is what keeps the token out.
  assert.match(log, /"authorization":"\[Redacted\]"/);
  assert.ok(!log.includes(TOKEN), 'the API token appeared in the log');
  assert.ok(!log.includes('not-the-token-at-all'), 'a presented wrong token appeared in the log');
});

test('without a configured token every operator action is refused', async () => {
  const { app } = setup({ token: undefined });
  const r = await app.inject({ method: 'POST', url: '/api/runs/run-1/actions', payload: { action: 'stop' }, headers: auth });
  assert.equal(r.statusCode, 401);
  assert.match(r.json().error.message, /no API token is configured/);
  await app.close();
});

test('tokenMatches compares exactly', () => {
  assert.equal(tokenMatches(TOKEN, TOKEN), true);
  assert.equal(tokenMatches(`${TOKEN}x`, TOKEN), false);
  assert.equal(tokenMatches(undefined, TOKEN), false);
  assert.equal(tokenMatches('', ''), false);
});

test('invalid action bodies get 400s naming the field', async () => {
  const { app } = setup();
  const url = '/api/runs/run-1/actions';
  const cases: [unknown, RegExp][] = [
    [{ action: 'explode' }, /body\.action: must be one of pause, resume, force-advance, revert, stop/],
    [{}, /body\.action: is required/],
    [{ action: 'pause', colour: 'red' }, /body\.colour: is not a known field/],
    [{ action: 'pause', note: 42 }, /body\.note: must be string/],
    [{ action: 'pause', checkpointId: 'ckpt-1' }, /body\.checkpointId: only allowed with action revert/],
  ];
  for (const [payload, expected] of cases) {
    const r = await app.inject({ method: 'POST', url, payload: payload as object, headers: auth });
    assert.equal(r.statusCode, 400, JSON.stringify(payload));
    const body = r.json();
    assert.equal(body.error.code, 'CUR_REQUEST_INVALID');
    assert.match(body.error.details.join('\n'), expected);
  }
  const notJson = await app.inject({ method: 'POST', url, payload: '{"action":', headers: { ...auth, 'content-type': 'application/json' } });
  assert.equal(notJson.statusCode, 400);
  const badId = await app.inject({ method: 'POST', url: '/api/runs/bad%20id/actions', payload: { action: 'pause' }, headers: auth });
  assert.equal(badId.statusCode, 400);
  assert.match(badId.json().error.details[0], /^params\.runId: /);
  await app.close();
});

test('errors from the control plane map to their catalogue status', async () => {
  const { app } = setup();
  const unknown = await app.inject({ method: 'GET', url: '/api/runs/nope' });
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.json().error.code, 'CUR_RUN_UNKNOWN');
  const actUnknown = await app.inject({ method: 'POST', url: '/api/runs/nope/actions', payload: { action: 'stop' }, headers: auth });
  assert.equal(actUnknown.statusCode, 404);
  const conflict = await app.inject({ method: 'POST', url: '/api/runs/run-1/actions', payload: { action: 'resume' }, headers: auth });
  assert.equal(conflict.statusCode, 409);
  assert.equal(conflict.json().error.code, 'CUR_ACTION_INVALID');
  assert.deepEqual([conflict.json().error.state, conflict.json().error.validActions], ['training', ['pause', 'stop']]);
  const badSpec = await app.inject({ method: 'POST', url: '/api/runs', payload: { stages: [] }, headers: auth });
  assert.equal(badSpec.statusCode, 400);
  assert.deepEqual(badSpec.json().error, { code: 'CUR_SPEC_INVALID', message: 'spec is invalid', details: ['/name: is required'] });
  const route = await app.inject({ method: 'GET', url: '/api/nothing' });
  assert.equal(route.statusCode, 404);
  assert.equal(route.json().error.code, 'CUR_ROUTE_UNKNOWN');
  await app.close();
});

test('runs: start from JSON or YAML, list, and detail with decisions and reasons', async () => {
  const { app } = setup();
  const started = await app.inject({ method: 'POST', url: '/api/runs', payload: { name: 'addition' }, headers: auth });
  assert.equal(started.statusCode, 201, started.body);
  assert.equal(started.headers.location, `/api/runs/${started.json().runId}`);
  const yaml = await app.inject({ method: 'POST', url: '/api/runs', payload: 'name: addition\nstages: []\n', headers: { ...auth, 'content-type': 'application/yaml' } });
  assert.equal(yaml.statusCode, 201, yaml.body);
  const badYaml = await app.inject({ method: 'POST', url: '/api/runs', payload: 'name: [unclosed', headers: { ...auth, 'content-type': 'application/yaml' } });
  assert.equal(badYaml.statusCode, 400);
  assert.equal(badYaml.json().error.code, 'CUR_SPEC_YAML');
  const list = await app.inject({ method: 'GET', url: '/api/runs' });
  assert.equal(list.statusCode, 200);
  assert.deepEqual(list.json().runs.map((r: { runId: string }) => r.runId).sort(), ['run-1', 'run-2', 'run-3']);
  const detail = await app.inject({ method: 'GET', url: '/api/runs/run-1' });
  assert.equal(detail.statusCode, 200);
  const run = detail.json();
  assert.equal(run.state, 'training');
  assert.equal(run.stage, 'basics');
  assert.equal(run.step, 120);
  assert.equal(run.decisions[0].reasons[0].code, 'run.start');
  assert.equal(run.decisions[0].reasons[0].holds, true, 'extra reason fields survive serialisation');
  await app.close();
});

test('healthz, readyz with probes, and metrics', async () => {
  let storeUp = true;
  const { app } = setup({ store: async () => storeUp });
  assert.deepEqual((await app.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' });
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 200);
  storeUp = false;
  const notReady = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(notReady.statusCode, 503);
  assert.deepEqual(notReady.json(), { status: 'not-ready', checks: { bus: true, store: false } });
  const metrics = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(metrics.statusCode, 200);
  assert.match(metrics.headers['content-type'] as string, /^text\/plain/);
  assert.match(metrics.body, /curriculum_run_stage\{run_id="run-1",stage="basics"\} 0/);
  await app.close();

  const hung = setup({ bus: false, store: () => new Promise<boolean>(() => undefined) });
  const h = buildHttpServer({ registry: new Registry(), probes: { bus: () => true, store: () => new Promise<boolean>(() => undefined) }, logger: createServiceLogger({ service: 't', level: 'silent' }), readinessTimeoutMs: 50 });
  const r = await h.inject({ method: 'GET', url: '/readyz' });
  assert.equal(r.statusCode, 503, 'a store probe that never answers means not ready');
  await h.close();
  await hung.app.close();
});

test('trainer and evaluator servers expose only health, readiness and metrics', async () => {
  const app = buildHttpServer({ registry: new Registry(), probes: { bus: () => true, store: async () => true }, logger: createServiceLogger({ service: 'trainer', level: 'silent' }), service: 'trainer' });
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  assert.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 200);
  assert.equal((await app.inject({ method: 'GET', url: '/api/runs' })).statusCode, 404);
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
  assert.deepEqual(Object.keys(doc.paths).sort(), ['/healthz', '/metrics', '/readyz']);
  await app.close();
});

test('/docs/json is an OpenAPI 3 document listing every route', async () => {
  const { app } = setup();
  const r = await app.inject({ method: 'GET', url: '/docs/json' });
  assert.equal(r.statusCode, 200);
  const doc = r.json();
  assert.match(doc.openapi, /^3\.\d+\.\d+$/);
  assert.equal(typeof doc.info.title, 'string');
  assert.equal(typeof doc.info.version, 'string');
  assert.deepEqual(Object.keys(doc.paths).sort(), ['/api/runs', '/api/runs/{runId}', '/api/runs/{runId}/actions', '/healthz', '/metrics', '/readyz']);
  const action = doc.paths['/api/runs/{runId}/actions'].post;
  assert.deepEqual(action.security, [{ bearer: [] }]);
  assert.deepEqual(action.requestBody.content['application/json'].schema.properties.action.enum, ['pause', 'resume', 'force-advance', 'revert', 'stop']);
  assert.equal(action.parameters[0].name, 'runId');
  assert.equal(action.parameters[0].in, 'path');
  assert.ok(doc.paths['/api/runs/{runId}'].get.responses['404']);
  assert.equal(doc.components.securitySchemes.bearer.scheme, 'bearer');
  // Every operation has a summary and at least one response (structural OpenAPI 3 requirements).
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { responses?: object }>>)) {
    for (const [method, op] of Object.entries(ops)) assert.ok(op.responses && Object.keys(op.responses).length > 0, `${method} ${path} has no responses`);
  }
  await app.close();
});

test('the API offers exactly the operator actions of the event contract', () => {
  const contract = (OperatorActionSchema as unknown as { anyOf: { const: string }[] }).anyOf.map((s) => s.const);
  assert.deepEqual([...OPERATOR_ACTIONS].sort(), contract.sort());
});
