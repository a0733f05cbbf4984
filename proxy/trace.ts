/**
 * @module Follows one request's chunks to build its usage record when it ends, however it ends: completed, failed
 * before or after the first chunk, or left by its caller.
 */
import type { ChatChunk, ChatRequest, Usage } from './chat.ts';
import { ProxyError } from './errors.ts';
import type { ProviderKind } from './providers/provider.ts';
import type { RouteDecision } from './router/select.ts';
import type { StrategyReport } from './context/strategy.ts';
import type { FinishedRequest } from './usage/record.ts';

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

  /** Time spent waiting on the provider alone: the wait minus the proxy's own work inside it. */
  get providerMs(): number {
    return Math.max(0, this.waited - (this.notes.busyMs ?? 0));
  }

  constructor(
    private readonly request: ChatRequest,
    private readonly decision: RouteDecision,
    private readonly context: TraceContext,
    private readonly cache: CacheStatus,
    private readonly usage: UsageSink | undefined,
    /** Who produced a cached answer (the decision names who would have). */
    private readonly answered?: { provider: string; kind: ProviderKind; route: RouteDecision['target'] },
    /** Filled in by the pipeline when it trimmed the request. */
    private readonly notes: RequestNotes = {},
  ) {
    this.modelUsed = decision.model;
  }

  observe(chunk: ChatChunk): ChatChunk {
    switch (chunk.type) {
      case 'start':
        this.modelUsed = chunk.model;
        return chunk;
      case 'text':
      case 'tool_call':
        this.firstChunkMs ??= performance.now() - this.context.arrived;
        return chunk;
      case 'tool_arguments':
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
    this.finish(status, { inputTokens: 0, outputTokens: 0 }, false, error instanceof ProxyError ? error.message : 'internal error');
  }

  left(): void {
    this.finish(499, { inputTokens: 0, outputTokens: 0 }, false, 'the caller closed the connection');
  }

  private finish(status: number, usage: Usage, tokensEstimated: boolean, error?: string): void {
    if (this.recorded || !this.usage) return;
    this.recorded = true;
    const latencyMs = performance.now() - this.context.arrived;
    const route = this.answered?.route ?? this.decision.target;
    const trim = this.notes.trim;
    // Every field spelled out, none spread in: this runs once per request (see withPrice in usage/record.ts).
    this.usage.record({
      time: Date.now(),
      client: this.context.client,
      api: this.context.api,
      modelAsked: this.request.model,
      modelUsed: this.modelUsed,
      provider: this.answered?.provider ?? this.decision.provider.name,
      providerKind: this.answered?.kind ?? this.decision.provider.kind,
      route,
      reason: this.decision.reason,
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
