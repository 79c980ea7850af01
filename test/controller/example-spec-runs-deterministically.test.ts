// The shipped example (uniform, TSCL window and Exp3.S teachers) driven end to end: the run
// completes, every lesson keeps the floor, and two runs give byte-identical decision logs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadSpecFile } from '../../schemas/spec-loader.ts';
import { SimulatedRun } from './support/simulated-executors.ts';

const example = loadSpecFile(join(import.meta.dirname, '..', '..', 'examples', 'addition.yaml')).spec;

// Accuracy climbs with the evaluation index; harder tasks lag.
const script = (task: string, ctx: { index: number }) => Math.min(0.99, 0.2 + ctx.index * 0.06 - (Number(task.split('-')[1]) - 1) * 0.35);

function run(): SimulatedRun {
  const sim = new SimulatedRun(example, script);
  sim.start();
  sim.runUntilQuiet();
  return sim;
}

test('the addition example completes with every lesson above the floor', () => {
  const sim = run();
  const view = sim.view();
  assert.equal(view.state, 'completed');
  assert.deepEqual(view.stages.map((s) => s.outcome), ['advanced', 'advanced', 'advanced']);
  for (const c of sim.commands) {
    if (c.type !== 'lesson.start') continue;
    const stage = example.stages[c.payload.stageIndex]!;
    for (const t of stage.tasks) assert.ok((c.payload.taskWeights[t] ?? 0) >= stage.teacher.floor - 1e-12, `${c.eventId} ${t}`);
  }
  // The bandit stage drew arms with the run generator: its lessons focus on one task each.
  const banditLessons = sim.commands.filter((c) => c.type === 'lesson.start' && c.payload.stage === 'three-digits' && c.payload.purpose === 'train');
  assert.ok(banditLessons.length >= 2);
  assert.ok(sim.decisions.some((d) => d.payload.reasons.some((r) => r.code === 'teacher.exp3s.arm')));
  assert.ok(sim.decisions.some((d) => d.payload.reasons.some((r) => r.code === 'teacher.tscl.progress')));
  // What the bandit learned from a lesson is logged with the next lesson decision.
  const rewarded = sim.decisions.filter((d) => d.payload.kind === 'lesson' && d.payload.reasons.some((r) => r.code === 'teacher.exp3s.reward'));
  assert.ok(rewarded.length >= 1);
});

test('two runs of the example give byte-identical decisions and commands', () => {
  const a = run();
  const b = run();
  assert.equal(JSON.stringify(a.decisions), JSON.stringify(b.decisions));
  assert.equal(JSON.stringify(a.commands), JSON.stringify(b.commands));
});
