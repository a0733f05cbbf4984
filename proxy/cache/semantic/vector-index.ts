/**
 * @module Nearest-neighbour search over unit vectors by dot product (= cosine similarity). `ExactIndex` scans every
 * vector of one flat Float32Array: exact, and fast enough up to a few thousand entries.
 */

export interface SearchHit {
  id: string;
  /** Cosine similarity, from -1 to 1. */
  score: number;
}

export interface VectorIndex {
  readonly size: number;
  /** Stores a unit vector under `id`, replacing what `id` had. */
  add(id: string, vector: Float32Array): void;
  /** False when `id` was not there. */
  remove(id: string): boolean;
  /** Up to `k` hits, best first. */
  search(vector: Float32Array, k: number): SearchHit[];
}

/**
 * The similarity of two stored questions: the dot product of `length` floats of `a` from `aAt` and `b` from `bAt`.
 * The cache, its indexes and the evaluation all score through this one function.
 */
export function dot(a: Float32Array, aAt: number, b: Float32Array, bAt: number, length: number): number {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0;
  let i = 0;
  // Four running sums let the CPU overlap the multiply-adds; about 2x faster than one sum in V8.
  for (; i + 3 < length; i += 4) {
    s0 += a[aAt + i]! * b[bAt + i]!;
    s1 += a[aAt + i + 1]! * b[bAt + i + 1]!;
    s2 += a[aAt + i + 2]! * b[bAt + i + 2]!;
    s3 += a[aAt + i + 3]! * b[bAt + i + 3]!;
  }
  for (; i < length; i++) s0 += a[aAt + i]! * b[bAt + i]!;
  return s0 + s1 + s2 + s3;
}

/** Keeps the `k` best (slot, score) pairs seen, best first. */
export class TopK {
  readonly slots: number[] = [];
  readonly scores: number[] = [];
  constructor(private readonly k: number) {}

  /** The score a newcomer must beat. */
  get floor(): number {
    return this.scores.length < this.k ? -Infinity : this.scores[this.k - 1]!;
  }

  offer(slot: number, score: number): void {
    if (score <= this.floor) return;
    let i = Math.min(this.scores.length, this.k - 1);
    while (i > 0 && this.scores[i - 1]! < score) {
      this.scores[i] = this.scores[i - 1]!;
      this.slots[i] = this.slots[i - 1]!;
      i--;
    }
    this.scores[i] = score;
    this.slots[i] = slot;
  }
}

/**
 * Exact search: every vector in one growable Float32Array, slot by slot; a removal moves the last slot into the
 * hole so the array stays dense.
 */
export class ExactIndex implements VectorIndex {
  protected vectors: Float32Array;
  protected readonly ids: string[] = [];
  private readonly slots = new Map<string, number>();

  constructor(readonly dimensions: number) {
    this.vectors = new Float32Array(dimensions * 64);
  }

  get size(): number {
    return this.ids.length;
  }

  add(id: string, vector: Float32Array): void {
    if (vector.length !== this.dimensions)
      throw new Error(`expected a vector of ${this.dimensions} dimensions, got ${vector.length}`);
    this.remove(id);
    const slot = this.ids.length;
    if ((slot + 1) * this.dimensions > this.vectors.length) {
      const grown = new Float32Array(this.vectors.length * 2);
      grown.set(this.vectors);
      this.vectors = grown;
    }
    this.vectors.set(vector, slot * this.dimensions);
    this.ids.push(id);
    this.slots.set(id, slot);
    this.added(slot);
  }

  remove(id: string): boolean {
    const slot = this.slots.get(id);
    if (slot === undefined) return false;
    const last = this.ids.length - 1;
    if (slot !== last) {
      const d = this.dimensions;
      this.vectors.copyWithin(slot * d, last * d, (last + 1) * d);
      this.ids[slot] = this.ids[last]!;
      this.slots.set(this.ids[slot]!, slot);
      this.moved(last, slot);
    }
    this.ids.pop();
    this.slots.delete(id);
    return true;
  }

  search(vector: Float32Array, k: number): SearchHit[] {
    const top = new TopK(k);
    for (let slot = 0; slot < this.ids.length; slot++) top.offer(slot, this.score(vector, slot));
    return this.hits(top);
  }

  protected score(vector: Float32Array, slot: number): number {
    return dot(vector, 0, this.vectors, slot * this.dimensions, this.dimensions);
  }

  protected hits(top: TopK): SearchHit[] {
    return top.slots.map((slot, i) => ({ id: this.ids[slot]!, score: top.scores[i]! }));
  }

  /** Hooks for indexes that keep their own data per slot. */
  protected added(_slot: number): void {}
  protected moved(_from: number, _to: number): void {}
}
