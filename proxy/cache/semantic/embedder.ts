/**
 * @module Turning questions into vectors. `Embedder` is what the semantic cache needs; `LexicalEmbedder` is the
 * model-free one that works on every machine, with no download and no native code.
 */
import { contentWords, fold, stem, words } from './words.ts';

/** Turns texts into L2-normalised vectors, so a dot product is their cosine similarity. */
export interface Embedder {
  /** Names the model (and its settings): vectors from embedders with different names must never be compared. */
  readonly name: string;
  readonly dimensions: number;
  embed(texts: string[]): Promise<Float32Array[]>;
}

export interface LexicalEmbedderOptions {
  /** Vector length. More dimensions mean fewer hash collisions and more memory per cached entry. */
  dimensions?: number;
}

/**
 * The length each kind of feature is scaled to before the kinds are summed, so the cosine of two vectors is the
 * mean of the per-kind cosines weighted by these squared (about 48% words, 4% word pairs, 48% characters). Words
 * decide; character n-grams let "wood"/"wooden", "trips"/"tripping" and typos partly meet; word pairs reward the
 * same phrasing a little. Of the handful of mixes tried, this one kept the most held-out recall at precision ≥ 0.99
 * in proxy/eval/training/lexical-threshold.ts's cross-validation (0.73; without character n-grams it fell below 0.53).
 */
const WEIGHTS = { word: 1, pair: 0.3, chars: 1 };
const SEEDS = { word: 0x2545f491, pair: 0x9e3779b9, chars: 0x85ebca6b };
const NGRAMS = [3, 4];

/**
 * Hashed word uni/bigrams and character 3/4-grams with sublinear term frequency, signed into a fixed-size vector
 * (the hashing trick: no vocabulary to fit or store, and a fixed seed makes vectors identical across runs).
 * @example
 * const [a, b] = await new LexicalEmbedder().embed(['How do I remove a stuck screw?', 'how to remove stuck screws']);
 */
export class LexicalEmbedder implements Embedder {
  readonly name: string;
  readonly dimensions: number;

  constructor(options: LexicalEmbedderOptions = {}) {
    this.dimensions = options.dimensions ?? 256;
    this.name = `lexical-${this.dimensions}`;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((text) => this.embedOne(text));
  }

  /** The synchronous core, for callers that embed in a loop and do not want a promise per text. */
  embedOne(text: string): Float32Array {
    let terms = contentWords(text);
    // A question made only of function words ("what is it?") still needs a vector; such questions rarely clear
    // the threshold against anything but themselves, which is right.
    if (!terms.length) terms = words(fold(text)).map(stem);
    const vector = new Float32Array(this.dimensions);
    const wordCounts = new Map<number, number>();
    const pairCounts = new Map<number, number>();
    const charCounts = new Map<number, number>();
    let previous: number | undefined;
    for (const term of terms) {
      const h = hash(term, 0, term.length, SEEDS.word);
      count(wordCounts, h);
      if (previous !== undefined) count(pairCounts, mix(previous ^ Math.imul(h, 0x27d4eb2d) ^ SEEDS.pair));
      previous = h;
      const padded = `<${term}>`;
      for (const n of NGRAMS)
        for (let i = 0; i + n <= padded.length; i++) count(charCounts, hash(padded, i, i + n, SEEDS.chars));
    }
    this.add(vector, wordCounts, WEIGHTS.word);
    this.add(vector, pairCounts, WEIGHTS.pair);
    this.add(vector, charCounts, WEIGHTS.chars);
    return normalize(vector);
  }

  /** Adds one kind of feature, scaled to unit length before weighting so long texts do not drown the other kinds. */
  private add(vector: Float32Array, counts: Map<number, number>, weight: number): void {
    let norm = 0;
    for (const c of counts.values()) norm += (1 + Math.log(c)) ** 2;
    if (!norm) return;
    const scale = weight / Math.sqrt(norm);
    for (const [h, c] of counts) {
      // Bit 0 signs the feature and the rest place it, so collisions cancel out on average instead of adding up.
      vector[(h >>> 1) % this.dimensions]! += (h & 1 ? scale : -scale) * (1 + Math.log(c));
    }
  }
}

/** Scales a vector to unit length in place; the zero vector stays zero. */
export function normalize(vector: Float32Array): Float32Array {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i]! * vector[i]!;
  if (norm > 0) {
    const scale = 1 / Math.sqrt(norm);
    for (let i = 0; i < vector.length; i++) vector[i]! *= scale;
  }
  return vector;
}

function count(counts: Map<number, number>, h: number): void {
  counts.set(h, (counts.get(h) ?? 0) + 1);
}

/** FNV-1a over UTF-16 code units of text[start, end), finished with murmur3's mixer for well-spread low bits. */
function hash(text: string, start: number, end: number, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix(h);
}

function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
