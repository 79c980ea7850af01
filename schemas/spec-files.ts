// Checks that need the spec and the files beside it, but no model or service: what
// `curriculum validate` can tell before a run trains for minutes and then fails. Each problem
// names the spec field it comes from. (Model files are checked by model-files.ts.)
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ResolvedSpec } from './spec.ts';
import type { FieldError } from './validate.ts';

/** Rows a file-backed task keeps out of training: the one formula the trainer's split uses too. */
export function heldoutRowCount(heldoutFraction: number, rows: number): number {
  return Math.round(heldoutFraction * rows);
}

/** Rows of a JSONL text: its non-blank lines (malformed rows are reported when the task loads). */
function rowCount(text: string): number {
  let n = 0;
  for (const line of text.split(/\r?\n/)) if (line.trim() !== '') n++;
  return n;
}

/** Every problem the spec's data files reveal, relative paths resolved against `baseDir`. */
export function checkSpecFiles(spec: ResolvedSpec, baseDir: string): FieldError[] {
  const errors: FieldError[] = [];
  const texts = new Map<string, string | Error>();
  spec.tasks.forEach((task, i) => {
    const g = task.generator;
    if (g.kind !== 'jsonl') return;
    const at = `tasks[${i}].generator`;
    const file = resolve(baseDir, g.path);
    if (!texts.has(file)) {
      try {
        texts.set(file, readFileSync(file, 'utf8'));
      } catch (e) {
        texts.set(file, e as Error);
      }
    }
    const text = texts.get(file) as string | Error;
    if (text instanceof Error) {
      const why = (text as NodeJS.ErrnoException).code ?? text.message;
      errors.push({ path: `${at}.path`, message: `cannot read the dataset file (${why})`, found: JSON.stringify(g.path), expected: `a readable JSONL file (relative to ${baseDir})` });
      return;
    }
    const rows = rowCount(text);
    if (rows === 0) {
      errors.push({ path: `${at}.path`, message: 'the dataset file has no rows', found: JSON.stringify(g.path), expected: 'one JSON object per line' });
      return;
    }
    const heldout = heldoutRowCount(g.heldoutFraction, rows);
    if (heldout === 0) {
      errors.push({
        path: `${at}.heldoutFraction`,
        message: `keeps no held-out rows out of ${rows}: the evaluator would have nothing to evaluate`,
        found: String(g.heldoutFraction),
        expected: `at least ${(Math.ceil((0.5 / rows) * 1000) / 1000).toString()} for ${rows} rows`,
      });
    } else if (heldout === rows) {
      errors.push({
        path: `${at}.heldoutFraction`,
        message: `keeps all ${rows} rows out of training: the trainer would have nothing to train on`,
        found: String(g.heldoutFraction),
        expected: `a fraction that leaves at least one of ${rows} rows for training`,
      });
    }
  });
  return errors;
}
