// An operator action the run cannot take in its current state is refused with 409
// CUR_ACTION_INVALID naming the state and the valid actions (read off the real controller's
// statechart), the OpenAPI document describes that answer, and `curriculum action` prints it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { controlPlaneFor } from '../../controller/runtime/control-plane.ts';
import { ControllerService } from '../../controller/runtime/controller-service.ts';
import { buildHttpServer } from '../../observability/http-server.ts';
import { createServiceLogger } from '../../observability/logger.ts';
import { MemoryRunStore } from '../../store/memory-store.ts';
import { MemoryBus } from '../../transport/memory-bus.ts';
import { spec } from '../controller/support/specs.ts';

const TOKEN = 'test-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const root = join(import.meta.dirname, '../..');

async function waitForState(controller: ControllerService, runId: string, state: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await controller.view(runId))?.state !== state) {
    if (Date.now() > deadline) throw new Error(`run ${runId} never reached ${state}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function cli(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin/curriculum.mjs'), ...args], { env: { ...process.env, CURRICULUM_API_TOKEN: TOKEN } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('actions the run cannot take now get 409 with its state and valid actions, in the API, its OpenAPI document and the CLI', async () => {
  const logger = createServiceLogger({ service: 'controller', level: 'silent' });
  const bus = new MemoryBus();
  const controller = new ControllerService({ bus, store: new MemoryRunStore(), producer: 'controller-test', logger });
  await controller.start();
  const app = buildHttpServer({ controlPlane: controlPlaneFor(controller), registry: new Registry(), probes: { bus: () => true, store: async () => true }, token: TOKEN, logger });
  try {
    await controller.startRun(spec(), 'run-a');
    await waitForState(controller, 'run-a', 'training');
    const act = (action: string) => app.inject({ method: 'POST', url: '/api/runs/run-a/actions', payload: { action }, headers: auth });

    const resume = await act('resume');
    assert.equal(resume.statusCode, 409);
    assert.deepEqual(resume.json(), {
      error: {
        code: 'CUR_ACTION_INVALID',
        message: 'cannot resume run run-a while it is training; valid actions now: pause, force-advance, revert, stop',
        details: ['state: training', 'valid actions: pause, force-advance, revert, stop'],
        state: 'training',
        validActions: ['pause', 'force-advance', 'revert', 'stop'],
      },
    });

    assert.equal((await act('pause')).statusCode, 202);
    await waitForState(controller, 'run-a', 'paused');
    for (const action of ['pause', 'force-advance', 'revert']) {
      const refused = await act(action);
      assert.equal(refused.statusCode, 409, action);
      assert.deepEqual([refused.json().error.state, refused.json().error.validActions], ['paused', ['resume', 'stop']], action);
    }

    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as {
      paths: Record<string, { post: { responses: Record<string, { content: Record<string, { schema: { properties: { error: { properties: Record<string, unknown>; required: string[] } } } }> }> } }>;
    };
    const conflict = doc.paths['/api/runs/{runId}/actions']!.post.responses['409']!.content['application/json']!.schema.properties.error;
    assert.ok(conflict.required.includes('state') && conflict.required.includes('validActions'), 'the 409 answer documents state and validActions');

    await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const shown = await cli(['action', 'run-a', 'force-advance', '--url', url]);
    assert.equal(shown.code, 1);
    assert.deepEqual(shown.stderr.trimEnd().split('\n'), [
      'refused (HTTP 409) CUR_ACTION_INVALID: cannot force-advance run run-a while it is paused; valid actions now: resume, stop',
      '  run state:     paused',
      '  valid actions: resume, stop',
    ]);
    const accepted = await cli(['action', 'run-a', 'resume', '--url', url]);
    assert.deepEqual([accepted.code, accepted.stdout.trim()], [0, 'accepted: resume on run run-a']);
  } finally {
    await app.close();
    await controller.stop();
    await bus.close();
  }
});
