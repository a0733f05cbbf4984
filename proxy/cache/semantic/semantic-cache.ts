/**
 * @module The semantic cache: finds an earlier request whose final user message asked the same thing in other
 * words, under exactly the same context. It stores no answers, only which exact-cache entry answers which question;
 * the exact cache owns the answers.
 */
import type { Embedder } from './embedder.ts';
import { keyTermConflict, questionTerms, type QuestionTerms } from './key-terms.ts';
import { SketchIndex } from './sketch-index.ts';
import { defaultThreshold } from './thresholds.ts';
import type { Verifier } from './verifier.ts';

export interface SemanticCacheOptions {
  embedder: Embedder;
  /** The similarity a hit must reach; defaults to the embedder's calibrated threshold. */
  threshold?: number;
  /** Questions remembered in all, least recently used evicted first. */
  maxEntries?: number;
  /** Questions remembered per context, so one busy context cannot evict every other. */
  maxEntriesPerContext?: number;
  /** Partition size from which searches use sketches instead of scanning every vector. */
  approximateFrom?: number;
  /** Longer questions are not cached semantically: they are rarely paraphrased, and costly to embed. */
  maxQuestionChars?: number;
  /** Confirms a candidate that passed the guard before it is served (the local model's yes/no judgement). */
  verifier?: Verifier;
}

export interface SemanticHit {
  /** The exact-cache key whose answer serves this question. */
  entryKey: string;
  similarity: number;
  /** Why it is served: the similarity, and the verifier's yes-probability when it judged. */
  reason: string;
}

/** A hit, or the nearest candidate above the threshold and why it was refused; undefined when there was none. */
export type SemanticDecision = { hit: SemanticHit } | { refused: { similarity: number; reason: string } } | undefined;

interface Entry {
  key: string;
  contextKey: string;
  question: string;
}

interface Partition {
  index: SketchIndex;
  /** This context's entries, least recently used first. */
  entries: Map<string, Entry>;
}

/** Nearest neighbours checked per lookup: the nearest may fail the key-term guard while the next one passes. */
const CANDIDATES = 4;
/** Embeddings kept for reuse: the pipeline looks a question up, misses, then adds the same question. */
const RECENT_EMBEDDINGS = 64;

/**
 * A hit needs an identical context (system prompt, tools, earlier turns, model tier, parameters: `contextKey`), a
 * similar final question, no conflict between the two questions (the guard), and the verifier's yes when it has one.
 * @example
 * const cache = new SemanticCache({ embedder: new LexicalEmbedder() });
 * await cache.add(contextKey, 'How do I reverse a list in Python?', exactKey);
 * await cache.lookup(contextKey, 'how can I reverse a Python list'); // { entryKey: exactKey, similarity: 0.95 }
 */
export class SemanticCache {
  readonly threshold: number;
  readonly verifier?: Verifier;
  private readonly embedder: Embedder;
  private readonly maxEntries: number;
  private readonly maxEntriesPerContext: number;
  private readonly approximateFrom: number;
  private readonly maxQuestionChars: number;
  /** Every entry, least recently used first. */
  private readonly entries = new Map<string, Entry>();
  private readonly partitions = new Map<string, Partition>();
  private readonly recent = new Map<string, Promise<Float32Array>>();

  constructor(options: SemanticCacheOptions) {
    this.embedder = options.embedder;
    this.threshold = options.threshold ?? defaultThreshold(options.embedder);
    this.maxEntries = options.maxEntries ?? 50_000;
    this.maxEntriesPerContext = options.maxEntriesPerContext ?? 20_000;
    this.approximateFrom = options.approximateFrom ?? 5000;
    this.maxQuestionChars = options.maxQuestionChars ?? 4000;
    this.verifier = options.verifier;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The entry whose question asks the same as `question` under the same context, if one is safe to serve. */
  async lookup(contextKey: string, question: string): Promise<SemanticHit | undefined> {
    const decision = await this.decide(contextKey, question);
    return decision && 'hit' in decision ? decision.hit : undefined;
  }

  /**
   * Finds the nearest candidates above the threshold and serves the first that the guard lets through and the
   * verifier (if any) confirms. Only that one candidate is put to the verifier: one judgement per lookup at most.
   */
  async decide(contextKey: string, question: string): Promise<SemanticDecision> {
    if (!this.partitions.has(contextKey) || question.length > this.maxQuestionChars) return undefined;
    const vector = await this.embed(question);
    // Re-read after the await: the partition may have been evicted meanwhile.
    const partition = this.partitions.get(contextKey);
    if (!partition) return undefined;
    let asked: QuestionTerms | undefined;
    let refused: { similarity: number; reason: string } | undefined;
    for (const hit of partition.index.search(vector, CANDIDATES)) {
      if (hit.score < this.threshold) break;
      const entry = partition.entries.get(hit.id)!;
      const similarity = Math.min(1, hit.score);
      asked ??= questionTerms(question);
      const conflict = keyTermConflict(questionTerms(entry.question), asked);
      if (conflict) {
        // The terms themselves stay out of headers and the ledger: a question may quote a secret.
        refused ??= { similarity, reason: `guard: ${conflict.replace(/"[^"]*"/g, 'a term')}` };
        continue;
      }
      const verdict = await this.verifier?.verify(entry.question, question);
      if (verdict && !verdict.serve) return { refused: { similarity, reason: verdict.reason } };
      // The entry may have been evicted while the verifier judged it.
      if (partition.entries.get(entry.key) !== entry) return undefined;
      this.touch(entry, partition);
      return {
        hit: {
          entryKey: entry.key,
          similarity,
          reason: `similarity ${similarity.toFixed(3)}${verdict ? `, ${verdict.reason}` : ''}`,
        },
      };
    }
    return refused ? { refused } : undefined;
  }

  /** Remembers that the exact-cache entry `entryKey` answers `question` under `contextKey`. */
  async add(contextKey: string, question: string, entryKey: string): Promise<void> {
    if (question.length > this.maxQuestionChars) return;
    const vector = await this.embed(question);
    this.remove(entryKey);
    let partition = this.partitions.get(contextKey);
    if (!partition) {
      partition = {
        index: new SketchIndex(vector.length, { approximateFrom: this.approximateFrom }),
        entries: new Map(),
      };
      this.partitions.set(contextKey, partition);
    }
    const entry = { key: entryKey, contextKey, question };
    partition.index.add(entryKey, vector);
    partition.entries.set(entryKey, entry);
    this.entries.set(entryKey, entry);
    while (partition.entries.size > this.maxEntriesPerContext) this.remove(partition.entries.keys().next().value!);
    while (this.entries.size > this.maxEntries) this.remove(this.entries.keys().next().value!);
  }

  /** Forgets an entry (the exact cache evicted or invalidated it); false if it was not there. */
  remove(entryKey: string): boolean {
    const entry = this.entries.get(entryKey);
    if (!entry) return false;
    this.entries.delete(entryKey);
    const partition = this.partitions.get(entry.contextKey)!;
    partition.index.remove(entryKey);
    partition.entries.delete(entryKey);
    if (!partition.entries.size) this.partitions.delete(entry.contextKey);
    return true;
  }

  clear(): void {
    this.entries.clear();
    this.partitions.clear();
    this.recent.clear();
  }

  private touch(entry: Entry, partition: Partition): void {
    for (const map of [this.entries, partition.entries]) {
      map.delete(entry.key);
      map.set(entry.key, entry);
    }
  }

  private embed(question: string): Promise<Float32Array> {
    let vector = this.recent.get(question);
    if (!vector) {
      vector = this.embedder.embed([question]).then(([v]) => v!);
      // A failed embedding must not stay cached: the next call retries.
      vector.catch(() => this.recent.delete(question));
      this.recent.set(question, vector);
      if (this.recent.size > RECENT_EMBEDDINGS) this.recent.delete(this.recent.keys().next().value!);
    }
    return vector;
  }
}
