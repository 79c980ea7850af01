// bench:learning's fine-tune pairs: does starting from an exported model pay? Per pair and seed,
// the base example runs and exports its model; then three arms train on the fine-tune spec's data:
//   finetune          the spec as written: the base's best model, gradual unfreezing
//   finetune-uniform  the same pretrained model, one stage over every task with a uniform teacher
//   fresh             the spec as written with a fresh model of the base's kind and shape (from scratch)
// and it prints, per arm, the first evaluation's mean held-out accuracy and the samples (training
// examples consumed) until every task reaches the pair's milestone, with ratios against `fresh`
// measured in the same run. Pairs: `digits` (examples/digits-base.yaml, then digits-finetune.yaml:
// another pool of digits, clean then noisy) and `spam` (examples/spam-easy-to-hard.yaml, then
// spam-finetune.yaml: the next year's ham, the base's hard ham reviewed).
// Standalone: npx tsx bench/learning-finetune.ts [--quick] [--seeds N] [--pairs digits,spam]
// (bench:learning runs them as its `finetune` and `finetune-spam` ladders.)
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { AnyEvent } from '../schemas/events.ts';
import type { CurriculumSpecInput } from '../schemas/spec.ts';
import { parseSpecText } from '../schemas/spec-loader.ts';
import { interval } from './lib/stats.ts';

const here = dirname(fileURLToPath(import.meta.url));
const examples = resolve(here, '../examples');

export interface FinetunePair {
  name: string;
  base: string;
  finetune: string;
  /** Every task at or above this held-out accuracy. */
  milestone: number;
  /** The digits pair ran on wasm when it was first measured; text trains on the native backend when it is installed. */
  backend: 'wasm' | 'auto';
}

export const FINETUNE_PAIRS: readonly FinetunePair[] = [
  { name: 'digits', base: 'digits-base.yaml', finetune: 'digits-finetune.yaml', milestone: 0.85, backend: 'wasm' },
  { name: 'spam', base: 'spam-easy-to-hard.yaml', finetune: 'spam-finetune.yaml', milestone: 0.95, backend: 'auto' },
];
export const FINETUNE_ARMS = ['finetune', 'finetune-uniform', 'fresh'] as const;
type Arm = (typeof FINETUNE_ARMS)[number];

interface ArmResult {
  pair: string;
  arm: Arm;
  seed: number;
  firstAccuracy: number;
  samplesToMilestone: number | null;
  finalAccuracy: number;
  samples: number;
  wallSeconds: number;
}

function readSpec(file: string): CurriculumSpecInput {
  return parseSpecText(readFileSync(join(examples, file), 'utf8'), file) as CurriculumSpecInput;
}

/** The spec with its data paths made absolute (it is written to a temporary directory). */
function absolutePaths(spec: CurriculumSpecInput): CurriculumSpecInput {
  for (const t of spec.tasks) if (t.generator.kind === 'jsonl') t.generator.path = join(examples, t.generator.path);
  return spec;
}

function armSpec(pair: FinetunePair, arm: Arm, seed: number, baseModel: string): CurriculumSpecInput {
  const spec = absolutePaths(readSpec(pair.finetune));
  spec.seed = seed;
  const base = readSpec(pair.base);
  const pretrained = spec.model;
  if (pretrained.kind !== 'pretrained' || base.model.kind === 'pretrained') throw new Error(`${pair.finetune}: the fine-tune pair expects a pretrained spec on a base built from scratch`);
  pretrained.path = baseModel;
  // The base's words, so the pretrained embedding rows mean what they meant (the fresh arm keeps them too).
  if (spec.tokenizer && 'vocabularyFile' in spec.tokenizer && spec.tokenizer.vocabularyFile !== undefined) spec.tokenizer.vocabularyFile = join(baseModel, 'tokenizer.json');
  if (arm === 'fresh') spec.model = base.model;
  if (arm === 'finetune-uniform') {
    // Every layer trains from the start: there is no stage sequence to unfreeze along.
    delete pretrained.unfreeze;
    const last = spec.stages[spec.stages.length - 1];
    if (!last) throw new Error('the fine-tune spec has no stages');
    const maxSteps = spec.stages.reduce((a, s) => a + s.maxSteps, 0);
    spec.stages = [{ ...last, id: 'uniform', tasks: spec.tasks.map((t) => t.id), teacher: { kind: 'uniform', floor: 0.02 }, maxSteps, learningRate: spec.stages[0]!.learningRate }];
  }
  return spec;
}

async function runSpec(pair: FinetunePair, spec: CurriculumSpecInput, dir: string, runId: string, onEvent?: (e: AnyEvent) => void) {
  const { runEmbedded } = await import('../embedded/run-embedded.ts');
  const specFile = join(dir, `${runId}.yaml`);
  writeFileSync(specFile, JSON.stringify(spec, null, 2));
  return runEmbedded({ specFile, runsDir: join(dir, 'runs'), runId, logger: pino({ level: 'silent' }), backend: pair.backend, skipReport: true, ...(onEvent ? { onEvent } : {}) });
}

async function runArm(pair: FinetunePair, arm: Arm, seed: number, baseModel: string, dir: string): Promise<ArmResult> {
  const spec = armSpec(pair, arm, seed, baseModel);
  const taskIds = spec.tasks.map((t) => t.id);
  const latest = new Map<string, number>();
  let samples = 0;
  let firstAccuracy: number | null = null;
  let samplesToMilestone: number | null = null;
  const result = await runSpec(pair, spec, dir, `${pair.name}-${arm}-${seed}`, (e) => {
    if (e.type === 'trainer.metrics') for (const t of Object.values(e.payload.tasks)) samples += t.samples;
    if (e.type !== 'evaluation.results' || e.payload.suite !== 'heldout') return;
    const accuracies = Object.values(e.payload.tasks).map((m) => m.accuracy);
    firstAccuracy ??= accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
    for (const [task, m] of Object.entries(e.payload.tasks)) latest.set(task, m.accuracy);
    if (samplesToMilestone === null && taskIds.every((t) => (latest.get(t) ?? 0) >= pair.milestone)) samplesToMilestone = samples;
  });
  const finalAccuracy = taskIds.reduce((a, t) => a + (latest.get(t) ?? 0), 0) / taskIds.length;
  return { pair: pair.name, arm, seed, firstAccuracy: firstAccuracy ?? 0, samplesToMilestone, finalAccuracy, samples, wallSeconds: result.wallSeconds };
}

const meanOf = (xs: readonly number[]) => interval(xs);
const show = (i: { mean: number; halfWidth: number }, digits: number) => `${i.mean.toFixed(digits)} ± ${Number.isFinite(i.halfWidth) ? i.halfWidth.toFixed(digits) : 'n/a'}`;

export async function runFinetuneBench(options: { quick: boolean; seeds: readonly number[]; pairs?: readonly string[] }): Promise<ArmResult[]> {
  const pairs = FINETUNE_PAIRS.filter((p) => (options.pairs ?? FINETUNE_PAIRS.map((q) => q.name)).includes(p.name));
  const results: ArmResult[] = [];
  for (const pair of pairs) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-finetune-'));
    const ofPair: ArmResult[] = [];
    try {
      for (const seed of options.seeds) {
        const base = absolutePaths(readSpec(pair.base));
        base.seed = seed;
        const baseRun = await runSpec(pair, base, dir, `${pair.name}-base-${seed}`);
        // The best gated model; a base that never passed its gate leaves only its final model.
        const best = join(baseRun.runDir, 'model', 'best');
        const baseModel = existsSync(best) ? best : join(baseRun.runDir, 'model', 'final');
        console.log(`finetune ${pair.name} seed ${seed} base: ${baseRun.view.state}, starting from model/${existsSync(best) ? 'best' : 'final'} (${baseRun.backend})`);
        for (const arm of FINETUNE_ARMS) {
          const r = await runArm(pair, arm, seed, baseModel, dir);
          ofPair.push(r);
          console.log(
            `finetune ${pair.name} seed ${seed} ${arm.padEnd(16)} first eval ${r.firstAccuracy.toFixed(3)}  milestone ${r.samplesToMilestone ?? 'not reached'}  final ${r.finalAccuracy.toFixed(3)}  (${r.wallSeconds.toFixed(0)} s)`,
          );
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    summarize(pair, ofPair, options.quick);
    results.push(...ofPair);
  }
  return results;
}

function summarize(pair: FinetunePair, results: readonly ArmResult[], quick: boolean): void {
  const of = (arm: Arm) => results.filter((r) => r.arm === arm);
  // Runs that never reached the milestone count at the samples they consumed (a lower bound).
  const toMilestone = (r: ArmResult) => r.samplesToMilestone ?? r.samples;
  const fresh = of('fresh');
  const freshSamples = meanOf(fresh.map(toMilestone)).mean;
  const freshFirst = meanOf(fresh.map((r) => r.firstAccuracy)).mean;
  const rows = FINETUNE_ARMS.map((arm) => {
    const rs = of(arm);
    const first = meanOf(rs.map((r) => r.firstAccuracy));
    const samples = meanOf(rs.map(toMilestone));
    return {
      arm,
      seeds: rs.length,
      reached: rs.filter((r) => r.samplesToMilestone !== null).length,
      firstAccuracy: first,
      samplesToMilestone: samples,
      finalAccuracy: meanOf(rs.map((r) => r.finalAccuracy)),
      firstAccuracyMinusFresh: first.mean - freshFirst,
      samplesRatioToFresh: samples.mean / freshSamples,
    };
  });
  console.log(`\nfine-tune pair ${pair.name} (${quick ? 'quick' : 'full'}), milestone: every task >= ${pair.milestone} held-out; mean ± 95% t interval over seeds`);
  console.log('arm               reached  first-eval acc    vs fresh   samples to milestone   / fresh   final acc');
  for (const r of rows) {
    console.log(
      `${r.arm.padEnd(17)} ${`${r.reached}/${r.seeds}`.padEnd(8)} ${show(r.firstAccuracy, 3).padEnd(17)} ${(r.firstAccuracyMinusFresh >= 0 ? '+' : '') + r.firstAccuracyMinusFresh.toFixed(3)}     ${show(r.samplesToMilestone, 0).padEnd(22)} ${r.samplesRatioToFresh.toFixed(2).padStart(6)}   ${show(r.finalAccuracy, 3)}`,
    );
  }
  const out = join(here, 'results');
  mkdirSync(out, { recursive: true });
  // The digits pair keeps the file name it was first published under.
  const name = `learning-finetune${pair.name === 'digits' ? '' : `-${pair.name}`}${quick ? '-quick' : ''}.json`;
  writeFileSync(join(out, name), `${JSON.stringify({ pair: pair.name, milestone: pair.milestone, rows, runs: results }, null, 2)}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes('--quick');
  const i = process.argv.indexOf('--seeds');
  const n = i >= 0 ? Number(process.argv[i + 1]) : quick ? 2 : 5;
  const p = process.argv.indexOf('--pairs');
  const pairs = p >= 0 ? (process.argv[p + 1] ?? '').split(',') : undefined;
  for (const name of pairs ?? []) if (!FINETUNE_PAIRS.some((q) => q.name === name)) throw new Error(`--pairs: unknown pair "${name}"; one of ${FINETUNE_PAIRS.map((q) => q.name).join(', ')}`);
  runFinetuneBench({ quick, seeds: Array.from({ length: n }, (_, k) => k + 1), ...(pairs ? { pairs } : {}) }).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
