// Ctrl-C on a terminal: the run stops at the next event boundary and names the step it got to,
// the one the panel showed and the last checkpoint on disk, and --resume continues from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, runCliOnTerminal } from './cli-process.ts';
import { screenAfter } from './terminal-screen.ts';

const SPEC = join(import.meta.dirname, '../embedded/fixtures/tiny-addition.yaml');

test('Ctrl-C names the step of the last checkpoint and --resume continues from that step', async () => {
  const runsDir = mkdtempSync(join(tmpdir(), 'cli-ctrl-c-'));
  let sent = false;
  const r = await runCliOnTerminal(['run', SPEC, '--runs-dir', runsDir, '--run-id', 'tiny', '--no-http'], 100, {
    timeoutMs: 120_000,
    onStdout: (all, child) => {
      // Mid-run, while the controller is a lesson behind what the trainer is doing. The panel
      // redraws on a timer, so on a fast backend it may skip a given step: any step from 80 on.
      const shownSoFar = [...all.matchAll(/step (\d+) {2}samples\/s/g)].map((m) => Number(m[1]));
      if (!sent && shownSoFar.some((step) => step >= 80)) {
        sent = true;
        child.interrupt();
      }
    },
  });
  assert.ok(sent, 'the panel showed a step from 80 on');
  assert.equal(r.code, 130, r.stdout.slice(-1500));
  const screen = screenAfter(r.stdout, 100);
  const line = screen.find((l) => l.startsWith('interrupted at step '));
  assert.ok(line, screen.join('\n'));
  const named = Number(/^interrupted at step (\d+);/.exec(line)?.[1]);

  const checkpoints = readdirSync(join(runsDir, 'tiny/checkpoints/tiny')).map((d) => Number(/\.step-(\d+)$/.exec(d)?.[1] ?? NaN));
  assert.equal(named, Math.max(...checkpoints), `named step ${named}, checkpoints ${checkpoints.join(', ')}`);
  const shown = [...r.stdout.matchAll(/step (\d+) {2}samples\/s/g)].map((m) => Number(m[1]));
  assert.equal(named, shown.at(-1), 'the step the panel showed last');
  assert.equal(screen.filter((l) => l.startsWith('curriculum  ')).length, 1, 'the stop message did not land inside the panel');

  const resumed = await runCli(['run', '--resume', join(runsDir, 'tiny'), '--no-http'], { timeoutMs: 180_000 });
  assert.equal(resumed.code, 0, resumed.stderr);
  const first = /^\[\s*\d+s\] step\s+(\d+) /m.exec(resumed.stdout);
  assert.equal(Number(first?.[1]), named, `the resumed run starts at step ${named}:\n${resumed.stdout.slice(0, 600)}`);
});
