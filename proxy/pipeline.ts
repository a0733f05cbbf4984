/**
 * @module The request flow, in order: route → exact cache → semantic cache → coalescing → trim for the tier →
 * provider (with retries and fallbacks; storing complete answers) → usage record. The only place that knows the order of the levers; everything it calls is a plain function or class
 * without HTTP types, so the whole flow runs in tests without a socket.
 */
import type { ChatChunk, ChatRequest } from './chat.ts';
import { AnswerRecorder, replayAnswer } from './cache/answer.ts';
import type { CallSharing } from './cache/coalesce.ts';
import { isDeterministic, requestKeys } from './cache/key.ts';
import type { SemanticCache } from './cache/semantic/semantic-cache.ts';
import { fitRequest, type FitOptions } from './context/fit.ts';
import type { AnswerStore } from './cache/store.ts';
import { ProxyError } from './errors.ts';
import { isRefusal, worstCaseCost, type Budget, type Reservation } from './router/budget.ts';
import { fallbackPlan, retryDelayMs, worthFallingBack, type FallbackOptions } from './router/fallback.ts';
import type { Pricing } from './usage/pricing.ts';
import { routeRequest, type RouteOverride, type RoutePolicy } from './router/policy.ts';
import type { SessionGate } from './router/session.ts';
import { selectRoute, type ModelCatalog, type RouteDecision } from './router/select.ts';
import { RequestTrace, type CacheStatus, type RequestNotes, type UsageSink } from './trace.ts';
import { countUsage, isMissingUsage } from './usage/estimate.ts';
import { usd } from '../shared/format.ts';

export type { UsageSink } from './trace.ts';

/** Per-request cache instruction (request header `x-tokenwise-cache`). */
export type CacheDirective = 'default' | 'off' | 'refresh';

export interface PipelineContext {
  /** Aborted when the caller goes away: generation and upstream calls stop. */
  signal: AbortSignal;
  /** The tool that sent the request (for usage split by tool). */
  client: string;
  api: 'openai' | 'anthropic' | 'responses';
  /** `performance.now()` when the request arrived. */
  arrived: number;
  cache?: CacheDirective;
  /** `off`: send the request untrimmed (request header `x-tokenwise-trim`). */
  trim?: 'default' | 'off';
  /** Force the tier (request header `x-tokenwise-route`). */
  route?: RouteOverride;
}

export interface PipelineResult {
  decision: RouteDecision;
  cache: CacheStatus;
  /** The first chunk, already received: errors before it surface as ordinary HTTP errors. */
  first: ChatChunk;
  rest: AsyncIterator<ChatChunk>;
  /** Milliseconds spent in the proxy itself so far: elapsed time minus time waiting on the provider. */
  overheadMs(): number;
}

export interface PipelineDeps {
  catalog: ModelCatalog;
  usage?: UsageSink;
  cache?: AnswerStore;
  inFlight?: CallSharing;
  /** Near-duplicate questions in an identical context, answered from the exact cache's entries. */
  semantic?: SemanticCache;
  /** Clients (as the ledger names them) whose questions are never matched semantically, nor matched against. */
  semanticOffFor?: string[];
  /** Which requests the cache and coalescing may serve. */
  cacheMode?: 'deterministic' | 'always';
  /** Retries and fallbacks; none when unset. */
  fallback?: FallbackOptions;
  /** Context trimming; none when unset. */
  fit?: FitOptions;
  /** The routing policy (classifier, downgrades); model names alone decide when unset. */
  policy?: RoutePolicy;
  /** The confidence gate's floor now: a routed local answer whose mean token probability is lower goes to the cloud. */
  confidenceFloor?: () => number | undefined;
  /** Dollar limits for cloud calls; none when unset. */
  budget?: { guard: Budget; pricing: Pricing; whenOver: 'local' | 'reject' };
  /** Per-session request, dollar and tool-loop limits; none when unset. */
  sessions?: { breaker: SessionGate; pricing: Pricing };
  /** The quality audit: told of every complete answer, it samples some and judges them in the background. */
  audit?: { afterAnswer(request: ChatRequest, decision: RouteDecision, answer: string): void };
}


const NO_RETRIES: FallbackOptions = { chain: [], lastResortLocal: false, retries: 0, maxRetryAfterSeconds: 0, backoffMs: 0 };

/** Passes records on, adding each answer's cost to its agent session's spend. */
function chargingSession(usage: UsageSink | undefined, session: { spent(usd: number): void }, pricing: Pricing): UsageSink {
  return {
    record(finished) {
      if (finished.cache === 'miss') session.spent(pricing.cost(finished.modelUsed, finished.providerKind, finished.usage, finished.generationMs) ?? 0);
      usage?.record(finished);
    },
  };
}

/** Passes records on, settling the request's budget reservation with its real cost first. */
function settling(usage: UsageSink | undefined, reservation: Reservation, pricing: Pricing): UsageSink {
  return {
    record(finished) {
      reservation.settle(finished.cache === 'miss' ? pricing.cost(finished.modelUsed, finished.providerKind, finished.usage, finished.generationMs) : 0);
      usage?.record(finished);
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

export class Pipeline {
  constructor(private readonly deps: PipelineDeps) {}

  /** Turns the semantic cache on once its embedder is loaded (a model may first need downloading). */
  attachSemantic(semantic: SemanticCache): void {
    this.deps.semantic = semantic;
  }

  async run(request: ChatRequest, context: PipelineContext): Promise<PipelineResult> {
    let decision = this.deps.policy ? routeRequest(request, this.deps.catalog, this.deps.policy, context.route, context.client) : selectRoute(request, this.deps.catalog);
    const eligible = context.cache !== 'off' && (this.deps.cacheMode === 'always' || isDeterministic(request));
    const keys = eligible && (this.deps.cache || this.deps.inFlight) ? requestKeys(request, decision.provider.name, decision.model) : undefined;
    const key = keys?.exact;

    let cache: CacheStatus = 'miss';
    let usage = this.deps.usage;
    const notes: RequestNotes = {};
    let source: AsyncIterator<ChatChunk> | undefined;
    const semantic = this.deps.semantic && !this.deps.semanticOffFor?.includes(context.client) ? keys?.semantic : undefined;
    let hit = key && context.cache !== 'refresh' ? await this.deps.cache?.get(key) : undefined;
    if (hit) {
      cache = 'exact';
      decision = { ...decision, reason: `exact cache hit (answered by ${hit.modelUsed})` };
    } else if (semantic && context.cache !== 'refresh') {
      const near = await this.deps.semantic!.decide(semantic.contextKey, semantic.question);
      const found = near && 'hit' in near ? near.hit : undefined;
      hit = found ? await this.deps.cache?.get(found.entryKey) : undefined;
      if (hit) {
        cache = 'semantic';
        decision = { ...decision, reason: `semantic cache hit, ${found!.reason} (answered by ${hit.modelUsed})` };
      } else if (near && 'refused' in near) {
        decision = { ...decision, reason: `${decision.reason}; semantic candidate refused (similarity ${near.refused.similarity.toFixed(3)}, ${near.refused.reason})` };
      }
    }
    if (hit) {
      // A cached answer costs nothing, so it is not counted; a tool loop is still one (admit checks it on a miss).
      await this.refuseForSession(() => this.deps.sessions?.breaker.checkLoop(request), request, context, decision);
      source = replayAnswer(hit);
    } else {
      const session = await this.refuseForSession(() => this.deps.sessions?.breaker.admit(request, context.client), request, context, decision);
      if (session) usage = chargingSession(usage, session, this.deps.sessions!.pricing);
      const reservation = await this.refuseForSession(() => this.reserveBudget(request, decision), request, context, decision);
      if (reservation) usage = settling(usage, reservation, this.deps.budget!.pricing);
      const start = (signal: AbortSignal) => this.answer(request, decision, key, signal, notes, context.trim !== 'off', semantic);
      if (key && this.deps.inFlight) {
        const shared = await this.deps.inFlight.join(key, context.signal, start);
        source = shared.chunks;
        if (shared.joined) cache = 'coalesced';
      } else {
        source = start(context.signal);
      }
    }
    const answered = hit ? { provider: hit.provider, kind: hit.providerKind, route: hit.route } : undefined;
    return this.follow(request, context, decision, cache, source, answered, notes, usage);
  }

  /** Runs a session or budget check; a refusal is recorded in the ledger, so the user sees it. */
  private async refuseForSession<T>(check: () => T | Promise<T>, request: ChatRequest, context: PipelineContext, decision: RouteDecision): Promise<T> {
    try {
      return await check();
    } catch (error) {
      new RequestTrace(request, decision, context, 'miss', this.deps.usage).fail(error, false);
      throw error;
    }
  }

  /**
   * Reserves the worst-case cost of a cloud call. Over budget, the request goes to the local model or is refused,
   * as configured.
   */
  private async reserveBudget(request: ChatRequest, decision: RouteDecision): Promise<Reservation | undefined> {
    const budget = this.deps.budget;
    if (!budget || decision.target !== 'cloud') return undefined;
    const reservation = await budget.guard.reserve(worstCaseCost(request, decision.model, decision.provider.kind, budget.pricing));
    if (!isRefusal(reservation)) return reservation;
    const why = `the ${reservation.limit} budget of ${usd(reservation.limitUsd)} is spent (${usd(reservation.spentUsd)} used or reserved)`;
    const local = this.deps.catalog.local;
    if (budget.whenOver === 'local' && local?.health().state === 'ready') {
      Object.assign(decision, { target: 'local', provider: local, model: 'local', reason: `over budget: ${why}` });
      return undefined;
    }
    throw new ProxyError('rate_limit', `over budget: ${why}`, { code: 'budget_exceeded' });
  }

  /**
   * Calls the provider — retrying it, or falling back along the plan, while nothing has been sent — and, for
   * cacheable requests, stores the answer once it completed successfully. `decision` is updated in place to
   * whoever answered, so headers and the ledger name them.
   */
  private async *answer(
    request: ChatRequest,
    decision: RouteDecision,
    key: string | undefined,
    signal: AbortSignal,
    notes: RequestNotes,
    trim: boolean,
    semantic?: { contextKey: string; question: string },
  ): AsyncGenerator<ChatChunk> {
    const plan = this.deps.fallback ? fallbackPlan(request, { ...decision }, this.deps.catalog, this.deps.fallback) : [decision];
    let chunks: AsyncIterator<ChatChunk> | undefined;
    let first: IteratorResult<ChatChunk> | undefined;
    let failure: unknown;
    let sent = request;
    for (const [index, candidate] of plan.entries()) {
      for (let attempt = 0; ; attempt++) {
        try {
          const fitStarted = performance.now();
          const fitted = trim && this.deps.fit ? await fitRequest(request, candidate, this.deps.fit, signal) : undefined;
          // Trimming runs inside the wait for the provider's first chunk, but it is the proxy's own time.
          notes.busyMs = (notes.busyMs ?? 0) + performance.now() - fitStarted;
          sent = fitted?.request ?? request;
          // The confidence gate applies where the router chose the local model, never where the caller did.
          const confidenceFloor = candidate.target === 'local' && request.model !== 'local' ? this.deps.confidenceFloor?.() : undefined;
          const gate = confidenceFloor !== undefined ? { confidenceFloor } : undefined;
          chunks = candidate.provider.chat(sent, candidate.model, signal, gate)[Symbol.asyncIterator]();
          first = await chunks.next();
          notes.trim = fitted;
          break;
        } catch (error) {
          failure = error;
          chunks = undefined;
          // The local model's 503 is its own back-pressure: never hammer it with retries.
          const wait = signal.aborted || candidate.target === 'local' ? undefined : retryDelayMs(error, attempt, this.deps.fallback ?? NO_RETRIES);
          if (wait === undefined) break;
          await sleep(wait, signal);
        }
      }
      if (chunks) {
        if (index > 0) Object.assign(decision, candidate, { reason: `${candidate.reason} (${plan[0]!.provider.name} failed: ${(failure as Error).message})` });
        break;
      }
      if (signal.aborted || !worthFallingBack(failure)) break;
    }
    if (!chunks || !first) throw failure;

    const recorder = key && this.deps.cache ? new AnswerRecorder() : undefined;
    let complete = false;
    const output: string[] = [];
    try {
      for (let step = first; !step.done; step = await chunks.next()) {
        let chunk = step.value;
        if (chunk.type === 'text') output.push(chunk.text);
        else if (chunk.type === 'tool_arguments') output.push(chunk.arguments);
        // Some OpenAI-compatible servers send no usage: count it ourselves, and say so.
        // The caller then gets the answer rebuilt with that count, not the upstream's usage-less text.
        else if (chunk.type === 'done' && isMissingUsage(chunk.usage)) chunk = { ...chunk, usage: await countUsage(sent, output.join(''), decision.model, signal), usageEstimated: true, wire: undefined };
        recorder?.observe(chunk);
        if (chunk.type === 'done') {
          // Stored before the caller gets `done`: a JSON caller stops reading there, so code after the loop may never run.
          this.store(recorder, decision, key, semantic);
          // The answer is complete: the audit draws now and, if drawn, starts once the caller has it.
          this.deps.audit?.afterAnswer(request, decision, output.join(''));
        }
        yield chunk;
      }
      complete = true;
    } finally {
      // A caller that stops early must stop the provider too (free the local sequence, abort the upstream read).
      if (!complete) await chunks.return?.();
    }
  }

  /** Keeps a complete answer in the exact cache, and its question in the semantic index. */
  private store(recorder: AnswerRecorder | undefined, decision: RouteDecision, key: string | undefined, semantic: { contextKey: string; question: string } | undefined): void {
    const answer = recorder?.complete({ provider: decision.provider.name, providerKind: decision.provider.kind, route: decision.target });
    if (!answer || !key) return;
    this.deps.cache!.set(key, answer, semantic);
    // An embedding that fails only costs a future semantic hit.
    if (semantic) this.deps.semantic?.add(semantic.contextKey, semantic.question, key).catch(() => undefined);
  }

  private async follow(
    request: ChatRequest,
    context: PipelineContext,
    decision: RouteDecision,
    cache: CacheStatus,
    inner: AsyncIterator<ChatChunk>,
    answered: { provider: string; kind: RouteDecision['provider']['kind']; route: RouteDecision['target'] } | undefined,
    notes: RequestNotes,
    usage: UsageSink | undefined,
  ): Promise<PipelineResult> {
    const trace = new RequestTrace(request, decision, context, cache, usage, answered, notes);
    const rest: AsyncIterator<ChatChunk> = {
      async next() {
        const started = performance.now();
        let step: IteratorResult<ChatChunk>;
        try {
          step = await inner.next();
        } catch (error) {
          trace.fail(error, context.signal.aborted);
          throw error;
        } finally {
          trace.waited += performance.now() - started;
        }
        if (!step.done) return { done: false, value: trace.observe(step.value) };
        return step;
      },
      async return(value?: unknown) {
        trace.left();
        return (await inner.return?.(value)) ?? { done: true, value: undefined };
      },
    };
    const first = await rest.next();
    if (first.done) throw new Error(`provider ${decision.provider.name} returned an empty stream`);
    return { decision, cache, first: first.value, rest, overheadMs: () => Math.max(0, performance.now() - context.arrived - trace.providerMs) };
  }
}
