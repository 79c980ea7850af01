// What a newcomer reads on the terminal agrees with --help and keeps secrets off the screen:
// the log file is where --help says, the operator token is in a file (never printed), a hold
// names the gate that failed, and TF.js prints nothing on stderr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-process.ts';

const SPEC = join(import.meta.dirname, 'fixtures/short-run.yaml');

test('run --help names the log file the run then writes to', async () => {
  const help = await runCli(['run', '--help'], { timeoutMs: 30_000 });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /logs go to RUNS_DIR\/curriculum\.log/);
});

test('a run prints where its logs and operator token are, the failing gate of a hold, and no warnings', async () => {
  const runsDir = mkdtempSync(join(tmpdir(), 'cli-output-'));
  const env = { ...process.env };
  delete env.CURRICULUM_API_TOKEN;
  const r = await runCli(['run', SPEC, '--runs-dir', runsDir, '--run-id', 'short', '--port', '0'], { timeoutMs: 120_000, env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'nothing on stderr: no "Orthogonal initializer" warning');

  const logs = /^logs: (.+)$/m.exec(r.stdout)?.[1];
  assert.equal(logs, join(runsDir, 'curriculum.log'));
  assert.match(readFileSync(logs, 'utf8'), /"runId":"short"/);

  const tokenFile = /\(operator token: (.+)\)$/m.exec(r.stdout)?.[1];
  assert.equal(tokenFile, join(runsDir, 'short', 'operator-token'));
  assert.ok(existsSync(tokenFile));
  assert.equal(statSync(tokenFile).mode & 0o777, 0o600, 'only its owner reads the token');
  const token = readFileSync(tokenFile, 'utf8').trim();
  assert.ok(token.length >= 32);
  assert.ok(!r.stdout.includes(token) && !r.stderr.includes(token), 'the token is not on the terminal');
  assert.ok(!readFileSync(logs, 'utf8').includes(token), 'nor in the log');

  // The fixture's gate is accuracy >= 0.3: a hold says what missed it, not a check that passed.
  const holds = r.stdout.split('\n').filter((l) => / hold {2,}/.test(l));
  assert.ok(holds.length > 0, r.stdout);
  for (const h of holds) assert.match(h, /\(heldout accuracy of single-digit-sums [\d.]+ misses >= 0\.3\)$/);
  assert.match(r.stdout, / complete .*\(all 1 stage finished; the spec has no continual phase/);
});
