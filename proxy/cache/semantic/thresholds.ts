/**
 * @module The similarity a semantic hit must reach, per embedder. Each embedder spreads cosines differently
 * (hashed lexical features rarely pass 0.8 for a paraphrase; a neural model rarely drops below 0.5 for anything),
 * so each has its own constant.
 */
import type { Embedder } from './embedder.ts';

/**
 * For `LexicalEmbedder` at its default 256 dimensions: chosen by 5-fold cross-validation on the dev pair sets
 * (`npx tsx proxy/eval/training/lexical-threshold.ts` prints the table), as the lowest threshold keeping precision ≥ 0.99
 * on every source of the training folds — before the guard required every content word to be accounted for. With
 * that guard the rule finds 0 (the guard alone keeps precision at 1 on the dev sets), so this is now a floor that
 * keeps unrelated candidates from reaching the guard at all, and costs under 0.2 points of recall.
 */
export const LEXICAL_THRESHOLD = 0.63;

/**
 * The local embedding model downloaded on first use: BAAI's bge-small-en-v1.5 (33M parameters, 384 dimensions, MIT)
 * as a 36 MB Q8_0 GGUF. Small enough to embed a question in a few milliseconds on a CPU, and among the best of its
 * size on sentence-similarity benchmarks (MTEB STS).
 */
export const DEFAULT_EMBEDDING_MODEL = 'hf:CompendiumLabs/bge-small-en-v1.5-gguf/bge-small-en-v1.5-q8_0.gguf';

/**
 * For `DEFAULT_EMBEDDING_MODEL`. Not calibrated here: this workplace cannot download the model. bge-small's cosines
 * sit high (unrelated questions often score 0.6–0.75, paraphrases 0.85–0.97), so this is set conservatively
 * above that band, and until `cache.semantic.threshold` is set (`tokenwise eval cache --embedder <gguf> --calibrate
 * --save`) every candidate also needs the local model's yes.
 */
export const LOCAL_THRESHOLD = 0.9;

/**
 * The threshold to use with `embedder` when the configuration does not set one, told by its name (the lexical
 * embedder's cosines barely move with its size: 256 to 1024 dimensions move the dev-set threshold by under 0.02).
 */
export function defaultThreshold(embedder: Embedder): number {
  return embedder.name.startsWith('lexical-') ? LEXICAL_THRESHOLD : LOCAL_THRESHOLD;
}
