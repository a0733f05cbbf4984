/**
 * @module Approximate nearest-neighbour search for large cache partitions: binary sketches with exact re-scoring.
 *
 * Each vector also gets a 128-bit sketch, one bit per random hyperplane (which side of it the vector lies on:
 * SimHash). Two vectors at angle θ disagree on a fraction θ/π of the bits, so the Hamming distance between sketches
 * estimates the angle. A search ranks every sketch by Hamming distance (16 bytes and a few integer operations per
 * entry instead of a 256-float dot product), then re-scores the closest `candidates` exactly.
 *
 * Why not IVF (k-means lists): the lexical embedder's vectors are hashed, sparse-ish and weakly clustered, so list
 * centroids are noisy. On synthetic questions (bench/semantic.bench.ts's generator), IVF with lists grown by
 * bisecting 2-means and 8–32 probes found the exact nearest neighbour of a near-duplicate 77–94% of the time at 10k
 * and 100k entries, where sketches find it 98–100% of the time, faster. The cache only cares about neighbours above
 * a high similarity threshold, which is exactly where sketches separate best. Sketches also need no training: an
 * insert or a removal costs the same at any size, and the proxy never stalls for a rebuild. The scan is still
 * linear (about 1–3 ms per 100k entries here); far past that, lists or a graph over the sketches would be needed.
 */
import { ExactIndex, TopK, type SearchHit } from './vector-index.ts';

export interface SketchIndexOptions {
  /** Below this many vectors the index searches exactly. */
  approximateFrom?: number;
  /** How many of the closest sketches are re-scored exactly: more is slower and misses less. */
  candidates?: number;
}

const BITS = 128;
const WORDS = BITS / 32;
const SEED = 0x5eed1e55;

/**
 * Exact below `approximateFrom` vectors, sketch-filtered from there on.
 * @example
 * const index = new SketchIndex(256, { approximateFrom: 5000 });
 * index.add('entry-1', vector);
 * index.search(query, 3); // [{ id: 'entry-1', score: 0.93 }, …]
 */
export class SketchIndex extends ExactIndex {
  readonly approximateFrom: number;
  readonly candidates: number;
  private readonly planes: Hyperplanes;
  private sketches = new Uint32Array(64 * WORDS);
  private distances = new Uint8Array(64);
  private readonly querySketch = new Uint32Array(WORDS);

  constructor(dimensions: number, options: SketchIndexOptions = {}) {
    super(dimensions);
    this.approximateFrom = options.approximateFrom ?? 5000;
    this.candidates = options.candidates ?? 128;
    this.planes = hyperplanes(dimensions);
  }

  /** True once searches go through the sketches. */
  get approximate(): boolean {
    return this.size >= this.approximateFrom;
  }

  override search(vector: Float32Array, k: number): SearchHit[] {
    if (!this.approximate) return super.search(vector, k);
    sketch(vector, 0, this.planes, this.querySketch, 0);
    const n = this.size,
      q0 = this.querySketch[0]!,
      q1 = this.querySketch[1]!,
      q2 = this.querySketch[2]!,
      q3 = this.querySketch[3]!;
    const histogram = new Int32Array(BITS + 1);
    for (let slot = 0, at = 0; slot < n; slot++, at += WORDS) {
      const h =
        popcount(this.sketches[at]! ^ q0) +
        popcount(this.sketches[at + 1]! ^ q1) +
        popcount(this.sketches[at + 2]! ^ q2) +
        popcount(this.sketches[at + 3]! ^ q3);
      this.distances[slot] = h;
      histogram[h]!++;
    }
    // The Hamming distance that lets through at least `candidates` entries (ties can add a few more).
    let cutoff = 0;
    for (let seen = histogram[0]!; seen < Math.max(k, this.candidates) && cutoff < BITS; seen += histogram[++cutoff]!);
    const top = new TopK(k);
    for (let slot = 0; slot < n; slot++) if (this.distances[slot]! <= cutoff) top.offer(slot, this.score(vector, slot));
    return this.hits(top);
  }

  /** The exact answer, whatever the size: for measuring what the sketches miss. */
  searchExact(vector: Float32Array, k: number): SearchHit[] {
    return super.search(vector, k);
  }

  protected override added(slot: number): void {
    if ((slot + 1) * WORDS > this.sketches.length) {
      const grown = new Uint32Array(this.sketches.length * 2);
      grown.set(this.sketches);
      this.sketches = grown;
      this.distances = new Uint8Array(this.sketches.length / WORDS);
    }
    sketch(this.vectors, slot * this.dimensions, this.planes, this.sketches, slot * WORDS);
  }

  protected override moved(from: number, to: number): void {
    this.sketches.copyWithin(to * WORDS, from * WORDS, (from + 1) * WORDS);
  }
}

/** One bit per hyperplane: set when the vector lies on its positive side. */
function sketch(vector: Float32Array, at: number, planes: Hyperplanes, out: Uint32Array, outAt: number): void {
  const { dims, signs, perPlane } = planes;
  for (let word = 0, k = 0; word < WORDS; word++) {
    let bits = 0;
    for (let bit = 0; bit < 32; bit++) {
      let side = 0;
      for (const end = k + perPlane; k < end; k++) side += signs[k]! * vector[at + dims[k]!]!;
      if (side > 0) bits |= 1 << bit;
    }
    out[outAt + word] = bits >>> 0;
  }
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** Very sparse random hyperplanes: each has ±1 on a few random dimensions and 0 elsewhere. */
interface Hyperplanes {
  dims: Int32Array;
  signs: Float32Array;
  perPlane: number;
}

const planesByDimensions = new Map<number, Hyperplanes>();

/**
 * Very sparse random projections (Li, Hastie & Church 2006): ±1 on √d random dimensions per plane instead of all d
 * keeps the sketch's angle estimate while cutting its cost √d-fold. From a fixed seed, so sketches stay comparable
 * across runs, and shared by every index of the same dimensions (one per cache partition).
 */
function hyperplanes(dimensions: number): Hyperplanes {
  let planes = planesByDimensions.get(dimensions);
  if (!planes) {
    const perPlane = Math.max(1, Math.round(Math.sqrt(dimensions)));
    let state = SEED;
    const next = () => {
      // mulberry32
      state = (state + 0x6d2b79f5) >>> 0;
      let t = Math.imul(state ^ (state >>> 15), state | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return (t ^ (t >>> 14)) >>> 0;
    };
    planes = { dims: new Int32Array(BITS * perPlane), signs: new Float32Array(BITS * perPlane), perPlane };
    for (let i = 0; i < planes.dims.length; i++) {
      planes.dims[i] = next() % dimensions;
      planes.signs[i] = next() & 1 ? 1 : -1;
    }
    planesByDimensions.set(dimensions, planes);
  }
  return planes;
}
