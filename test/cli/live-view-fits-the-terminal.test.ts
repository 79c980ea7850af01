// The live view is one panel redrawn in place: at any terminal width it stays one screen (no
// header repeated down the window), cuts long lines instead of wrapping them, and on a pipe
// it prints plain lines with no escape sequences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, runCliOnTerminal } from './cli-process.ts';
import { screenAfter } from './terminal-screen.ts';

const SPEC = join(import.meta.dirname, 'fixtures/short-run.yaml');

for (const columns of [80, 160]) {
  test(`at ${columns} columns the panel is drawn once, every line within the width`, async () => {
    const runsDir = mkdtempSync(join(tmpdir(), `cli-view-${columns}-`));
    const r = await runCliOnTerminal(['run', SPEC, '--runs-dir', runsDir, '--no-http'], columns, { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stdout.slice(-2000) + r.stderr);
    assert.equal(r.stderr, '', 'nothing on stderr (no TF.js warning under the panel)');
    assert.match(r.stdout, /\x1b\[\d+F/, 'the panel was redrawn in place'); // eslint-disable-line no-control-regex
    const screen = screenAfter(r.stdout, columns);
    const headers = screen.filter((l) => l.startsWith('curriculum  '));
    assert.equal(headers.length, 1, `one header on the final screen:\n${screen.join('\n')}`);
    const panel = screen.slice(screen.indexOf(headers[0] as string));
    const last = panel.find((l) => l.startsWith('last decision: '));
    assert.ok(last, screen.join('\n'));
    // The panel itself never reaches the last column (a line that fills it wraps on some terminals).
    for (const l of panel.slice(0, panel.indexOf(last) + 1)) assert.ok([...l].length < columns, `${[...l].length} columns: ${l}`);
    if (columns === 80) assert.ok(last.endsWith('…'), `the long decision line is cut: ${last}`);
    assert.ok(screen.some((l) => l.startsWith('run short-run-') && l.includes(' completed after ')), 'the summary follows the panel');
  });
}

test('on a pipe the run prints plain lines, no escape sequences', async () => {
  const runsDir = mkdtempSync(join(tmpdir(), 'cli-view-pipe-'));
  const r = await runCli(['run', SPEC, '--runs-dir', runsDir, '--no-http'], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /\x1b/); // eslint-disable-line no-control-regex
  assert.match(r.stdout, /^\[\s*\d+s\] step\s+\d+\s+advance\s+/m);
  assert.equal(r.stderr, '', 'no TF.js warning in a CI log');
});
