// Byte-pair encoding over words (Sennrich et al. 2016): a word is its characters with an
// end-of-word marker on the last one; training merges the most frequent adjacent pair until
// the symbol budget is spent. Ties go to the lexicographically smallest pair, so the merges
// are a function of the word counts alone (no randomness, no dependence on Map order).

export const END_OF_WORD = '</w>';

export type Merge = readonly [string, string];

/** A word's initial symbols: its characters, the last one carrying the end-of-word marker. */
export function initialSymbols(word: string): string[] {
  const chars = [...word];
  if (chars.length > 0) chars[chars.length - 1] += END_OF_WORD;
  return chars;
}

const pairKey = (a: string, b: string) => `${a}\u0000${b}`;

function comparePairs(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Learns merges from word counts. Stops when the alphabet plus the merged symbols reach
 * `maxSymbols`, or when no pair occurs at least `minCount` (and at least twice) times.
 */
export function learnMerges(wordCounts: ReadonlyMap<string, number>, maxSymbols: number, minCount: number): { alphabet: Map<string, number>; merges: Merge[] } {
  const words: string[][] = [];
  const counts: number[] = [];
  const alphabet = new Map<string, number>();
  for (const [word, count] of [...wordCounts].sort((a, b) => comparePairs(a[0], b[0]))) {
    const symbols = initialSymbols(word);
    words.push(symbols);
    counts.push(count);
    for (const s of symbols) alphabet.set(s, (alphabet.get(s) ?? 0) + count);
  }
  const pairCounts = new Map<string, number>();
  const pairWords = new Map<string, Set<number>>();
  // A max-heap of (count, pair) with lazy deletion: an entry whose count is no longer the
  // pair's count is skipped when it surfaces. Same order as a full scan, without the scan.
  const heap = new PairHeap();
  const touched = new Set<string>();
  const addPairs = (w: number, sign: 1 | -1) => {
    const symbols = words[w] as string[];
    const c = (counts[w] ?? 0) * sign;
    for (let i = 0; i + 1 < symbols.length; i++) {
      const key = pairKey(symbols[i] as string, symbols[i + 1] as string);
      const next = (pairCounts.get(key) ?? 0) + c;
      if (next > 0) pairCounts.set(key, next);
      else pairCounts.delete(key);
      touched.add(key);
      if (sign > 0) {
        let set = pairWords.get(key);
        if (!set) pairWords.set(key, (set = new Set()));
        set.add(w);
      }
    }
  };
  const flush = () => {
    for (const key of touched) {
      const count = pairCounts.get(key);
      if (count !== undefined) heap.push(count, key);
    }
    touched.clear();
  };
  for (let w = 0; w < words.length; w++) addPairs(w, 1);
  flush();

  const merges: Merge[] = [];
  const threshold = Math.max(2, minCount);
  let symbolCount = [...alphabet.values()].filter((c) => c >= minCount).length;
  while (symbolCount < maxSymbols) {
    let best: string | undefined;
    let bestCount = 0;
    for (let top = heap.pop(); top !== undefined; top = heap.pop()) {
      if (pairCounts.get(top.key) === top.count) {
        best = top.key;
        bestCount = top.count;
        break;
      }
    }
    if (best === undefined || bestCount < threshold) break;
    const [left, right] = best.split('\u0000') as [string, string];
    const merged = left + right;
    merges.push([left, right]);
    symbolCount++;
    for (const w of [...(pairWords.get(best) ?? [])]) {
      addPairs(w, -1);
      words[w] = mergeOnce(words[w] as string[], left, right, merged);
      addPairs(w, 1);
    }
    pairCounts.delete(best);
    pairWords.delete(best);
    touched.delete(best);
    flush();
  }
  return { alphabet, merges };
}

/** Binary max-heap on (count desc, pair key asc). */
class PairHeap {
  private readonly counts: number[] = [];
  private readonly keys: string[] = [];

  private above(i: number, j: number): boolean {
    const ci = this.counts[i] as number;
    const cj = this.counts[j] as number;
    return ci > cj || (ci === cj && comparePairs(this.keys[i] as string, this.keys[j] as string) < 0);
  }

  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j] as number, this.counts[i] as number];
    [this.keys[i], this.keys[j]] = [this.keys[j] as string, this.keys[i] as string];
  }

  push(count: number, key: string): void {
    this.counts.push(count);
    this.keys.push(key);
    for (let i = this.counts.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.above(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): { count: number; key: string } | undefined {
    const n = this.counts.length;
    if (n === 0) return undefined;
    const top = { count: this.counts[0] as number, key: this.keys[0] as string };
    this.swap(0, n - 1);
    this.counts.pop();
    this.keys.pop();
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n - 1 && this.above(l, m)) m = l;
      if (r < n - 1 && this.above(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }
}

function mergeOnce(symbols: readonly string[], left: string, right: string, merged: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (symbols[i] === left && symbols[i + 1] === right) {
      out.push(merged);
      i++;
    } else {
      out.push(symbols[i] as string);
    }
  }
  return out;
}

/** Splits a word into subword symbols by applying the merges in the order they were learnt. */
export class BpeEncoder {
  private readonly ranks: Map<string, number>;
  private readonly cache = new Map<string, string[]>();

  constructor(merges: readonly Merge[]) {
    this.ranks = new Map(merges.map(([a, b], i) => [pairKey(a, b), i]));
  }

  pieces(word: string): string[] {
    const known = this.cache.get(word);
    if (known) return known;
    let symbols = initialSymbols(word);
    for (;;) {
      let bestRank = Infinity;
      let bestAt = -1;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = this.ranks.get(pairKey(symbols[i] as string, symbols[i + 1] as string));
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          bestAt = i;
        }
      }
      if (bestAt < 0) break;
      const left = symbols[bestAt] as string;
      const right = symbols[bestAt + 1] as string;
      symbols = mergeOnce(symbols, left, right, left + right);
    }
    if (this.cache.size > 100000) this.cache.clear();
    this.cache.set(word, symbols);
    return symbols;
  }
}
