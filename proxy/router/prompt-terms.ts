/**
 * @module The words of a prompt as the difficulty classifier sees them: lower-cased letter and digit runs, weighed
 * by TF-IDF over the training prompts. Words the training prompts never shared are left out entirely, so a prompt
 * full of unseen words leans on its known words (and on the classifier's priors) rather than on noise.
 */

import { textOf, type ChatMessage } from '../chat.ts';

/** A TF-IDF vector: vocabulary indices and their weights, L2-normalised. */
export interface TermVector {
  index: number[];
  weight: number[];
}

/**
 * Digits and the letters of the Latin, Greek, Cyrillic, Hebrew, Arabic, Indic, kana, CJK and Hangul blocks. Listed
 * ranges rather than \p{L}: the Unicode-property regex is 3–4× slower, and this runs on every request.
 */
const WORD =
  /[a-z0-9\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u0590-\u06ff\u0900-\u0dff\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]+/g;

/** The words of a text, in order, lower-cased. */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/**
 * A prompt is read up to its first 4,000 and last 2,000 characters: a long prompt states its task at one end or the
 * other (a passage, then the question), and reading it all would cost milliseconds. Every training prompt fits.
 */
const READ_HEAD = 4000;
const READ_TAIL = 2000;

/** The text a router judges: the conversation's last user message. */
export function promptText(messages: readonly ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.role === 'user') return textOf(messages[i]!);
  return '';
}

/** What a router reads of a prompt: all of it, or its two ends joined by a line break. */
export function promptWindow(text: string): string {
  return text.length <= READ_HEAD + READ_TAIL ? text : `${text.slice(0, READ_HEAD)}\n${text.slice(-READ_TAIL)}`;
}

/** The words read from a prompt, and its whole length in words (extrapolated when only its ends were read). */
export function promptWords(text: string): { words: string[]; length: number } {
  const window = promptWindow(text);
  const words = wordsOf(window);
  return { words, length: window === text ? words.length : Math.round((words.length * text.length) / window.length) };
}

/** The words a classifier knows, with their inverse document frequencies. */
export class Vocabulary {
  private readonly ids: Map<string, number>;
  /** Per-word counts of the prompt being read, zeroed again before `vector` returns: no map per request. */
  private readonly counts: Uint32Array;

  constructor(
    readonly words: readonly string[],
    readonly idf: readonly number[],
  ) {
    this.ids = new Map(words.map((word, i) => [word, i]));
    this.counts = new Uint32Array(words.length);
  }

  /** Sub-linear TF (1 + ln tf) times IDF over the known words, L2-normalised. */
  vector(words: readonly string[]): TermVector {
    const index: number[] = [];
    for (const word of words) {
      const id = this.ids.get(word);
      if (id !== undefined && this.counts[id]!++ === 0) index.push(id);
    }
    let norm = 0;
    const weight = index.map((id) => {
      const w = (1 + Math.log(this.counts[id]!)) * this.idf[id]!;
      this.counts[id] = 0;
      norm += w * w;
      return w;
    });
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
