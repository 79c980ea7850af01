// Tokenized text as the shared tensor layout: a row is maxLength token ids, one per timestep
// with one feature (float32 holds every id below 2^24 exactly), and the model's embedding
// reads them back as integers. Perturbations for noise and the evaluation suites act on ids
// (token replacement) or on the text before tokenizing (typos).
import type { Random } from './random.ts';
import type { Encoding } from './task.ts';
import { PAD_ID, type Tokenizer } from './tokenizer.ts';

export function tokenEncoding(tokenizer: Tokenizer, classes: number): Encoding {
  return { timesteps: tokenizer.settings.maxLength, features: 1, positions: 1, classes, vocabularySize: tokenizer.size };
}

/** Replaces each non-padding token with a random other id at `rate` (training noise, the adversarial suite). */
export function replaceTokens(input: Float32Array, rate: number, vocabularySize: number, rng: Random): void {
  if (vocabularySize < 3) return;
  for (let t = 0; t < input.length; t++) {
    const id = input[t] ?? PAD_ID;
    if (id === PAD_ID || rng.next() >= rate) continue;
    // Ids 1..size-1, never padding, never the same id.
    const other = 1 + rng.int(vocabularySize - 2);
    input[t] = other >= id ? other + 1 : other;
  }
}

/** Swaps two adjacent letters inside words of four or more letters, each word at `rate` (the hold-out domain). */
export function withTypos(text: string, rate: number, rng: Random): string {
  return text.replace(/\p{L}{4,}/gu, (word) => {
    if (rng.next() >= rate) return word;
    const chars = [...word];
    const i = 1 + rng.int(chars.length - 2);
    [chars[i - 1], chars[i]] = [chars[i] as string, chars[i - 1] as string];
    return chars.join('');
  });
}
