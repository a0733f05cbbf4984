/**
 * @module Follows one request's chunks to build its usage record when it ends, however it ends: completed, failed
 * before or after the first chunk, or left by its caller.
 */
import type { ChatChunk, ChatRequest, Usage } from '../chat.ts';
import type { StrategyReport } from '../context/index.ts';
import { ProxyError } from '../errors.ts';
import type { ProviderKind } from '../providers/index.ts';
import { sessionId, type RouteDecision } from '../router/index.ts';
import { countUsage } from './estimate.ts';
import type { FinishedRequest } from './record.ts';

export type CacheStatus = FinishedRequest['cache'];

/** What the pipeline learns about a request while answering it. */
export interface RequestNotes {
  trim?: { tokensBefore: number; tokensAfter: number; report: StrategyReport[] };
  /** Milliseconds of the proxy's own work (trimming, counting) done while the trace was waiting for chunks. */
  busyMs?: number;
}

export interface UsageSink {
  record(finished: FinishedRequest): void;
}

interface TraceContext {
  client: string;
  api: 'openai' | 'anthropic' | 'responses';
  arrived: number;
}

export class RequestTrace {
  /** Time spent waiting on the provider (or the shared call, or the cache). */
  waited = 0;
  private firstChunkMs: number | undefined;
  private recorded = false;
  private modelUsed: string;
  /** What the caller was sent so far: a cut answer is billed by the upstream for it, so the ledger counts it. */
  private readonly output: string[] = [];
  private started = false;

  /** Time spent waiting on the provider alone: the wait minus the proxy's own work inside it. */
  get providerMs(): number {
    return Math.max(0, this.waited - (this.notes.busyMs ?? 0));
  }

  constructor(
    private readonly request: ChatRequest,
    /** Who answers: read when the request ends, as a fallback may answer instead of the routed provider. */
    private readonly answering: () => RouteDecision,
    private readonly context: TraceContext,
    private readonly cache: CacheStatus,
    private readonly usage: UsageSink | undefined,
    /** Who produced a cached answer (the decision names who would have). */
    private readonly answered?: { provider: string; kind: ProviderKind; route: RouteDecision['target'] },
    /** Filled in by the pipeline when it trimmed the request. */
    private readonly notes: RequestNotes = {},
  ) {
    this.modelUsed = answering().model;
  }

  observe(chunk: ChatChunk): ChatChunk {
    this.started = true;
    switch (chunk.type) {
      case 'start':
        this.modelUsed = chunk.model;
        return chunk;
      case 'text':
        this.firstChunkMs ??= performance.now() - this.context.arrived;
        this.output.push(chunk.text);
        return chunk;
      case 'tool_call':
        this.firstChunkMs ??= performance.now() - this.context.arrived;
        this.output.push(chunk.name);
        return chunk;
      case 'tool_arguments':
        this.output.push(chunk.arguments);
        return chunk;
      case 'item':
        return chunk;
      case 'done':
        this.finish(200, chunk.usage, chunk.usageEstimated ?? false);
        return chunk;
      default:
        chunk satisfies never;
        return chunk;
    }
  }

  fail(error: unknown, callerLeft: boolean): void {
    if (callerLeft) return this.left();
    const status = error instanceof ProxyError ? error.status : 500;
    this.end(status, error instanceof ProxyError ? error.message : 'internal error');
  }

  left(): void {
    this.end(499, 'the caller closed the connection');
  }

  /**
   * Records a request that ended without its usage. Once an answer began, the provider bills the prompt and what it
   * streamed: those are estimated with the model's tokenizer, so the ledger and the budget count them. A cached
   * or shared answer cost this caller nothing.
   */
  private end(status: number, error: string): void {
    if (this.recorded || !this.usage) return;
    if (!this.started || this.cache !== 'miss')
      return this.finish(status, { inputTokens: 0, outputTokens: 0 }, false, error);
    this.recorded = true;
    // The provider counted the trimmed prompt: its size is known already.
    void countUsage(this.request, this.output.join(''), this.modelUsed).then(
      (usage) =>
        this.finish(
          status,
          this.notes.trim ? { ...usage, inputTokens: this.notes.trim.tokensAfter } : usage,
          true,
          error,
          true,
        ),
      () => this.finish(status, { inputTokens: 0, outputTokens: 0 }, false, error, true),
    );
  }

  private finish(status: number, usage: Usage, tokensEstimated: boolean, error?: string, claimed = false): void {
    if ((this.recorded && !claimed) || !this.usage) return;
    this.recorded = true;
    const latencyMs = performance.now() - this.context.arrived;
    const decision = this.answering();
    const route = this.answered?.route ?? decision.target;
    const trim = this.notes.trim;
    // Every field spelled out, none spread in: this runs once per request (see withPrice in usage/record.ts).
    this.usage.record({
      time: Date.now(),
      client: this.context.client,
      conversation: sessionId(this.request),
      api: this.context.api,
      modelAsked: this.request.model,
      modelUsed: this.modelUsed,
      provider: this.answered?.provider ?? decision.provider.name,
      providerKind: this.answered?.kind ?? decision.provider.kind,
      route,
      reason: decision.reason,
      cache: this.cache,
      stream: this.request.stream,
      status,
      error,
      usage,
      tokensEstimated,
      // The provider counted the trimmed prompt; the baseline pays for what the caller sent.
      originalInputTokens: usage.inputTokens + (trim ? trim.tokensBefore - trim.tokensAfter : 0),
      trim: trim?.report,
      latencyMs,
      firstChunkMs: this.firstChunkMs,
      overheadMs: Math.max(0, latencyMs - this.providerMs),
      generationMs: route === 'local' && this.cache === 'miss' ? this.providerMs : 0,
    });
  }
}
