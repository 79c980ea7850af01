// The mistakes a newcomer makes in the first minutes (a second run on a taken port, --resume
// on a wrong or half-made folder, a typo in an option) get one line that names the problem and
// what to do, exit non-zero at once, print no stack trace and leave no half-made run behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, stackFrames } from './cli-process.ts';

const SPEC = join(import.meta.dirname, '../embedded/fixtures/tiny-addition.yaml');

function assertOneClearLine(stderr: string, code: RegExp, advice: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${stderr.slice(0, 2000)}`);
  assert.match(lines[0] ?? '', code);
  assert.match(lines[0] ?? '', advice);
  assert.deepEqual(stackFrames(stderr), []);
}

test('a run on a port already in use says so in one line, exits 1 and leaves no run folder', async (t) => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  t.after(() => blocker.close());
  const port = (blocker.address() as AddressInfo).port;
  const runsDir = mkdtempSync(join(tmpdir(), 'cli-port-'));

  const r = await runCli(['run', SPEC, '--runs-dir', runsDir, '--port', String(port), '--plain'], { timeoutMs: 60_000 });
  assert.equal(r.code, 1, r.stderr);
  assertOneClearLine(r.stderr, new RegExp(`^CUR_PORT_IN_USE: port ${port} `), /--port 0/);
  // Not the wasm backend's minified source (39 KB once): a short answer.
  assert.ok(r.stderr.length < 400, `${r.stderr.length} bytes on stderr`);
  assert.deepEqual(readdirSync(runsDir).filter((f) => f !== 'curriculum.log'), [], 'no half-made runs/<id>/ left behind');
});

test('--resume on a folder that does not exist is refused in one line, without a stack trace', async () => {
  const r = await runCli(['run', '--resume', join(tmpdir(), 'no-such-run-folder')], { timeoutMs: 30_000 });
  assert.equal(r.code, 1);
  assertOneClearLine(r.stderr, /^CUR_RUN_NOT_RESUMABLE: cannot resume .*no-such-run-folder: no such folder/, /runs\/<run id>/);
});

test('--resume on a folder that is not a run folder is refused in one line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-not-a-run-'));
  const r = await runCli(['run', '--resume', dir], { timeoutMs: 30_000 });
  assert.equal(r.code, 1);
  assertOneClearLine(r.stderr, /^CUR_RUN_NOT_RESUMABLE: .*not a run folder/, /spec\.yaml/);
});

test('--resume on a run that never started is explained and refused at once, not left hanging', async () => {
  // What an earlier version left after a failed start: the spec files and run.json, no state.
  const dir = join(mkdtempSync(join(tmpdir(), 'cli-half-made-')), 'tiny-addition-20260101-000000Z');
  mkdirSync(dir);
  copyFileSync(SPEC, join(dir, 'spec.yaml'));
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ runId: 'tiny-addition-20260101-000000Z', specSource: SPEC, startedAt: '2026-01-01T00:00:00.000Z' }));
  const r = await runCli(['run', '--resume', dir, '--port', '0'], { timeoutMs: 30_000 });
  assert.equal(r.signal, null, 'the process ended on its own (it used to hang here)');
  assert.equal(r.code, 1, r.stderr);
  assertOneClearLine(r.stderr, /^CUR_RUN_NOT_RESUMABLE: .*never started/, /start it afresh with "curriculum run .*tiny-addition\.yaml"/);
  assert.ok(r.ms < 20_000, `refused after ${r.ms} ms`);
});

test('--log-level debug adds the stack trace to the same line', async () => {
  const r = await runCli(['run', '--resume', join(tmpdir(), 'no-such-run-folder'), '--log-level', 'debug'], { timeoutMs: 30_000 });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^CUR_RUN_NOT_RESUMABLE: /);
  assert.ok(stackFrames(r.stderr).length > 0, r.stderr);
});

test('an unknown option is a usage error (exit 2) that points at --help', async () => {
  const r = await runCli(['run', SPEC, '--prot', '9400'], { timeoutMs: 30_000 });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Unknown option '--prot'/);
  assert.match(r.stderr, /--help/);
  assert.deepEqual(stackFrames(r.stderr), []);
});
