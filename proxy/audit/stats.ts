/**
 * @module Confidence bounds for audit estimates.
 */

/** One-sided 90%: the bound the operating point and the displayed intervals use. */
export const Z = 1.2816;

/** Wilson score interval of a rate from `successes` out of `trials` (0–1 each side; [0, 1] with no trials). */
export function wilson(successes: number, trials: number, z = Z): { low: number; high: number } {
  if (trials <= 0) return { low: 0, high: 1 };
  const p = successes / trials,
    z2 = z * z;
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / (1 + z2 / trials);
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** A seeded PRNG (mulberry32): the same seed gives the same sequence, for tests and the offline evaluation. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
