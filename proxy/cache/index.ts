/**
 * @module The cache lever's one door: the pipeline looks answers up, shares identical calls and stores complete
 * answers through `AnswerCache`; the server builds the stores; the control surface reports and clears through
 * `CacheControl`. Nothing outside `proxy/cache/` imports the files behind it.
 */
export { AnswerCache, type AnswerCacheOptions, type AnsweredBy, type CacheDirective, type CacheLookup, type CacheSlot } from './answer-cache.ts';
export { replayAnswer, type AnswerRecorder, type CachedAnswer } from './answer.ts';
export { InFlight, type CallSharing, type Joined, type Start } from './coalesce.ts';
export { cacheControl, type CacheControl } from './control.ts';
export { startSemanticCache, type SemanticCacheDeps } from './semantic/start.ts';
export type { SemanticCache } from './semantic/semantic-cache.ts';
export type { Judge, Judgement } from './semantic/verifier.ts';
export { ExactCache, type AnswerStore, type SemanticKey } from './store.ts';
