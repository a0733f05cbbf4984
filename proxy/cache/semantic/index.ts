/**
 * @module The semantic half of the cache: embedders, the vector indexes, the key-term guard and the cache itself.
 */
export { LexicalEmbedder, type Embedder, type LexicalEmbedderOptions } from './embedder.ts';
export { LocalEmbedder, type LocalEmbedderOptions } from './local-embedder.ts';
export { SemanticCache, type SemanticCacheOptions, type SemanticHit } from './semantic-cache.ts';
export { DEFAULT_EMBEDDING_MODEL, LEXICAL_THRESHOLD, LOCAL_THRESHOLD, defaultThreshold } from './thresholds.ts';
