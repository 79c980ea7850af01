// A file-backed task so users can bring their own data: one JSON object per line,
// {"input": "text" | [numbers], "label": "class" | number, "category"?: "group"}.
// Rows are validated once, here at the edge; every malformed row is reported with its line
// number and field. A seeded split keeps a fixed share of rows out of training for evaluation.
// Text rows are one-hot characters by default; with the run's tokenizer they are token ids
// (tasks/text-encoding.ts) and may be any length.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TaskSpec } from '../schemas/spec.ts';
import { CurriculumError } from '../schemas/errors.ts';
import { heldoutRowCount } from '../schemas/spec-files.ts';
import { describeValue } from '../schemas/validate.ts';
import { addGaussian, resolveNoise, wrongLabel, type Noise } from './noise.ts';
import { hashSeed, Random } from './random.ts';
import type { Encoding, Example, GeneratedSuite, Task } from './task.ts';
import { replaceTokens, tokenEncoding, withTypos } from './text-encoding.ts';
import type { Tokenizer } from './tokenizer.ts';

const MAX_TEXT_LENGTH = 256;
const MAX_REPORTED_ERRORS = 20;
const ROW_FIELDS = new Set(['input', 'label', 'category']);

export interface JsonlRow {
  line: number;
  input: string | number[];
  label: string;
  category: string;
  /** Fields besides input, label and category that a reader asked for (a difficulty measure), unvalidated. */
  extra?: Readonly<Record<string, unknown>>;
}

export interface JsonlDataset {
  file: string;
  rows: JsonlRow[];
  kind: 'text' | 'vector';
  /** Sorted class names; a label's class index is its position here. */
  classes: string[];
  /** For text: sorted characters, one input feature each. */
  vocabulary: string[];
  encoding: Encoding;
}

export interface JsonlParseOptions {
  /** The run tokenizes text: every input must be a string, of any length. */
  tokenized?: boolean;
  /** Fields allowed besides input, label and category, kept raw in `row.extra` (difficulty buckets read them). */
  extraFields?: readonly string[];
}

/** Parses and validates JSONL text; throws CUR_DATASET_ROW naming every bad line and field. */
export function parseJsonl(text: string, file: string, options: JsonlParseOptions = {}): JsonlDataset {
  const extraFields = options.extraFields ?? [];
  const rows: JsonlRow[] = [];
  const errors: string[] = [];
  let kind: 'text' | 'vector' | undefined;
  let width = -1;
  const fail = (line: number, field: string | null, reason: string) =>
    errors.push(`${file}:${line}: ${field === null ? '' : `field "${field}": `}${reason}`);
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      fail(line, null, `not valid JSON (${(e as Error).message})`);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      fail(line, null, 'expected a JSON object {"input", "label", "category"?}');
      return;
    }
    const row = value as Record<string, unknown>;
    let ok = true;
    for (const key of Object.keys(row)) {
      if (!ROW_FIELDS.has(key) && !extraFields.includes(key)) {
        fail(line, key, `unknown field (allowed: ${['input', 'label', 'category', ...extraFields].join(', ')})`);
        ok = false;
      }
    }
    const { input, label, category } = row;
    let rowKind: 'text' | 'vector' | undefined;
    if (options.tokenized && typeof input !== 'string') {
      fail(line, 'input', `${input === undefined ? 'missing' : `expected a string, found ${describeValue(input)}`} (the spec's tokenizer reads text rows)`);
      ok = false;
    } else if (typeof input === 'string') {
      rowKind = 'text';
      if (!options.tokenized && input.length > MAX_TEXT_LENGTH) {
        fail(line, 'input', `text of ${input.length} characters exceeds ${MAX_TEXT_LENGTH}`);
        ok = false;
      }
    } else if (Array.isArray(input) && input.length > 0 && input.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      rowKind = 'vector';
      if (width >= 0 && input.length !== width) {
        fail(line, 'input', `vector has ${input.length} numbers, earlier rows have ${width}`);
        ok = false;
      }
      if (width < 0) width = input.length;
    } else {
      fail(line, 'input', input === undefined ? 'missing' : 'expected a string or a non-empty array of finite numbers');
      ok = false;
    }
    if (rowKind && kind && rowKind !== kind) {
      fail(line, 'input', `is ${rowKind === 'text' ? 'text' : 'a vector'} but earlier rows are ${kind === 'text' ? 'text' : 'vectors'}`);
      ok = false;
    }
    kind ??= rowKind;
    if (!(typeof label === 'string' && label.length > 0) && !(typeof label === 'number' && Number.isFinite(label))) {
      fail(line, 'label', label === undefined ? 'missing' : 'expected a non-empty string or a finite number');
      ok = false;
    }
    if (category !== undefined && !(typeof category === 'string' && category.length > 0)) {
      fail(line, 'category', 'expected a non-empty string when present');
      ok = false;
    }
    if (ok) {
      rows.push({
        line,
        input: input as string | number[],
        label: String(label),
        category: (category as string | undefined) ?? 'uncategorized',
        ...(extraFields.length > 0 ? { extra: Object.fromEntries(extraFields.map((f) => [f, row[f]])) } : {}),
      });
    }
  });
  if (errors.length > 0) {
    throw new CurriculumError(
      'CUR_DATASET_ROW',
      `${file}: ${errors.length} malformed row(s)`,
      errors.slice(0, MAX_REPORTED_ERRORS).concat(errors.length > MAX_REPORTED_ERRORS ? [`... and ${errors.length - MAX_REPORTED_ERRORS} more`] : []),
    );
  }
  if (rows.length === 0 || !kind) throw new CurriculumError('CUR_DATASET_EXHAUSTED', `${file}: the file has no rows`);
  const classes = [...new Set(rows.map((r) => r.label))].sort();
  const vocabulary =
    kind === 'text' && !options.tokenized ? [...new Set(rows.flatMap((r) => [...(r.input as string)]))].sort() : [];
  const encoding: Encoding =
    kind === 'text'
      ? { timesteps: Math.max(1, ...rows.map((r) => (r.input as string).length)), features: Math.max(1, vocabulary.length), positions: 1, classes: classes.length }
      : { timesteps: width, features: 1, positions: 1, classes: classes.length };
  return { file, rows, kind, classes, vocabulary, encoding };
}

const datasets = new Map<string, JsonlDataset>();

/** Reads a dataset once per process (trainer and evaluator in one process share it). */
export function loadJsonl(path: string, baseDir: string, options: JsonlParseOptions = {}): JsonlDataset {
  const file = resolve(baseDir, path);
  const key = [options.tokenized ? 'tokenized' : 'plain', file, ...(options.extraFields ?? [])].join('\0');
  const known = datasets.get(key);
  if (known) return known;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CurriculumError('CUR_CONFIG_INVALID', `${file}: cannot read dataset: ${(e as Error).message}`);
  }
  const dataset = parseJsonl(text, file, options);
  datasets.set(key, dataset);
  return dataset;
}

export interface JsonlOptions {
  heldoutFraction: number;
  runSeed: number;
}

/**
 * The seeded split of a task's rows, stratified by category: of each category's rows, the share
 * whose draws are lowest is held out. A row's draw depends on the run seed and the row's line, never
 * the task, so tasks that share a category (two tasks over one corpus subset, or a fine-tune spec
 * over a subset its base run trained on, with the base's seed) hold out the same rows of it: no task
 * evaluates on a row another task of the run, or the base run, trained on. Every category is
 * evaluated in proportion to its size. Should rounding leave no held-out row (or no training row)
 * where the validated count (heldoutRowCount) has one, the row with the lowest (highest) draw moves.
 */
export function splitRows(id: string, rows: readonly JsonlRow[], options: JsonlOptions): { train: JsonlRow[]; heldout: JsonlRow[] } {
  const byCategory = new Map<string, { row: JsonlRow; u: number }[]>();
  for (const row of rows) {
    const drawn = { row, u: Random.fromSeed(hashSeed(options.runSeed, 'split', row.line)).next() };
    const group = byCategory.get(row.category);
    if (group) group.push(drawn);
    else byCategory.set(row.category, [drawn]);
  }
  const held: { row: JsonlRow; u: number }[] = [];
  const kept: { row: JsonlRow; u: number }[] = [];
  for (const group of byCategory.values()) {
    group.sort((a, b) => a.u - b.u || a.row.line - b.row.line);
    const n = Math.round(options.heldoutFraction * group.length);
    held.push(...group.slice(0, n));
    kept.push(...group.slice(n));
  }
  const wanted = heldoutRowCount(options.heldoutFraction, rows.length);
  const byDraw = (a: { u: number }, b: { u: number }) => a.u - b.u;
  if (held.length === 0 && wanted > 0) held.push(kept.sort(byDraw).shift()!);
  if (kept.length === 0 && wanted < rows.length) kept.push(held.sort(byDraw).pop()!);
  // Each side in a task-seeded order, as before: the evaluator and the sampler read them in it.
  const random = Random.fromSeed(hashSeed(options.runSeed, id, 'split'));
  const inFileOrder = (side: { row: JsonlRow }[]) => side.map((d) => d.row).sort((a, b) => a.line - b.line);
  return { heldout: random.shuffle(inFileOrder(held)), train: random.shuffle(inFileOrder(kept)) };
}

export class JsonlTask implements Task {
  readonly encoding: Encoding;
  readonly trainRows: readonly JsonlRow[];
  readonly heldoutRows: readonly JsonlRow[];
  private readonly trainByClass: JsonlRow[][];
  private readonly noise: Noise;
  private readonly charIndex: Map<string, number>;
  /** Token ids of each row, tokenized once (tokenized text only). */
  private readonly ids = new Map<JsonlRow, Int32Array>();

  constructor(
    readonly id: string,
    readonly dataset: JsonlDataset,
    options: JsonlOptions,
    noise?: TaskSpec['noise'],
    private readonly tokenizer?: Tokenizer,
  ) {
    this.encoding = tokenizer ? tokenEncoding(tokenizer, dataset.classes.length) : dataset.encoding;
    this.noise = resolveNoise(noise);
    this.charIndex = new Map(dataset.vocabulary.map((c, i) => [c, i]));
    const split = splitRows(id, dataset.rows, options);
    this.heldoutRows = split.heldout;
    this.trainRows = split.train;
    this.trainByClass = dataset.classes.map((c) => this.trainRows.filter((r) => r.label === c)).filter((g) => g.length > 0);
  }

  trainingExample(rng: Random): Example {
    if (this.trainRows.length === 0) {
      throw new CurriculumError('CUR_DATASET_EXHAUSTED', `task ${this.id}: ${this.dataset.file} has no training rows left after the held-out split`);
    }
    const row = this.noise.balanceClasses
      ? pick(pick(this.trainByClass, rng), rng)
      : pick(this.trainRows as JsonlRow[], rng);
    const example = this.encode(row, (input) => {
      if (this.noise.inputNoise <= 0) return;
      if (this.dataset.kind === 'vector') addGaussian(input, this.noise.inputNoise, rng);
      else if (this.tokenizer) replaceTokens(input, this.noise.inputNoise, this.tokenizer.size, rng);
      else this.swapCharacters(input, this.noise.inputNoise, rng);
    });
    if (this.noise.labelNoise > 0 && rng.next() < this.noise.labelNoise) {
      example.target[0] = wrongLabel(example.target[0] ?? 0, this.encoding.classes, rng);
    }
    return example;
  }

  evaluationSet(suite: GeneratedSuite, n: number, seed: number): Example[] {
    if (this.heldoutRows.length === 0) {
      throw new CurriculumError('CUR_DATASET_EXHAUSTED', `task ${this.id}: ${this.dataset.file} has no held-out rows (heldoutFraction too small)`);
    }
    const rng = Random.fromSeed(seed);
    // Each held-out row at most once: n beyond the held-out rows would only repeat them.
    const rows = rng.shuffle([...this.heldoutRows]).slice(0, n);
    return rows.map((row) =>
      this.encode(row, (input) => {
        if (suite === 'heldout') return;
        if (this.dataset.kind === 'vector') {
          if (suite === 'holdout-domain') for (let i = 0; i < input.length; i++) input[i] = (input[i] ?? 0) * 1.25;
          else addGaussian(input, 0.1 * rms(input), rng);
        } else if (this.tokenizer) {
          if (suite === 'holdout-domain') input.set(this.tokenizer.encode(withTypos(row.input as string, 0.15, rng)));
          else replaceTokens(input, 0.1, this.tokenizer.size, rng);
        } else if (suite === 'holdout-domain') {
          this.encodeText(input, flipCase(row.input as string));
        } else {
          this.swapCharacters(input, 0.1, rng);
        }
      }),
    );
  }

  describeSuite(suite: GeneratedSuite): string {
    if (suite === 'heldout') return `${this.heldoutRows.length} rows never used in training`;
    if (this.dataset.kind === 'vector') return suite === 'holdout-domain' ? 'held-out rows scaled by 1.25 (covariate shift)' : 'held-out rows with Gaussian noise (sd 0.1 of the row rms)';
    if (this.tokenizer) return suite === 'holdout-domain' ? 'held-out rows with typos (15% of words of 4+ letters get two letters swapped)' : 'held-out rows with 10% of tokens replaced by random tokens';
    return suite === 'holdout-domain' ? 'held-out rows with letter case flipped' : 'held-out rows with 10% of characters swapped';
  }

  /** A feedback row in this file's format: same input kind (and vector width), a known class. */
  encodeRow(input: string | readonly number[], label: string, category: string): Example | string {
    const kind = typeof input === 'string' ? 'text' : 'vector';
    if (kind !== this.dataset.kind) return `expects ${this.dataset.kind} input, got ${kind}`;
    if (typeof input !== 'string' && input.length !== this.encoding.timesteps) return `expects ${this.encoding.timesteps} numbers, got ${input.length}`;
    if (!this.dataset.classes.includes(label)) return `label "${label.slice(0, 40)}" is not one of the file's classes`;
    return this.encode({ line: 0, input: typeof input === 'string' ? input : [...input], label, category }, () => undefined);
  }

  private encode(row: JsonlRow, perturb: (input: Float32Array) => void): Example {
    const input = new Float32Array(this.encoding.timesteps * this.encoding.features);
    if (typeof row.input === 'string' && this.tokenizer) input.set(this.idsOf(row, this.tokenizer));
    else if (typeof row.input === 'string') this.encodeText(input, row.input);
    else input.set(row.input);
    perturb(input);
    return { input, target: Int32Array.of(this.dataset.classes.indexOf(row.label)), category: row.category };
  }

  private idsOf(row: JsonlRow, tokenizer: Tokenizer): Int32Array {
    // Feedback rows (line 0) are seen once: only dataset rows are worth keeping.
    if (row.line === 0) return tokenizer.encode(row.input as string);
    let ids = this.ids.get(row);
    if (!ids) this.ids.set(row, (ids = tokenizer.encode(row.input as string)));
    return ids;
  }

  private encodeText(input: Float32Array, text: string): void {
    input.fill(0);
    [...text].slice(0, this.encoding.timesteps).forEach((c, t) => {
      const index = this.charIndex.get(c);
      if (index !== undefined) input[t * this.encoding.features + index] = 1;
    });
  }

  private swapCharacters(input: Float32Array, rate: number, rng: Random): void {
    const { timesteps, features } = this.encoding;
    for (let t = 0; t < timesteps; t++) {
      const base = t * features;
      let current = -1;
      for (let f = 0; f < features; f++) if ((input[base + f] ?? 0) > 0) current = f;
      if (current < 0 || features < 2 || rng.next() >= rate) continue;
      input[base + current] = 0;
      input[base + wrongLabel(current, features, rng)] = 1;
    }
  }
}

function pick<T>(items: readonly T[], rng: Random): T {
  const item = items[rng.int(items.length)];
  if (item === undefined) throw new CurriculumError('CUR_DATASET_EXHAUSTED', 'no rows to sample from');
  return item;
}

function rms(values: Float32Array): number {
  let s = 0;
  for (const v of values) s += v * v;
  return Math.sqrt(s / Math.max(1, values.length));
}

function flipCase(text: string): string {
  return [...text].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
}
