// docs/statechart.md carries a mermaid drawing generated from the machine definition.
// Regenerate with: UPDATE_STATECHART=1 node scripts/run-tests.mjs statechart-doc
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { statechartMermaid } from '../../controller/core/index.ts';

const FILE = join(import.meta.dirname, '..', '..', 'docs', 'statechart.md');
const BEGIN = '```mermaid\n';
const END = '\n```';

test('docs/statechart.md shows the current machine', () => {
  const text = readFileSync(FILE, 'utf8');
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END, start + BEGIN.length);
  assert.ok(start >= 0 && end > start, 'a mermaid block in docs/statechart.md');
  const current = text.slice(start + BEGIN.length, end);
  const fresh = statechartMermaid();
  if (process.env.UPDATE_STATECHART === '1' && current !== fresh) {
    writeFileSync(FILE, text.slice(0, start + BEGIN.length) + fresh + text.slice(end));
    return;
  }
  assert.equal(current, fresh, 'docs/statechart.md is stale: run UPDATE_STATECHART=1 node scripts/run-tests.mjs statechart-doc');
});

test('the drawing names every state and every event of the machine', () => {
  const drawing = statechartMermaid();
  for (const state of ['pending', 'training', 'reviewing', 'evaluating', 'paused', 'continual_monitoring', 'continual_retraining', 'continual_validating', 'completed', 'stopped', 'failed']) {
    assert.ok(drawing.includes(state), state);
  }
  for (const event of ['START', 'LESSON_DONE', 'NEXT_LESSON', 'HOLD', 'REVIEW', 'ADVANCE', 'REVERT', 'RETRY', 'PAUSE', 'RESUME', 'STOP', 'FAIL', 'RETRAIN', 'PROMOTE', 'REJECT']) {
    assert.ok(drawing.includes(`: ${event}`), event);
  }
});
