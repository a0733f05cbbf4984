/** @module A seeded PRNG for the evaluation scripts, so folds and generated pair sets are identical on every run. */

/** mulberry32: a 32-bit seed in, uniform floats in [0, 1) out. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
