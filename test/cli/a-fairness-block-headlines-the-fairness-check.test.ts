// The progress line has room for one reason. A fairness block lists the gates that passed before
// the fairness check that failed; the line must name the check that held the stage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headlineReason } from '../../cli/live-view.ts';
import type { Decision } from '../../schemas/events.ts';

const gate = { code: 'gate.threshold', policy: 'gate', holds: true, message: 'accuracy of newer 0.97 meets 0.95' };
const gap = { code: 'fairness.gap', policy: 'fairness.max-gap', holds: false, message: 'category gap 0.14 exceeds 0.1 (spam-2)' };

const decision = (kind: Decision['kind'], reasons: Decision['reasons']) => ({ kind, reasons }) as Decision;

test('a fairness block headlines the failed fairness check, not a gate that passed', () => {
  assert.equal(headlineReason(decision('fairness-block', [gate, gap]))?.code, 'fairness.gap');
});

test('a hold headlines the failed gate; an advance the condition met', () => {
  const failed = { ...gate, holds: false, message: 'accuracy of newer 0.9 below 0.95' };
  assert.equal(headlineReason(decision('hold', [gate, failed]))?.message, failed.message);
  assert.equal(headlineReason(decision('advance', [gate]))?.message, gate.message);
});
