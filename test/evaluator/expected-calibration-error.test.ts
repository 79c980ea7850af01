import { test } from 'node:test';
import assert from 'node:assert/strict';
import { byCategory, expectedCalibrationError, summarize } from '../../evaluator/metrics.ts';

test('ECE over 15 equal-width bins matches a hand computation', () => {
  // Bins are (k/15, (k+1)/15]. 0.95 and 0.99 fall in bin 14 (0.9333, 1]; 0.58 in bin 8
  // (0.5333, 0.6]; 0.62 in bin 9 (0.6, 0.6667]; 0.2 in bin 2 (0.1333, 0.2].
  const outcomes = [
    { confidence: 0.95, correct: true },
    { confidence: 0.99, correct: false },
    { confidence: 0.58, correct: true },
    { confidence: 0.62, correct: true },
    { confidence: 0.2, correct: false },
  ];
  // bin 14: n=2, acc 0.5, conf 0.97 -> 2/5 * 0.47 = 0.188
  // bin 8:  n=1, acc 1,   conf 0.58 -> 1/5 * 0.42 = 0.084
  // bin 9:  n=1, acc 1,   conf 0.62 -> 1/5 * 0.38 = 0.076
  // bin 2:  n=1, acc 0,   conf 0.2  -> 1/5 * 0.2  = 0.04
  assert.ok(Math.abs(expectedCalibrationError(outcomes) - 0.388) < 1e-12, String(expectedCalibrationError(outcomes)));
  assert.equal(expectedCalibrationError([]), 0);
  // A perfectly calibrated bin contributes nothing.
  assert.ok(Math.abs(expectedCalibrationError([{ confidence: 0.5, correct: true }, { confidence: 0.5, correct: false }])) < 1e-12);
});

test('summaries per task and per category', () => {
  const outcomes = [
    { confidence: 0.9, correct: true, loss: 0.1, category: 'carry' },
    { confidence: 0.8, correct: false, loss: 1.5, category: 'carry' },
    { confidence: 1, correct: true, loss: 0, category: 'no-carry' },
  ];
  const all = summarize(outcomes);
  assert.equal(all.n, 3);
  assert.ok(Math.abs(all.accuracy - 2 / 3) < 1e-12);
  assert.ok(Math.abs(all.loss - 1.6 / 3) < 1e-12);
  const groups = byCategory(outcomes);
  assert.deepEqual(Object.keys(groups), ['carry', 'no-carry']);
  assert.equal(groups['carry']!.accuracy, 0.5);
  assert.equal(groups['no-carry']!.ece, 0);
});
