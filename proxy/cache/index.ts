/**
 * @module The cache lever's one door. The pipeline looks answers up (exact, then semantic), shares an identical call
 * already in flight and stores complete answers through `AnswerCache`; the server builds the stores and the semantic
 * cache from the exports below; the control surface reports and clears through `CacheControl`. Nothing outside
 * `proxy/cache/` imports the files behind it.
 */
import type { ChatChunk, ChatRequest } from '../chat.ts';
import type { ProviderKind } from '../providers/index.ts';
import { AnswerRecorder, type CachedAnswer } from './answer.ts';
import type { CallSharing, Start } from './coalesce.ts';
import { isDeterministic, requestKeys } from './key.ts';
import type { SemanticCache } from './semantic/semantic-cache.ts';
import type { AnswerStore, SemanticKey } from './store.ts';

export { replayAnswer, type AnswerRecorder, type CachedAnswer } from './answer.ts';
export { InFlight, type CallSharing, type Joined, type Start } from './coalesce.ts';
export { cacheControl, type CacheControl } from './control.ts';
export { startSemanticCache, type SemanticCacheDeps } from './semantic/start.ts';
export type { SemanticCache } from './semantic/semantic-cache.ts';
export type { Judge, Judgement } from './semantic/verifier.ts';
export { ExactCache, type AnswerStore, type SemanticKey } from './store.ts';

/** Per-request cache instruction (request header `x-tokenwise-cache`). */
export type CacheDirective = 'default' | 'off' | 'refresh';

export interface AnswerCacheOptions {
  store?: AnswerStore;
  inFlight?: CallSharing;
  /** Near-duplicate questions in an identical context, answered from the exact cache's entries. */
  semantic?: SemanticCache;
  /** Clients (as the ledger names them) whose questions are never matched semantically, nor matched against. */
  semanticOffFor?: string[];
  /** Which requests the cache and coalescing may serve. */
  mode?: 'deterministic' | 'always';
}

/** Where a request's answer is kept: its exact key, and its question when it may match semantically. */
export interface CacheSlot {
  key: string;
  semantic?: SemanticKey;
}

export interface CacheLookup {
  /** Set when the request may be cached or shared. */
  slot?: CacheSlot;
  hit?: { answer: CachedAnswer; status: 'exact' | 'semantic'; reason: string };
  /** Why the nearest semantic candidate was not served, when one was refused. */
  refused?: string;
}

/** Who produced an answer, as stored with it. */
export interface AnsweredBy {
  provider: string;
  providerKind: ProviderKind;
  route: 'local' | 'cloud';
}

export class AnswerCache {
  constructor(private readonly options: AnswerCacheOptions) {}

  /** Turns the semantic cache on once its embedder is loaded (a model may first need downloading). */
  attachSemantic(semantic: SemanticCache): void {
    this.options.semantic = semantic;
  }

  /** Finds a stored answer for `request` as resolved to `provider`/`model`: exact first, then semantic. */
  async lookup(
    request: ChatRequest,
    target: { provider: string; model: string },
    directive: CacheDirective | undefined,
    client: string,
  ): Promise<CacheLookup> {
    const { store, inFlight, semantic, semanticOffFor, mode } = this.options;
    const eligible = directive !== 'off' && (mode === 'always' || isDeterministic(request));
    const keys = eligible && (store || inFlight) ? requestKeys(request, target.provider, target.model) : undefined;
    if (!keys) return {};
    const slot: CacheSlot = {
      key: keys.exact,
      ...(semantic && !semanticOffFor?.includes(client) && keys.semantic ? { semantic: keys.semantic } : {}),
    };
    if (directive === 'refresh') return { slot };
    const exact = await store?.get(slot.key);
    if (exact)
      return {
        slot,
        hit: { answer: exact, status: 'exact', reason: `exact cache hit (answered by ${exact.modelUsed})` },
      };
    if (!slot.semantic) return { slot };
    const near = await semantic!.decide(slot.semantic.contextKey, slot.semantic.question);
    const found = near && 'hit' in near ? near.hit : undefined;
    const answer = found ? await store?.get(found.entryKey) : undefined;
    if (answer)
      return {
        slot,
        hit: {
          answer,
          status: 'semantic',
          reason: `semantic cache hit, ${found!.reason} (answered by ${answer.modelUsed})`,
        },
      };
    if (near && 'refused' in near)
      return {
        slot,
        refused: `semantic candidate refused (similarity ${near.refused.similarity.toFixed(3)}, ${near.refused.reason})`,
      };
    return { slot };
  }

  /** Starts the call, or joins the identical one already in flight (`joined`). */
  async share(
    slot: CacheSlot | undefined,
    signal: AbortSignal,
    start: Start,
  ): Promise<{ chunks: AsyncIterator<ChatChunk>; joined: boolean }> {
    const { inFlight } = this.options;
    if (slot && inFlight) return inFlight.join(slot.key, signal, start);
    return { chunks: start(signal), joined: false };
  }

  /** A recorder for the answer to `slot`, when it can be stored. */
  recorder(slot: CacheSlot | undefined): AnswerRecorder | undefined {
    return slot && this.options.store ? new AnswerRecorder() : undefined;
  }

  /** Keeps a complete answer in the exact cache, and its question in the semantic index. */
  store(slot: CacheSlot | undefined, recorder: AnswerRecorder | undefined, by: AnsweredBy): void {
    const answer = recorder?.complete(by);
    if (!answer || !slot) return;
    this.options.store!.set(slot.key, answer, slot.semantic);
    // An embedding that fails only costs a future semantic hit.
    if (slot.semantic)
      this.options.semantic?.add(slot.semantic.contextKey, slot.semantic.question, slot.key).catch(() => undefined);
  }
}
