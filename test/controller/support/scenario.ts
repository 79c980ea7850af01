// The scripted scenario shared by the decision test, the recorded-stream fixture and the golden
// snapshot: held-out accuracies per evaluation, worked through by hand in
// test/controller/scripted-scenario-decisions.test.ts.
import { SimulatedRun } from './simulated-executors.ts';
import { spec } from './specs.ts';

export const SCENARIO_HELDOUT: Record<number, Record<string, number>> = {
  0: { a: 0.7, b: 0.3 },
  1: { a: 0.9, b: 0.3 },
  2: { a: 0.92, b: 0.32 },
  3: { a: 0.91, b: 0.5, c: 0.1 },
  4: { a: 0.9, b: 0.6, c: 0.1 },
  5: { a: 0.91, b: 0.605, c: 0.1 },
  6: { a: 0.9, b: 0.607, c: 0.1 },
  7: { a: 0.9, b: 0.65, c: 0.1 },
  8: { a: 0.89, b: 0.7, c: 0.1 },
  9: { a: 0.84, b: 0.75, c: 0.1 },
  10: { a: 0.9, b: 0.86, c: 0.2 },
  11: { a: 0.6, b: 0.85, c: 0.3 },
  12: { a: 0.91, b: 0.86, c: 0.35 },
  13: { a: 0.9, b: 0.86, c: 0.36 },
  14: { a: 0.7, b: 0.86, c: 0.36 },
  15: { a: 0.91, b: 0.86, c: 0.36 },
  16: { a: 0.91, b: 0.86, c: 0.36 },
  17: { a: 0.91, b: 0.86, c: 0.36 },
};

export function scenarioRun(): SimulatedRun {
  const sim = new SimulatedRun(spec(), (task, ctx) => SCENARIO_HELDOUT[ctx.index]?.[task] ?? 0.5);
  sim.start();
  sim.runUntilQuiet();
  return sim;
}
