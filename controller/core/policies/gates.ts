// Advance gates. A gate holds on one checkpoint when its metric passes the threshold; accuracy
// gates compare a Wilson bound (lower for >=, upper for <=) at the stage's confidence level, so a
// lucky small sample cannot advance a stage. The stage advances after W consecutive passing
// evaluations and at least minSteps steps trained in the stage.
import type { Reason, SuiteMetrics } from '../../../schemas/events.ts';
import type { Gate } from '../../../schemas/spec.ts';
import type { SuiteResult } from '../snapshot.ts';
import { wilsonInterval } from '../stats.ts';

export interface GateCheck {
  holds: boolean;
  reasons: Reason[];
}

/** Pooled metrics over several tasks (sample-weighted), for gates on "mean". */
export function pooled(metrics: readonly SuiteMetrics[]): SuiteMetrics | null {
  let n = 0;
  let acc = 0;
  let loss = 0;
  let ece = 0;
  for (const m of metrics) {
    n += m.n;
    acc += m.accuracy * m.n;
    loss += m.loss * m.n;
    ece += m.ece * m.n;
  }
  if (metrics.length === 0) return null;
  if (n === 0) return { n: 0, accuracy: 0, loss: 0, ece: 0 };
  return { n, accuracy: acc / n, loss: loss / n, ece: ece / n };
}

function checkOne(gate: Gate, index: number, task: string, m: SuiteMetrics | null | undefined, confidence: number): Reason {
  const policy = `gate[${index}]`;
  const label = `${gate.suite} ${gate.metric} of ${task}`;
  if (!m) {
    return { code: 'gate.no-data', policy, holds: false, task, metric: gate.metric, threshold: gate.threshold, comparator: gate.op, message: `${label}: no result` };
  }
  const value = m[gate.metric];
  if (gate.metric === 'accuracy' && confidence > 0) {
    const interval = wilsonInterval(m.accuracy, m.n, confidence);
    const bound = gate.op === '>=' ? interval.lower : interval.upper;
    const holds = gate.op === '>=' ? bound >= gate.threshold : bound <= gate.threshold;
    return {
      code: gate.op === '>=' ? 'gate.lower-bound' : 'gate.upper-bound',
      policy,
      holds,
      task,
      metric: gate.metric,
      value,
      bound,
      threshold: gate.threshold,
      comparator: gate.op,
      message: `${label} ${value.toFixed(4)} (n=${m.n}, Wilson ${gate.op === '>=' ? 'lower' : 'upper'} bound ${bound.toFixed(4)} at ${confidence}) ${holds ? 'meets' : 'misses'} ${gate.op} ${gate.threshold}`,
    };
  }
  const holds = gate.op === '>=' ? value >= gate.threshold : value <= gate.threshold;
  return {
    code: 'gate.point',
    policy,
    holds,
    task,
    metric: gate.metric,
    value,
    threshold: gate.threshold,
    comparator: gate.op,
    message: `${label} ${value.toFixed(4)} ${holds ? 'meets' : 'misses'} ${gate.op} ${gate.threshold}`,
  };
}

export function checkGates(gates: readonly Gate[], confidence: number, stageTasks: readonly string[], results: Partial<Record<string, SuiteResult>>): GateCheck {
  const reasons: Reason[] = [];
  gates.forEach((gate, i) => {
    const suite = results[gate.suite];
    if (gate.task === 'each') {
      for (const t of stageTasks) reasons.push(checkOne(gate, i, t, suite?.tasks[t], confidence));
    } else if (gate.task === 'mean') {
      const ms = suite ? stageTasks.map((t) => suite.tasks[t]).filter((m): m is SuiteMetrics => m !== undefined) : [];
      reasons.push(checkOne(gate, i, 'mean', ms.length === stageTasks.length ? pooled(ms) : null, confidence));
    } else {
      reasons.push(checkOne(gate, i, gate.task, suite?.tasks[gate.task], confidence));
    }
  });
  return { holds: reasons.every((r) => r.holds), reasons };
}

export interface AdvanceCheck {
  advance: boolean;
  streak: number;
  reasons: Reason[];
}

/** W consecutive passing evaluations and at least minSteps in the stage. */
export function checkAdvance(gatesHold: boolean, previousStreak: number, consecutive: number, stageSteps: number, minSteps: number): AdvanceCheck {
  const streak = gatesHold ? previousStreak + 1 : 0;
  const streakHolds = streak >= consecutive;
  const stepsHold = stageSteps >= minSteps;
  return {
    advance: gatesHold && streakHolds && stepsHold,
    streak,
    reasons: [
      {
        code: 'advance.consecutive',
        policy: 'advance',
        holds: streakHolds,
        metric: 'passing-evaluations',
        value: streak,
        threshold: consecutive,
        comparator: '>=',
        message: `${streak} consecutive passing evaluation(s), ${consecutive} required`,
      },
      {
        code: 'advance.min-steps',
        policy: 'advance',
        holds: stepsHold,
        metric: 'stage-steps',
        value: stageSteps,
        threshold: minSteps,
        comparator: '>=',
        message: `${stageSteps} steps in the stage, ${minSteps} required`,
      },
    ],
  };
}
