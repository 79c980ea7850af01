// Assigning the rows of a row-based task to difficulty buckets (the spec side, and the ladder
// the buckets become, are in schemas/difficulty-buckets.ts). Trainer, evaluator and report all
// call this on the same rows, so they agree on which row is in which bucket.
import type { DifficultyBuckets, DifficultyMeasure } from '../schemas/difficulty-buckets.ts';
import { CurriculumError } from '../schemas/errors.ts';
import type { JsonlDataset, JsonlRow } from './jsonl.ts';

const MAX_REPORTED_ERRORS = 20;

/** Fields a measure needs the JSONL reader to keep besides input, label and category. */
export function measureFields(by: DifficultyMeasure | undefined): string[] {
  return by?.kind === 'field' ? [by.field] : [];
}

/** The difficulty of every row (higher is harder); throws CUR_DATASET_ROW naming each bad line. */
export function measureRows(dataset: JsonlDataset, by: DifficultyMeasure): number[] {
  const errors: string[] = [];
  const values = dataset.rows.map((row) => {
    if (by.kind === 'length') return inputLength(row);
    const value = row.extra?.[by.field];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    errors.push(`${dataset.file}:${row.line}: field "${by.field}": ${value === undefined ? 'missing' : 'expected a finite number'} (the difficulty measure of the buckets)`);
    return 0;
  });
  if (errors.length > 0) {
    throw new CurriculumError(
      'CUR_DATASET_ROW',
      `${dataset.file}: ${errors.length} row(s) without a usable difficulty field "${by.kind === 'field' ? by.field : ''}"`,
      errors.slice(0, MAX_REPORTED_ERRORS).concat(errors.length > MAX_REPORTED_ERRORS ? [`... and ${errors.length - MAX_REPORTED_ERRORS} more`] : []),
    );
  }
  return values;
}

function inputLength(row: JsonlRow): number {
  if (typeof row.input === 'string') return [...row.input].length;
  return Math.sqrt(row.input.reduce((s, x) => s + x * x, 0));
}

/**
 * The 1-based bucket of each value: equal shares by rank, easiest first. Tied values share
 * their average rank, so rows of equal difficulty always land in the same bucket.
 */
export function assignBuckets(values: readonly number[], count: number): number[] {
  const n = values.length;
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const buckets = new Array<number>(n).fill(1);
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && order[end + 1]?.[0] === order[start]?.[0]) end++;
    const bucket = Math.min(count, Math.floor((count * (start + end + 1)) / 2 / n) + 1);
    for (let r = start; r <= end; r++) buckets[order[r]?.[1] ?? 0] = bucket;
    start = end + 1;
  }
  return buckets;
}

export interface BucketInfo {
  index: number;
  rows: number;
  /** Range of the measure over the bucket's rows. */
  min: number;
  max: number;
}

/** Size and measure range of every bucket; throws CUR_DATASET_EXHAUSTED when one is empty. */
export function describeBuckets(dataset: JsonlDataset, buckets: Pick<DifficultyBuckets, 'count' | 'by'>, taskId: string): BucketInfo[] {
  return split(dataset, buckets, taskId).info;
}

function split(dataset: JsonlDataset, buckets: Pick<DifficultyBuckets, 'count' | 'by'>, taskId: string): { assigned: number[]; info: BucketInfo[] } {
  const values = measureRows(dataset, buckets.by);
  const assigned = assignBuckets(values, buckets.count);
  const info = Array.from({ length: buckets.count }, (_, i): BucketInfo => ({ index: i + 1, rows: 0, min: Infinity, max: -Infinity }));
  assigned.forEach((b, i) => {
    const bucket = info[b - 1];
    const v = values[i] ?? 0;
    if (!bucket) return;
    bucket.rows++;
    bucket.min = Math.min(bucket.min, v);
    bucket.max = Math.max(bucket.max, v);
  });
  const empty = info.filter((b) => b.rows === 0).map((b) => b.index);
  if (empty.length > 0) {
    const distinct = new Set(values).size;
    throw new CurriculumError(
      'CUR_DATASET_EXHAUSTED',
      `task ${taskId}: difficulty bucket(s) ${empty.join(', ')} of ${buckets.count} are empty: ${dataset.file} has ${dataset.rows.length} rows with ${distinct} distinct value(s) of the measure (${buckets.by.kind}); use buckets.count ${Math.max(2, Math.min(distinct, dataset.rows.length))} or fewer`,
    );
  }
  return { assigned, info };
}

/** The data set restricted to one bucket's rows (same classes, vocabulary and encoding as the whole file). */
export function bucketRows(dataset: JsonlDataset, buckets: DifficultyBuckets & { index: number }, taskId: string): JsonlDataset {
  const { assigned } = split(dataset, buckets, taskId);
  return { ...dataset, rows: dataset.rows.filter((_, i) => assigned[i] === buckets.index) };
}
