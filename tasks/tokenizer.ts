// Text to token ids, for text tasks and the text-classification model. Id 0 pads, ids
// 1..unknownBuckets take tokens outside the vocabulary (hashed), the vocabulary follows. Texts
// are cut to maxLength tokens and padded at the start, so a recurrent encoder ends on the
// text's last token. A tokenizer is a value: toJSON() is everything it needs, and
// fromJSON(toJSON()) encodes every text to the same ids (tokenizer.json of a run and of an
// exported model).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { CurriculumError } from '../schemas/errors.ts';
import { TOKENIZER_KINDS, type TokenizerKind, type TokenizerSpec } from '../schemas/text.ts';
import { checkValue, formatFieldError } from '../schemas/validate.ts';
import { LiteralUnion } from '../schemas/common.ts';
import { BpeEncoder, learnMerges, type Merge } from './bpe.ts';
import { hashSeed } from './random.ts';

export const TOKENIZER_FILE = 'tokenizer.json';
export const PAD_ID = 0;

export const TokenizerJson = Type.Object(
  {
    format: Type.Literal('curriculum-tokenizer'),
    version: Type.Literal(1),
    kind: LiteralUnion(TOKENIZER_KINDS),
    lowercase: Type.Boolean(),
    maxLength: Type.Integer({ minimum: 1, maximum: 4096 }),
    unknownBuckets: Type.Integer({ minimum: 1, maximum: 1024 }),
    padding: Type.Literal('start'),
    vocabulary: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'token of id unknownBuckets + 1 + i' }),
    merges: Type.Optional(Type.Array(Type.Tuple([Type.String({ minLength: 1 }), Type.String({ minLength: 1 })]))),
  },
  { additionalProperties: false },
);
export type TokenizerJson = Static<typeof TokenizerJson>;

export interface TokenizerSettings {
  kind: TokenizerKind;
  lowercase: boolean;
  maxLength: number;
  unknownBuckets: number;
}

const WORD = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;

export class Tokenizer {
  private readonly ids: Map<string, number>;
  private readonly bpe: BpeEncoder | undefined;

  private constructor(
    readonly settings: TokenizerSettings,
    readonly vocabulary: readonly string[],
    readonly merges: readonly Merge[],
  ) {
    const first = 1 + settings.unknownBuckets;
    this.ids = new Map(vocabulary.map((t, i) => [t, first + i]));
    if (this.ids.size !== vocabulary.length) throw new CurriculumError('CUR_CONFIG_INVALID', 'tokenizer vocabulary lists a token twice');
    this.bpe = settings.kind === 'subword' ? new BpeEncoder(merges) : undefined;
  }

  /** Number of ids: padding, unknown buckets and the vocabulary (the embedding's input dimension). */
  get size(): number {
    return 1 + this.settings.unknownBuckets + this.vocabulary.length;
  }

  /** The first maxLength tokens of a text (`limit` overrides the length). */
  tokens(text: string, limit = this.settings.maxLength): string[] {
    const out: string[] = [];
    const source = this.settings.lowercase ? text.toLowerCase() : text;
    if (this.settings.kind === 'char') {
      let space = false;
      for (const c of source) {
        if (out.length >= limit) break;
        // Whitespace runs are one space: line breaks and indentation carry no class signal here.
        const isSpace = /\s/.test(c);
        if (isSpace && (space || out.length === 0)) continue;
        space = isSpace;
        out.push(isSpace ? ' ' : c);
      }
      return out;
    }
    WORD.lastIndex = 0;
    for (let m = WORD.exec(source); m !== null && out.length < limit; m = WORD.exec(source)) {
      if (this.bpe) for (const piece of this.bpe.pieces(m[0])) out.push(piece);
      else out.push(m[0]);
    }
    return out.slice(0, limit);
  }

  /** Words of a text before subword splitting (what BPE counts), at most `limit`. */
  static words(text: string, lowercase: boolean, limit: number): string[] {
    const source = lowercase ? text.toLowerCase() : text;
    const out: string[] = [];
    WORD.lastIndex = 0;
    for (let m = WORD.exec(source); m !== null && out.length < limit; m = WORD.exec(source)) out.push(m[0]);
    return out;
  }

  idOf(token: string): number {
    return this.ids.get(token) ?? 1 + (hashSeed('unknown', token) % this.settings.unknownBuckets);
  }

  /** maxLength ids, padded with PAD_ID at the start. */
  encode(text: string): Int32Array {
    const out = new Int32Array(this.settings.maxLength);
    const tokens = this.tokens(text);
    const start = out.length - tokens.length;
    tokens.forEach((t, i) => (out[start + i] = this.idOf(t)));
    return out;
  }

  toJSON(): TokenizerJson {
    return {
      format: 'curriculum-tokenizer',
      version: 1,
      kind: this.settings.kind,
      lowercase: this.settings.lowercase,
      maxLength: this.settings.maxLength,
      unknownBuckets: this.settings.unknownBuckets,
      padding: 'start',
      vocabulary: [...this.vocabulary],
      ...(this.settings.kind === 'subword' ? { merges: this.merges.map(([a, b]) => [a, b] as [string, string]) } : {}),
    };
  }

  /** A tokenizer from its JSON form; `label` names the source in errors. */
  static fromJSON(value: unknown, label: string): Tokenizer {
    const errors = checkValue(TokenizerJson, value);
    if (errors.length > 0) {
      throw new CurriculumError('CUR_CONFIG_INVALID', `${label}: not a tokenizer file`, errors.map((e) => formatFieldError(e, `${label}: not a tokenizer file`)));
    }
    const json = value as TokenizerJson;
    if (json.kind === 'subword' && !json.merges) throw new CurriculumError('CUR_CONFIG_INVALID', `${label}: a subword tokenizer needs its merges`);
    return new Tokenizer(
      { kind: json.kind, lowercase: json.lowercase, maxLength: json.maxLength, unknownBuckets: json.unknownBuckets },
      json.vocabulary,
      json.merges ?? [],
    );
  }

  /** The same vocabulary with another maxLength (a spec may cut a stored tokenizer's texts shorter or longer). */
  withMaxLength(maxLength: number): Tokenizer {
    return maxLength === this.settings.maxLength ? this : new Tokenizer({ ...this.settings, maxLength }, this.vocabulary, this.merges);
  }

  /**
   * Builds the vocabulary from training texts: tokens within the first maxLength of each text,
   * at least minCount times, most frequent first (ties by token), at most vocabularySize.
   * Throws when nothing is left: an empty vocabulary would map every text to unknown ids.
   */
  static build(spec: TokenizerSpec, texts: Iterable<string>, label: string): Tokenizer {
    const settings: TokenizerSettings = { kind: spec.kind, lowercase: spec.lowercase, maxLength: spec.maxLength, unknownBuckets: spec.unknownBuckets };
    let vocabulary: string[];
    let merges: Merge[] = [];
    if (spec.kind === 'subword') {
      const words = new Map<string, number>();
      for (const text of texts) for (const w of Tokenizer.words(text, spec.lowercase, spec.maxLength)) words.set(w, (words.get(w) ?? 0) + 1);
      const learnt = learnMerges(words, spec.vocabularySize, spec.minCount);
      merges = learnt.merges;
      const symbols = mostFrequent(learnt.alphabet, spec.minCount, Infinity);
      vocabulary = [...symbols, ...merges.map(([a, b]) => a + b)].slice(0, spec.vocabularySize);
    } else {
      const probe = new Tokenizer(settings, [], []);
      const counts = new Map<string, number>();
      for (const text of texts) for (const t of probe.tokens(text)) counts.set(t, (counts.get(t) ?? 0) + 1);
      vocabulary = mostFrequent(counts, spec.minCount, spec.vocabularySize);
    }
    if (vocabulary.length === 0) {
      throw new CurriculumError(
        'CUR_CONFIG_INVALID',
        `${label}: the vocabulary is empty: no ${spec.kind} token of the training rows occurs at least minCount=${spec.minCount} times`,
      );
    }
    return new Tokenizer(settings, vocabulary, merges);
  }

  /** A char or word tokenizer over a given list of tokens (a vocabulary file). */
  static fromTokens(spec: TokenizerSpec, tokens: readonly string[]): Tokenizer {
    return new Tokenizer({ kind: spec.kind, lowercase: spec.lowercase, maxLength: spec.maxLength, unknownBuckets: spec.unknownBuckets }, tokens, []);
  }
}

function mostFrequent(counts: ReadonlyMap<string, number>, minCount: number, limit: number): string[] {
  return [...counts]
    .filter(([, c]) => c >= minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, limit)
    .map(([t]) => t);
}

/** Writes DIR/tokenizer.json (through a temporary file, so a reader never sees half of it); returns the path. */
export function saveTokenizer(tokenizer: Tokenizer, dir: string): string {
  const file = join(dir, TOKENIZER_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(tokenizer.toJSON())}\n`);
  renameSync(temp, file);
  return file;
}

/** Reads a tokenizer.json; a missing file, bad JSON or a wrong shape is a CUR_CONFIG_INVALID naming the file. */
export function readTokenizerFile(file: string): Tokenizer {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CurriculumError('CUR_CONFIG_INVALID', `${file}: cannot read tokenizer: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CurriculumError('CUR_CONFIG_INVALID', `${file}: tokenizer is not valid JSON (${(e as Error).message})`);
  }
  return Tokenizer.fromJSON(value, file);
}
