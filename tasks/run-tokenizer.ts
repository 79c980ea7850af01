// The tokenizer of a run: read back from the run's tokenizer.json when the run already has
// one (a resumed run, the evaluator after the trainer), else taken from the spec's
// vocabularyFile or built from the training rows, then stored with the run. Trainer,
// evaluator and a resumed run therefore encode every text to the same ids, even if the data
// file changed on disk in between.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { CurriculumError } from '../schemas/errors.ts';
import type { TokenizerSpec } from '../schemas/text.ts';
import { readTokenizerFile, saveTokenizer, Tokenizer, TOKENIZER_FILE } from './tokenizer.ts';

/** The directory whose tokenizer.json is a run's tokenizer: beside its checkpoints (the trainer's and evaluator's shared root). */
export function runTokenizerDir(checkpointRoot: string, runId: string): string {
  return join(checkpointRoot, runId.replace(/[^A-Za-z0-9._-]/g, '_'));
}

function sameKind(tokenizer: Tokenizer, spec: TokenizerSpec, file: string): Tokenizer {
  if (tokenizer.settings.kind !== spec.kind) {
    throw new CurriculumError('CUR_CONFIG_INVALID', `${file}: a ${tokenizer.settings.kind} tokenizer, but the spec's tokenizer.kind is ${spec.kind}`);
  }
  return tokenizer.withMaxLength(spec.maxLength);
}

/**
 * A vocabulary file: a tokenizer.json (its vocabulary, merges, case folding and unknown
 * buckets; the spec's maxLength), or for char and word one token per line.
 */
export function readVocabularyFile(spec: TokenizerSpec, file: string): Tokenizer {
  if (extname(file).toLowerCase() === '.json') return sameKind(readTokenizerFile(file), spec, file);
  if (spec.kind === 'subword') {
    throw new CurriculumError('CUR_CONFIG_INVALID', `${file}: a subword tokenizer needs its merges: give the tokenizer.json a run wrote, not a list of tokens`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CurriculumError('CUR_CONFIG_INVALID', `${file}: cannot read vocabulary: ${(e as Error).message}`);
  }
  const tokens: string[] = [];
  const seen = new Map<string, number>();
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const token = spec.kind === 'char' ? raw : raw.trim();
    if (token === '') return;
    const folded = spec.lowercase ? token.toLowerCase() : token;
    if (spec.kind === 'char' && [...folded].length !== 1) errors.push(`${file}:${i + 1}: a char vocabulary has one character per line, found ${JSON.stringify(token.slice(0, 20))}`);
    else if (seen.has(folded)) errors.push(`${file}:${i + 1}: token ${JSON.stringify(folded.slice(0, 20))} already on line ${seen.get(folded)}`);
    else {
      seen.set(folded, i + 1);
      tokens.push(folded);
    }
  });
  if (errors.length > 0) throw new CurriculumError('CUR_CONFIG_INVALID', `${file}: ${errors.length} bad vocabulary line(s)`, errors.slice(0, 20));
  if (tokens.length === 0) throw new CurriculumError('CUR_CONFIG_INVALID', `${file}: the vocabulary is empty (no tokens in the file)`);
  return Tokenizer.fromTokens(spec, tokens);
}

/**
 * The run's tokenizer. `trainingTexts` is called only when the vocabulary has to be built;
 * `storeIn/tokenizer.json` is read when it exists and written when it does not.
 */
export function runTokenizer(spec: TokenizerSpec, baseDir: string, trainingTexts: () => Iterable<string>, storeIn?: string): Tokenizer {
  const stored = storeIn === undefined ? undefined : join(storeIn, TOKENIZER_FILE);
  if (stored && existsSync(stored)) return sameKind(readTokenizerFile(stored), spec, stored);
  const tokenizer = spec.vocabularyFile
    ? readVocabularyFile(spec, resolve(baseDir, spec.vocabularyFile))
    : Tokenizer.build(spec, trainingTexts(), 'tokenizer');
  if (storeIn !== undefined) {
    mkdirSync(storeIn, { recursive: true });
    saveTokenizer(tokenizer, storeIn);
  }
  return tokenizer;
}
