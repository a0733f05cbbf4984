/**
 * @module The words of a prompt as the difficulty classifier sees them: lower-cased letter and digit runs, weighed
 * by TF-IDF over the training prompts. Words the training prompts never shared are left out entirely, so a prompt
 * full of unseen words leans on its known words (and on the classifier's priors) rather than on noise.
 */

/** A TF-IDF vector: vocabulary indices and their weights, L2-normalised. */
export interface TermVector {
  index: number[];
  weight: number[];
}

const WORD = /[\p{L}\p{N}]+/gu;

/** The words of a text, in order, lower-cased. */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/** The words a classifier knows, with their inverse document frequencies. */
export class Vocabulary {
  private readonly ids: Map<string, number>;

  constructor(
    readonly words: readonly string[],
    readonly idf: readonly number[],
  ) {
    this.ids = new Map(words.map((word, i) => [word, i]));
  }

  /** Sub-linear TF (1 + ln tf) times IDF over the known words, L2-normalised. */
  vector(words: readonly string[]): TermVector {
    const counts = new Map<number, number>();
    for (const word of words) {
      const id = this.ids.get(word);
      if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const index: number[] = [], weight: number[] = [];
    let norm = 0;
    for (const [id, count] of counts) {
      const w = (1 + Math.log(count)) * this.idf[id]!;
      index.push(id);
      weight.push(w);
      norm += w * w;
    }
    norm = Math.sqrt(norm);
    for (let i = 0; i < weight.length; i++) weight[i]! /= norm;
    return { index, weight };
  }
}

/** The vocabulary of a training set: every word in at least `minDocuments` prompts, IDF = ln((1 + N) / (1 + df)) + 1. */
export function buildVocabulary(documents: readonly (readonly string[])[], minDocuments: number): Vocabulary {
  const df = new Map<string, number>();
  for (const words of documents) for (const word of new Set(words)) df.set(word, (df.get(word) ?? 0) + 1);
  const kept = [...df].filter(([, n]) => n >= minDocuments).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new Vocabulary(
    kept.map(([word]) => word),
    kept.map(([, n]) => Math.log((1 + documents.length) / (1 + n)) + 1),
  );
}
