// bench:learning — curriculum strategies x seeds on six ladders (bench/learning-ladders.ts):
// permuted digits (continual), addition, sparse parity, long addition, noisy labels and a
// negative control; each with its target against uniform (or replay) measured in the same run.
//
//   npm run bench:learning -- --quick            # 2 seeds, smaller ladders, the strategies the targets compare
//   npm run bench:learning                       # 5 seeds, full ladders, every strategy: hours on 2 cores
//   options: --seeds N  --jobs N  --strategies a,b  --ladders parity,control,finetune  --resume  --summarize-only
//   experiments: --seed-list 101,102 (seeds other than the bench's 1..N, so tuning never sees them)
//                --set path=json (repeatable; a spec override for every job, `*` spans an array:
//                  --set review.fraction=0.5 --set 'stages.*.advance.confidence=0')
//                --tag name (results go to learning-runs[-quick]-name.jsonl and learning[-quick]-name.*)
//
// Every (ladder, seed, strategy) is one embedded run (the real controller, trainer and evaluator
// over the in-memory bus) in its own child process, so TF.js memory and the wasm backend start
// clean for each, and two can run side by side on two cores. Jobs are ordered seed by seed with
// every strategy inside a seed, so the full controller and uniform see the same seeds in the same
// process sequence and machine-load drift cannot favour one of them. Each finished run is appended
// to bench/results/learning-runs[-quick].jsonl at once (--resume continues an interrupted matrix);
// the summary (mean, 95% t interval, Welch's t-test against uniform) and the chart are rebuilt
// from that file at the end.
//
// "Samples" are training examples consumed (the sum of trainer.metrics samples), so steps spent
// on a branch that was later reverted, and review lessons, count against the strategy. An
// evaluation's count is what was consumed up to its checkpoint (report/samples-ledger.ts), never a metrics
// window published after it.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { AnyEvent } from '../schemas/events.ts';
import { interval, welch, type Interval } from './lib/stats.ts';
import { renderPanels, formatNumber, type Bar, type Panel } from './lib/svg.ts';
import { runFinetuneBench } from './learning-finetune.ts';
import { ladder, LADDERS, quickStrategies, replayExamples, STRATEGIES, strategySpec, type LadderConfig, type LadderName, type Strategy } from './learning-specs.ts';
import { SamplesLedger } from '../report/samples-ledger.ts';

const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(here, 'results');

interface Job {
  ladder: LadderName;
  strategy: Strategy;
  seed: number;
  quick: boolean;
  /** --set overrides, [dotted path, value] in order. */
  overrides?: Array<[string, unknown]>;
}

export interface RunResult extends Job {
  /** Samples consumed when every milestone task first reached the milestone accuracy; null: not within the budget. */
  samplesToMilestone: number | null;
  budgetSamples: number;
  samples: number;
  /** Mean held-out accuracy over all tasks at the last evaluation. */
  finalAccuracy: number;
  /** Area under the mean-accuracy learning curve over [0, budget] samples, divided by the budget (see aulc()). */
  aulc: number;
  averageAccuracy: number | null;
  backwardTransfer: number | null;
  forwardTransfer: number | null;
  forgetting: number | null;
  reviews: number;
  reverts: number;
  wallSeconds: number;
  /** (samples, mean held-out accuracy) after each evaluation. */
  curve: Array<[number, number]>;
  /** The controller's stage-end accuracy matrix R (rows: stages as run, columns: tasks). */
  matrix?: { tasks: string[]; stages: string[]; rows: Array<Array<number | null>> };
}

// ---------------------------------------------------------------- worker: one run

function aulc(curve: ReadonlyArray<[number, number]>, budget: number): number {
  // A step function: 0 before the first evaluation, each evaluation held until the next, the last
  // held until the budget (a run stopped at its milestone keeps its milestone accuracy).
  let area = 0;
  for (let i = 0; i < curve.length; i++) {
    const [s, a] = curve[i] as [number, number];
    const next = Math.min(budget, (curve[i + 1] ?? [budget])[0]);
    if (next > s) area += a * (next - s);
  }
  return area / budget;
}

async function runOne(job: Job): Promise<RunResult> {
  const { runEmbedded } = await import('../embedded/run-embedded.ts');
  const l = ladder(job.ladder, job.quick);
  const spec = strategySpec(l, job.strategy, job.seed);
  for (const [path, value] of job.overrides ?? []) setPath(spec, path.split('.'), value);
  const dir = mkdtempSync(join(tmpdir(), 'bench-learning-'));
  const specFile = join(dir, 'spec.yaml');
  writeFileSync(specFile, JSON.stringify(spec, null, 2)); // YAML is a superset of JSON
  const budgetSamples = l.budgetSteps * l.batchSize;
  const ledger = new SamplesLedger();
  const latest = new Map<string, number>();
  const curve: Array<[number, number]> = [];
  let samplesToMilestone: number | null = null;
  const abort = new AbortController();
  const onEvent = (e: AnyEvent): void => {
    ledger.add(e);
    if (e.type === 'evaluation.results' && e.payload.suite === 'heldout') {
      for (const [task, m] of Object.entries(e.payload.tasks)) latest.set(task, m.accuracy);
      const accs = l.tasks.map((t) => latest.get(t.id) ?? 0);
      // The samples behind the evaluated checkpoint, not those of the lesson already running.
      const consumed = ledger.at(e.payload.step, e.payload.branch);
      curve.push([consumed, accs.reduce((a, b) => a + b, 0) / accs.length]);
      if (samplesToMilestone === null && l.milestoneTasks.every((t) => (latest.get(t) ?? 0) >= l.milestoneAccuracy)) {
        samplesToMilestone = consumed;
        if (l.stopAtMilestone) abort.abort();
      }
    }
  };
  try {
    const result = await runEmbedded({ specFile, runsDir: join(dir, 'runs'), runId: 'run', logger: pino({ level: 'silent' }), backend: 'wasm', skipReport: true, signal: abort.signal, onEvent });
    const cl = result.view.continualLearning;
    const staged = cl.stages.length > 1;
    const last = curve[curve.length - 1];
    return {
      ...job,
      samplesToMilestone,
      budgetSamples,
      samples: ledger.consumed,
      finalAccuracy: last ? last[1] : 0,
      aulc: aulc(curve, budgetSamples),
      // Single-stage strategies train every task at once (joint training): ACC is the final mean,
      // and there is no task order for backward/forward transfer or forgetting.
      averageAccuracy: staged ? cl.averageAccuracy : (last?.[1] ?? null),
      backwardTransfer: staged ? cl.backwardTransfer : null,
      forwardTransfer: staged ? cl.forwardTransfer : null,
      forgetting: staged ? cl.forgetting : null,
      reviews: result.view.reviews,
      reverts: result.view.reverts,
      wallSeconds: result.wallSeconds,
      curve,
      matrix: { tasks: cl.tasks, stages: cl.stages, rows: cl.matrix },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Sets `value` at a dotted path of a spec; `*` applies the rest of the path to every array item. */
function setPath(target: unknown, path: readonly string[], value: unknown): void {
  const [head, ...rest] = path;
  if (head === undefined || typeof target !== 'object' || target === null) throw new Error(`--set: no such path (${path.join('.')})`);
  const node = target as Record<string, unknown>;
  if (head === '*') {
    if (!Array.isArray(target)) throw new Error('--set: * needs an array');
    for (const item of target as unknown[]) setPath(item, rest, value);
  } else if (rest.length === 0) node[head] = value;
  else {
    if (typeof node[head] !== 'object' || node[head] === null) node[head] = {};
    setPath(node[head], rest, value);
  }
}

function overridesFromArgs(): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  process.argv.forEach((a, i) => {
    const v = process.argv[i + 1];
    if (a !== '--set' || v === undefined) return;
    const eq = v.indexOf('=');
    if (eq < 1) throw new Error(`--set ${v}: expected path=json`);
    out.push([v.slice(0, eq), JSON.parse(v.slice(eq + 1)) as unknown]);
  });
  return out;
}

// ---------------------------------------------------------------- orchestrator

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function runWorker(job: Job): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // The same loader flags (tsx) as this process, so the worker runs the TypeScript directly.
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--worker', JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`worker ${JSON.stringify(job)} exited ${code}: ${out.slice(-500)}`));
      else resolve(JSON.parse(line) as RunResult);
    });
  });
}

const key = (j: Job) => `${j.ladder}/${j.strategy}/${j.seed}/${j.quick ? 'quick' : 'full'}`;

async function orchestrate(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const seeds = Number(arg('seeds') ?? (quick ? 2 : 5));
  const jobs = Number(arg('jobs') ?? 2);
  const strategies = (arg('strategies')?.split(',') ?? [...STRATEGIES]) as Strategy[];
  // Permuted digits first: its runs are short, so its whole matrix is in even when a long addition matrix is cut off.
  // The fine-tune pairs (bench/learning-finetune.ts) run after the ladders: `finetune` is the digits
  // pair, `finetune-spam` the SpamAssassin pair.
  const requested = arg('ladders')?.split(',') ?? [...LADDERS, 'finetune', 'finetune-spam'];
  const pairs = requested.filter((name) => name === 'finetune' || name === 'finetune-spam').map((name) => (name === 'finetune' ? 'digits' : 'spam'));
  const ladders = requested.filter((name) => name !== 'finetune' && name !== 'finetune-spam') as LadderName[];
  for (const name of ladders) if (!LADDERS.includes(name)) throw new Error(`--ladders: unknown ladder "${name}"; one of ${LADDERS.join(', ')}, finetune, finetune-spam`);
  const suffix = resultSuffix(quick);
  const rawFile = join(resultsDir, `learning-runs${suffix}.jsonl`);
  const overrides = overridesFromArgs();
  const seedList = arg('seed-list')?.split(',').map(Number) ?? Array.from({ length: seeds }, (_, i) => i + 1);
  // Only the pair asked for: leave the ladders' result files alone.
  if (ladders.length === 0) return void (pairs.length > 0 && (await runFinetuneBench({ quick, seeds: seedList, pairs })));
  mkdirSync(resultsDir, { recursive: true });
  const done = new Map<string, RunResult>();
  if ((process.argv.includes('--resume') || process.argv.includes('--summarize-only')) && existsSync(rawFile)) {
    for (const line of readFileSync(rawFile, 'utf8').split('\n')) if (line.trim()) done.set(key(JSON.parse(line) as RunResult), JSON.parse(line) as RunResult);
  } else writeFileSync(rawFile, '');
  const queue: Job[] = [];
  for (const name of ladders) {
    const mine = quick && !arg('strategies') ? strategies.filter((s) => quickStrategies(name).includes(s)) : strategies;
    for (const seed of seedList) for (const strategy of mine) queue.push({ ladder: name, strategy, seed, quick, ...(overrides.length > 0 ? { overrides } : {}) });
  }
  // --summarize-only rebuilds the summary and chart from the raw file (e.g. after a matrix was cut short).
  const todo = process.argv.includes('--summarize-only') ? [] : queue.filter((j) => !done.has(key(j)));
  console.log(`bench:learning ${quick ? 'quick' : 'full'}: ${queue.length} runs (${todo.length} to do), ${jobs} at a time; raw results -> ${rawFile}`);
  const started = performance.now();
  let finished = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < todo.length) {
      const job = todo[next++] as Job;
      const result = await runWorker(job);
      done.set(key(job), result);
      appendFileSync(rawFile, `${JSON.stringify(result)}\n`);
      finished++;
      const m = result.samplesToMilestone === null ? 'not reached' : `${result.samplesToMilestone} samples`;
      console.log(
        `[${finished}/${todo.length} ${((performance.now() - started) / 1000).toFixed(0)}s] ${key(job).padEnd(34)} milestone ${m.padEnd(14)} final ${result.finalAccuracy.toFixed(3)}  ACC ${fmt(result.averageAccuracy)} BWT ${fmt(result.backwardTransfer)} AULC ${result.aulc.toFixed(3)}  (${result.wallSeconds.toFixed(0)} s)`,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  summarize([...done.values()].filter((r) => r.quick === quick), quick, ladders, strategies, (performance.now() - started) / 1000);
  if (pairs.length > 0 && !process.argv.includes('--summarize-only')) await runFinetuneBench({ quick, seeds: seedList, pairs });
}

/** -quick for --quick, then -<tag> for --tag: experiments never overwrite the bench's own results. */
const resultSuffix = (quick: boolean) => `${quick ? '-quick' : ''}${arg('tag') ? `-${arg('tag') ?? ''}` : ''}`;

const fmt = (v: number | null) => (v === null ? '  n/a ' : v.toFixed(3).padStart(6));

// ---------------------------------------------------------------- summary

type MetricName = 'samplesToMilestone' | 'finalAccuracy' | 'aulc' | 'averageAccuracy' | 'backwardTransfer' | 'forwardTransfer' | 'forgetting';
const METRICS: MetricName[] = ['samplesToMilestone', 'finalAccuracy', 'aulc', 'averageAccuracy', 'backwardTransfer', 'forwardTransfer', 'forgetting'];

interface MetricSummary extends Interval {
  /** Welch's t-test against uniform on the same ladder (null for uniform itself or n/a metrics). */
  vsUniform: { difference: number; p: number; t: number; df: number } | null;
}

interface StrategySummary {
  strategy: Strategy;
  seeds: number;
  /** Runs that reached the milestone within the budget. */
  milestoneReached: number;
  metrics: Partial<Record<MetricName, MetricSummary>>;
  meanWallSeconds: number;
}

function values(runs: RunResult[], metric: MetricName): number[] {
  // A run that did not reach the milestone counts as its whole budget: a lower bound, reported with the reached count.
  if (metric === 'samplesToMilestone') return runs.map((r) => r.samplesToMilestone ?? r.budgetSamples);
  return runs.map((r) => r[metric]).filter((v): v is number => v !== null && Number.isFinite(v));
}

function summarize(all: RunResult[], quick: boolean, ladders: LadderName[], strategies: Strategy[], seconds: number): void {
  const out: Record<string, unknown> = {
    generatedAt: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    command: `npm run bench:learning --${process.argv.slice(2).map((a) => ` ${a}`).join('')}`,
    machine: machine(),
    wallSeconds: seconds,
    ladders: {},
  };
  const panels: Panel[] = [];
  const targets: string[] = [];
  for (const name of ladders) {
    const l = ladder(name, quick);
    const runs = all.filter((r) => r.ladder === name);
    const uniform = runs.filter((r) => r.strategy === 'uniform');
    const rows: StrategySummary[] = [];
    for (const strategy of strategies) {
      const mine = runs.filter((r) => r.strategy === strategy);
      if (mine.length === 0) continue;
      const metrics: Partial<Record<MetricName, MetricSummary>> = {};
      for (const metric of METRICS) {
        const xs = values(mine, metric);
        if (xs.length === 0) continue;
        const base = values(uniform, metric);
        const w = strategy !== 'uniform' && base.length > 1 && xs.length > 1 ? welch(xs, base) : null;
        metrics[metric] = { ...interval(xs), vsUniform: w ? { difference: interval(xs).mean - interval(base).mean, ...w } : null };
      }
      rows.push({ strategy, seeds: mine.length, milestoneReached: mine.filter((r) => r.samplesToMilestone !== null).length, metrics, meanWallSeconds: mine.reduce((a, r) => a + r.wallSeconds, 0) / mine.length });
    }
    (out.ladders as Record<string, unknown>)[name] = {
      tasks: l.tasks.map((t) => t.id),
      milestone: `${l.milestoneTasks.join(', ')} each >= ${l.milestoneAccuracy} held-out accuracy`,
      budgetSamples: l.budgetSteps * l.batchSize,
      batchSize: l.batchSize,
      strategies: rows,
    };
    printTable(name, l, rows);
    const colour = (s: Strategy) => (s === 'uniform' ? '#999' : s.startsWith('full') ? '#f58518' : '#4c78a8');
    const bar = (r: StrategySummary, m: MetricName, note?: (s: MetricSummary) => string): Bar | undefined => {
      const s = r.metrics[m];
      if (!s) return undefined;
      return { label: r.strategy, value: s.mean, lo: s.lo, hi: s.hi, colour: colour(r.strategy), note: note ? note(s) : `${formatNumber(s.mean)} ± ${formatNumber(s.halfWidth)}` };
    };
    const mean = (strategy: Strategy, m: MetricName) => rows.find((r) => r.strategy === strategy)?.metrics[m]?.mean;
    const uni = mean('uniform', 'samplesToMilestone');
    const milestoneTitle = `${l.title}: samples until ${l.milestoneTasks.join(', ')} >= ${l.milestoneAccuracy}`;
    const milestoneBars = rows.map((r) => bar(r, 'samplesToMilestone', (s) => `${formatNumber(s.mean)} ± ${formatNumber(s.halfWidth)} (${r.milestoneReached}/${r.seeds} reached)`)).filter((b): b is Bar => b !== undefined);
    const t = l.target;
    if (t.kind === 'samples-ratio') {
      panels.push({ title: milestoneTitle, unit: 'training examples to the milestone, mean and 95% interval; lower is better', bars: milestoneBars, ...(uni !== undefined ? { reference: { value: uni * t.max, label: `target: ${t.max}x uniform` } } : {}) });
    } else if (t.kind === 'accuracy-gain') {
      const base = mean('uniform', 'finalAccuracy');
      panels.push({ title: `${l.title}: held-out accuracy at the end of the budget`, unit: 'mean over tasks (every task is the clean problem), 95% interval', bars: rows.map((r) => bar(r, 'finalAccuracy')).filter((b): b is Bar => b !== undefined), ...(base !== undefined ? { reference: { value: base + t.min, label: `target: uniform + ${t.min}` } } : {}) });
      const acc = mean('full', 'finalAccuracy');
      if (base !== undefined && acc !== undefined) targets.push(`${name}: full controller held-out ${acc.toFixed(3)} vs uniform ${base.toFixed(3)} = ${((acc - base) * 100).toFixed(1)} points (target >= +${(t.min * 100).toFixed(0)}): ${acc - base >= t.min ? 'MET' : 'NOT MET'}`);
    } else {
      // The final mean over all tasks next to the controller's ACC: at equal budget a run that never
      // reached its last stage must not drop that task from its average.
      panels.push({ title: `Permuted digits (${l.tasks.length} tasks): final mean held-out accuracy, all tasks`, unit: 'mean and 95% interval', bars: rows.map((r) => bar(r, 'finalAccuracy')).filter((b): b is Bar => b !== undefined) });
      panels.push({ title: `Permuted digits (${l.tasks.length} tasks): backward transfer`, unit: 'BWT, staged strategies only; higher is better', bars: rows.map((r) => bar(r, 'backwardTransfer')).filter((b): b is Bar => b !== undefined) });
      const [acc, bwt, rAcc, rBwt] = [mean('full', 'averageAccuracy'), mean('full', 'backwardTransfer'), mean('replay', 'averageAccuracy'), mean('replay', 'backwardTransfer')];
      if (acc !== undefined && bwt !== undefined && rAcc !== undefined && rBwt !== undefined) {
        targets.push(
          `${name}: full controller ACC ${acc.toFixed(3)} vs replay ${rAcc.toFixed(3)}, BWT ${bwt.toFixed(3)} vs replay ${rBwt.toFixed(3)}; replay stores ${replayExamples(l)} examples per task, reviews draw from the same ${replayExamples(l)}-image pool (target: both >= replay): ${acc >= rAcc && bwt >= rBwt ? 'MET' : 'NOT MET'}`,
        );
      }
    }
    if (t.kind !== 'samples-ratio') panels.push({ title: milestoneTitle, unit: 'training examples to the milestone (not reached: the budget), mean and 95% interval', bars: milestoneBars, ...(uni !== undefined ? { reference: { value: uni * 1.1, label: 'target: 1.1x uniform' } } : {}) });
    const full = mean('full', 'samplesToMilestone');
    if (uni !== undefined && full !== undefined) {
      const ratio = full / uni;
      if (t.kind === 'samples-ratio' && t.max < 1.1) targets.push(`${name}: full controller ${formatNumber(full)} samples vs uniform ${formatNumber(uni)} = ${ratio.toFixed(2)}x (target <= ${t.max}x): ${ratio <= t.max ? 'MET' : 'NOT MET'}`);
      targets.push(`${name}: no regret, full controller samples to milestone ${ratio.toFixed(2)}x uniform (target <= 1.1x): ${ratio <= 1.1 ? 'MET' : 'NOT MET'}`);
    }
  }
  out.targets = targets;
  const suffix = resultSuffix(quick);
  writeFileSync(join(resultsDir, `learning${suffix}.json`), `${JSON.stringify(out, null, 2)}\n`);
  const m = machine();
  writeFileSync(
    join(resultsDir, `learning${suffix}.svg`),
    renderPanels(`bench:learning (${quick ? 'quick' : 'full'})`, `${m.cpu}, ${m.cores} cores, load ${m.loadAverage.map((x) => x.toFixed(1)).join('/')}; ${out.generatedAt as string}`, panels),
  );
  console.log(`\n${targets.join('\n')}`);
  console.log(`\nwrote bench/results/learning${suffix}.json and learning${suffix}.svg (${seconds.toFixed(0)} s)`);
}

function printTable(name: string, l: LadderConfig, rows: StrategySummary[]): void {
  console.log(`\n${name}: milestone ${l.milestoneTasks.join(',')} >= ${l.milestoneAccuracy}; budget ${l.budgetSteps * l.batchSize} samples; mean ± 95% half-width; p: Welch vs uniform`);
  const cell = (s: MetricSummary | undefined, digits = 3) =>
    s ? `${s.mean >= 100 ? formatNumber(s.mean) : s.mean.toFixed(digits)}±${s.halfWidth >= 100 ? formatNumber(s.halfWidth) : s.halfWidth.toFixed(digits)}${s.vsUniform ? ` p=${s.vsUniform.p.toFixed(3)}` : ''}` : 'n/a';
  console.log(['strategy'.padEnd(15), 'reached', 'samples to milestone'.padEnd(28), 'final acc'.padEnd(22), 'AULC'.padEnd(22), 'ACC'.padEnd(22), 'BWT'.padEnd(22), 'FWT'.padEnd(22), 'forgetting'].join(' '));
  for (const r of rows) {
    console.log(
      [r.strategy.padEnd(15), `${r.milestoneReached}/${r.seeds}`.padEnd(7), cell(r.metrics.samplesToMilestone).padEnd(28), cell(r.metrics.finalAccuracy).padEnd(22), cell(r.metrics.aulc).padEnd(22), cell(r.metrics.averageAccuracy).padEnd(22), cell(r.metrics.backwardTransfer).padEnd(22), cell(r.metrics.forwardTransfer).padEnd(22), cell(r.metrics.forgetting)].join(' '),
    );
  }
}

export function machine(): { cpu: string; cores: number; loadAverage: number[]; node: string } {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, loadAverage: os.loadavg(), node: process.version };
}


if (process.argv.includes('--worker')) {
  const job = JSON.parse(arg('worker') ?? '{}') as Job;
  runOne(job).then(
    (r) => {
      process.stdout.write(`\n${JSON.stringify(r)}\n`);
      process.exit(0);
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
} else {
  orchestrate().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
