// `curriculum validate` for text runs: what only the data can tell. Every text row of a
// tokenized run must be a string (each bad line named with its file), and the vocabulary must
// come out non-empty, from the spec's vocabularyFile or from the training rows. Each problem
// is a field error on the spec path that leads to it. A missing or unreadable JSONL file is
// left to the file checks of schemas/spec-files.ts (one error per problem).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ResolvedSpec } from '../schemas/spec.ts';
import { isCurriculumError } from '../schemas/errors.ts';
import type { FieldError } from '../schemas/validate.ts';
import { measureFields } from './difficulty-buckets.ts';
import { loadJsonl, splitRows, type JsonlDataset } from './jsonl.ts';
import { readVocabularyFile } from './run-tokenizer.ts';
import { loadSpamAssassin } from './spam-assassin.ts';
import { Tokenizer } from './tokenizer.ts';

function asFieldErrors(e: unknown, path: string): FieldError[] {
  if (!isCurriculumError(e)) throw e;
  const lines = e.details.length > 0 ? e.details : [e.message];
  return lines.map((message) => ({ path, message }));
}

export function checkTextFiles(spec: ResolvedSpec, baseDir: string): FieldError[] {
  const tokenizer = spec.tokenizer;
  const errors: FieldError[] = [];
  const datasets: Array<{ id: string; heldoutFraction: number; dataset: JsonlDataset }> = [];
  spec.tasks.forEach((t, i) => {
    const g = t.generator;
    try {
      if (g.kind === 'spam-assassin') {
        datasets.push({ id: t.id, heldoutFraction: g.heldoutFraction, dataset: loadSpamAssassin(g) });
      } else if (g.kind === 'jsonl' && tokenizer && existsSync(resolve(baseDir, g.path))) {
        datasets.push({ id: t.id, heldoutFraction: g.heldoutFraction, dataset: loadJsonl(g.path, baseDir, { tokenized: true, extraFields: measureFields(t.buckets?.by) }) });
      }
    } catch (e) {
      errors.push(...asFieldErrors(e, `tasks[${i}].generator${g.kind === 'jsonl' ? '.path' : ''}`));
    }
  });
  if (!tokenizer || errors.length > 0) return errors;
  try {
    if (tokenizer.vocabularyFile) readVocabularyFile(tokenizer, resolve(baseDir, tokenizer.vocabularyFile));
    else {
      const texts = datasets.flatMap(({ id, heldoutFraction, dataset }) =>
        splitRows(id, dataset.rows, { heldoutFraction, runSeed: spec.seed }).train.map((r) => r.input as string),
      );
      Tokenizer.build(tokenizer, texts, 'tokenizer');
    }
  } catch (e) {
    errors.push(...asFieldErrors(e, tokenizer.vocabularyFile ? 'tokenizer.vocabularyFile' : 'tokenizer'));
  }
  return errors;
}
