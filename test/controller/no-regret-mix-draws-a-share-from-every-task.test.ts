// A stage's `mix` share goes uniformly to every task of the curriculum, on top of whatever the
// stage's teacher proposes; the decision says so. Worked out by hand for 3 tasks, mix 0.3, floor 0.02:
//   s1 trains a alone: q = 0.7 * {a: 1} + 0.1 each = {a: 0.8, b: 0.1, c: 0.1};
//   floored: p = 0.02 + (1 - 3 * 0.02) * q = {a: 0.772, b: 0.114, c: 0.114}.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EnvelopeOf } from '../../schemas/events.ts';
import { parseSpecValue } from '../../schemas/spec-loader.ts';
import { CurriculumError } from '../../schemas/errors.ts';
import { SimulatedRun } from './support/simulated-executors.ts';
import { spec } from './support/specs.ts';

function withMix(mix: number | undefined) {
  const s = spec();
  return spec({ stages: s.stages.map((st, i) => ({ ...st, ...(i === 0 && mix !== undefined ? { mix } : {}) })) });
}

const lessons = (sim: SimulatedRun) => sim.commands.filter((c): c is EnvelopeOf<'lesson.start'> => c.type === 'lesson.start');

test('a mixed stage gives every task of the curriculum its share of the lesson, and the decision explains it', () => {
  const sim = new SimulatedRun(withMix(0.3), () => 0.5);
  sim.start();
  const first = lessons(sim)[0];
  assert.ok(first);
  const w = first.payload.taskWeights;
  assert.deepEqual(Object.keys(w), ['a', 'b', 'c']);
  assert.ok(Math.abs((w.a ?? 0) - 0.772) < 1e-9, `a ${w.a}`);
  assert.ok(Math.abs((w.b ?? 0) - 0.114) < 1e-9, `b ${w.b}`);
  assert.ok(Math.abs((w.c ?? 0) - 0.114) < 1e-9, `c ${w.c}`);
  const decision = sim.decisions.find((d) => d.payload.kind === 'lesson');
  const reason = decision?.payload.reasons.find((r) => r.code === 'stage.mix');
  assert.ok(reason, 'the lesson decision carries the mix reason');
  assert.equal(reason.value, 0.3);
  assert.match(reason.message, /30% of the lesson drawn uniformly over all 3 tasks/);
});

test('without mix the lesson trains the stage tasks only, as before', () => {
  const sim = new SimulatedRun(withMix(undefined), () => 0.5);
  sim.start();
  assert.deepEqual(Object.keys(lessons(sim)[0]?.payload.taskWeights ?? {}), ['a']);
  assert.ok(!sim.decisions.some((d) => d.payload.reasons.some((r) => r.code === 'stage.mix')));
});

test('a mixed run goes through its stages, reviews and the end like any other', () => {
  const sim = new SimulatedRun(withMix(0.2), (task, ctx) => Math.min(0.99, 0.6 + 0.05 * ctx.index + (task === 'a' ? 0.2 : 0)));
  sim.start();
  sim.runUntilQuiet(400);
  assert.ok(sim.view().terminal, 'the run ends');
  // Only s1 mixes: later lessons train their stage (plus reviews), never a task they do not name.
  const later = lessons(sim).filter((l) => l.payload.stage !== 's1');
  assert.ok(later.length > 0);
  for (const l of later) if (l.payload.purpose === 'train') assert.deepEqual(Object.keys(l.payload.taskWeights), [l.payload.stage === 's2' ? 'b' : 'c']);
});

test('a floor that mixing would spread over too many tasks is refused at the field', () => {
  const s = spec();
  const raw = { apiVersion: 'curriculum/v1', name: 'm', model: s.model, tasks: s.tasks, stages: s.stages.map((st, i) => (i === 0 ? { ...st, mix: 0.2, teacher: { kind: 'uniform', floor: 0.4 } } : st)) };
  assert.throws(
    () => parseSpecValue(raw, 'mix.yaml'),
    (e: unknown) => e instanceof CurriculumError && e.details.some((l) => /stages\[0\]\.teacher\.floor: with mix the lesson spans every task/.test(l)),
  );
  const bad = { ...raw, stages: s.stages.map((st, i) => (i === 0 ? { ...st, mix: 1.5 } : st)) };
  assert.throws(() => parseSpecValue(bad, 'mix.yaml'), (e: unknown) => e instanceof CurriculumError && e.details.some((l) => l.includes('stages[0].mix: ')));
});
