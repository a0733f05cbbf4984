/**
 * @module The request flow, in order: route → cache lookup (exact, then semantic) → budget → coalescing → trim for
 * the tier → provider (with retries and fallbacks; storing complete answers) → usage record. The only place that
 * knows the order of the levers; each lever is one door (`cache/`, `router/`, `context/`, `usage/`, `providers/`
 * `index.ts`) of plain functions and classes without HTTP types, so the whole flow runs in tests without a socket.
 */
import {
  AnswerCache,
  replayAnswer,
  type CacheDirective,
  type CacheSlot,
  type CallSharing,
  type AnswerStore,
  type SemanticCache,
} from './cache/index.ts';
import type { ChatChunk, ChatRequest } from './chat.ts';
import { fitRequest, type FitOptions } from './context/index.ts';
import {
  Router,
  type Budget,
  type FallbackOptions,
  type ModelCatalog,
  type Reservation,
  type RouteDecision,
  type RouteOverride,
  type RoutePolicy,
  type SessionGate,
} from './router/index.ts';
import {
  answerCost,
  countUsage,
  isMissingUsage,
  paidCost,
  RequestTrace,
  type CacheStatus,
  type Pricing,
  type RequestNotes,
  type UsageSink,
} from './usage/index.ts';

export type { UsageSink } from './usage/index.ts';
export type { CacheDirective } from './cache/index.ts';

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

/** Passes records on, adding each answer's cost to its agent session's spend. */
function chargingSession(
  usage: UsageSink | undefined,
  session: { spent(usd: number): void },
  pricing: Pricing,
): UsageSink {
  return {
    record(finished) {
      if (finished.cache === 'miss') session.spent(answerCost(finished, pricing) ?? 0);
      usage?.record(finished);
    },
  };
}

/** Passes records on, settling the request's budget reservation with its real cost first. */
function settling(usage: UsageSink | undefined, reservation: Reservation, pricing: Pricing): UsageSink {
  return {
    record(finished) {
      reservation.settle(paidCost(finished, pricing));
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

/** Who is answering: the routed decision until a fallback answers instead. */
interface Answering {
  decision: RouteDecision;
}

export class Pipeline {
  private readonly cache: AnswerCache;
  private readonly router: Router;

  constructor(private readonly deps: PipelineDeps) {
    this.cache = new AnswerCache({
      store: deps.cache,
      inFlight: deps.inFlight,
      semantic: deps.semantic,
      semanticOffFor: deps.semanticOffFor,
      mode: deps.cacheMode,
    });
    this.router = new Router({
      catalog: deps.catalog,
      policy: deps.policy,
      confidenceFloor: deps.confidenceFloor,
      budget: deps.budget,
      fallback: deps.fallback,
    });
  }

  /** Turns the semantic cache on once its embedder is loaded (a model may first need downloading). */
  attachSemantic(semantic: SemanticCache): void {
    this.cache.attachSemantic(semantic);
  }

  async run(request: ChatRequest, context: PipelineContext): Promise<PipelineResult> {
    const routed = this.router.decide(request, context.route, context.client);
    const lookup = await this.cache.lookup(
      request,
      { provider: routed.provider.name, model: routed.model },
      context.cache,
      context.client,
    );
    const hit = lookup.hit;
    let cache: CacheStatus = hit?.status ?? 'miss';
    let usage = this.deps.usage;
    const notes: RequestNotes = {};
    let source: AsyncIterator<ChatChunk>;
    const answering: Answering = {
      decision: hit
        ? { ...routed, reason: hit.reason }
        : lookup.refused
          ? { ...routed, reason: `${routed.reason}; ${lookup.refused}` }
          : routed,
    };
    if (hit) {
      // A cached answer costs nothing, so it is not counted; a tool loop is still one (admit checks it on a miss).
      await this.refuseForSession(
        () => this.deps.sessions?.breaker.checkLoop(request),
        request,
        context,
        answering.decision,
      );
      source = replayAnswer(hit.answer);
    } else {
      const session = await this.refuseForSession(
        () => this.deps.sessions?.breaker.admit(request, context.client),
        request,
        context,
        answering.decision,
      );
      if (session) usage = chargingSession(usage, session, this.deps.sessions!.pricing);
      const budgeted = await this.refuseForSession(
        () => this.router.reserve(request, answering.decision),
        request,
        context,
        answering.decision,
      );
      answering.decision = budgeted.decision;
      if (budgeted.reservation) usage = settling(usage, budgeted.reservation, this.deps.budget!.pricing);
      const start = (signal: AbortSignal) =>
        this.answer(request, answering, lookup.slot, signal, notes, context.trim !== 'off');
      const shared = await this.cache.share(lookup.slot, context.signal, start);
      source = shared.chunks;
      if (shared.joined) cache = 'coalesced';
    }
    const answered = hit
      ? { provider: hit.answer.provider, kind: hit.answer.providerKind, route: hit.answer.route }
      : undefined;
    return this.follow(request, context, answering, cache, source, answered, notes, usage);
  }

  /** Runs a session or budget check; a refusal is recorded in the ledger, so the user sees it. */
  private async refuseForSession<T>(
    check: () => T | Promise<T>,
    request: ChatRequest,
    context: PipelineContext,
    decision: RouteDecision,
  ): Promise<T> {
    try {
      return await check();
    } catch (error) {
      new RequestTrace(request, () => decision, context, 'miss', this.deps.usage).fail(error, false);
      throw error;
    }
  }

  /**
   * Calls the provider — retrying it, or falling back along the router's plan, while nothing has been sent — and, for
   * cacheable requests, stores the answer once it completed successfully. `answering` then names whoever answered,
   * so headers and the ledger name them.
   */
  private async *answer(
    request: ChatRequest,
    answering: Answering,
    slot: CacheSlot | undefined,
    signal: AbortSignal,
    notes: RequestNotes,
    trim: boolean,
  ): AsyncGenerator<ChatChunk> {
    const plan = this.router.plan(request, answering.decision);
    let chunks: AsyncIterator<ChatChunk> | undefined;
    let first: IteratorResult<ChatChunk> | undefined;
    let failure: unknown;
    let sent = request;
    for (const [index, call] of plan.entries()) {
      for (let attempt = 0; ; attempt++) {
        try {
          const fitStarted = performance.now();
          const fitted =
            trim && this.deps.fit ? await fitRequest(request, call.decision, this.deps.fit, signal) : undefined;
          // Trimming runs inside the wait for the provider's first chunk, but it is the proxy's own time.
          notes.busyMs = (notes.busyMs ?? 0) + performance.now() - fitStarted;
          sent = fitted?.request ?? request;
          chunks = call.decision.provider
            .chat(sent, call.decision.model, signal, this.router.gate(call))
            [Symbol.asyncIterator]();
          first = await chunks.next();
          notes.trim = fitted;
          break;
        } catch (error) {
          failure = error;
          chunks = undefined;
          const wait = signal.aborted ? undefined : this.router.retryDelayMs(call, error, attempt);
          if (wait === undefined) break;
          await sleep(wait, signal);
        }
      }
      if (chunks) {
        if (index > 0) answering.decision = this.router.answeredBy(plan, index, failure);
        break;
      }
      if (signal.aborted || !this.router.worthFallingBack(failure)) break;
    }
    if (!chunks || !first) throw failure;

    const decision = answering.decision;
    const recorder = this.cache.recorder(slot);
    let complete = false;
    const output: string[] = [];
    try {
      for (let step = first; !step.done; step = await chunks.next()) {
        let chunk = step.value;
        if (chunk.type === 'text') output.push(chunk.text);
        else if (chunk.type === 'tool_arguments') output.push(chunk.arguments);
        // Some OpenAI-compatible servers send no usage: count it ourselves, and say so.
        // The caller then gets the answer rebuilt with that count (a new chunk: the upstream's usage-less text no longer goes with it).
        else if (chunk.type === 'done' && isMissingUsage(chunk.usage))
          chunk = {
            ...chunk,
            usage: await countUsage(sent, output.join(''), decision.model, signal),
            usageEstimated: true,
          };
        recorder?.observe(chunk);
        if (chunk.type === 'done') {
          // Stored before the caller gets `done`: a JSON caller stops reading there, so code after the loop may never run.
          this.cache.store(slot, recorder, {
            provider: decision.provider.name,
            providerKind: decision.provider.kind,
            route: decision.target,
          });
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

  private async follow(
    request: ChatRequest,
    context: PipelineContext,
    answering: Answering,
    cache: CacheStatus,
    inner: AsyncIterator<ChatChunk>,
    answered: { provider: string; kind: RouteDecision['provider']['kind']; route: RouteDecision['target'] } | undefined,
    notes: RequestNotes,
    usage: UsageSink | undefined,
  ): Promise<PipelineResult> {
    const trace = new RequestTrace(request, () => answering.decision, context, cache, usage, answered, notes);
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
    if (first.done) throw new Error(`provider ${answering.decision.provider.name} returned an empty stream`);
    return {
      decision: answering.decision,
      cache,
      first: first.value,
      rest,
      overheadMs: () => Math.max(0, performance.now() - context.arrived - trace.providerMs),
    };
  }
}
