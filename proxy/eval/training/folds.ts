/**
 * @module Seeded cross-validation folds. A prompt's fold follows from its text, so copies of one question (MMLU
 * files a few under two subjects) always land in the same fold and never score each other.
 */

/** The fold (0 … folds−1) of a prompt. */
export function foldOf(text: string, folds: number, seed: number): number {
  // FNV-1a over the seed and the normalised text, then murmur3's finaliser so the low bits mix too.
  let hash = 0x811c9dc5;
  const key = `${seed}\u0000${text.trim().toLowerCase()}`;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return ((hash ^ (hash >>> 16)) >>> 0) % folds;
}
