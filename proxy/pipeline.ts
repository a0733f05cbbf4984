/**
 * @module The request flow, in order. The only place that knows the order of the levers; everything it calls is a
 * plain function or class without HTTP types, so the whole flow runs in tests without a socket.
 */
import type { ChatChunk, ChatRequest, Usage } from './chat.ts';
import { ProxyError } from './errors.ts';
import { selectRoute, type ModelCatalog, type RouteDecision } from './router/select.ts';
import { estimateRequestTokens, estimateTextTokens } from './usage/estimate.ts';
import type { FinishedRequest } from './usage/record.ts';

export interface PipelineContext {
  /** Aborted when the caller goes away: generation and upstream calls stop. */
  signal: AbortSignal;
  /** The tool that sent the request (for usage split by tool). */
  client: string;
  api: 'openai' | 'anthropic';
  /** `performance.now()` when the request arrived. */
  arrived: number;
}

export interface PipelineResult {
  decision: RouteDecision;
  /** The first chunk, already received: errors before it surface as ordinary HTTP errors. */
  first: ChatChunk;
  rest: AsyncIterator<ChatChunk>;
  /** Milliseconds spent in the proxy itself so far: elapsed time minus time waiting on the provider. */
  overheadMs(): number;
}

export interface UsageSink {
  record(finished: FinishedRequest): void;
}

export class Pipeline {
  constructor(private readonly catalog: ModelCatalog, private readonly usage?: UsageSink) {}

  async run(request: ChatRequest, context: PipelineContext): Promise<PipelineResult> {
    const decision = selectRoute(request, this.catalog);
    const inner = decision.provider.chat(request, decision.model, context.signal)[Symbol.asyncIterator]();
    const trace = new RequestTrace(request, decision, context, this.usage);
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
        trace.fail(new ProxyError('invalid_request', 'the caller closed the connection', { status: 499 }), true);
        return (await inner.return?.(value)) ?? { done: true, value: undefined };
      },
    };
    const first = await rest.next();
    if (first.done) throw new Error(`provider ${decision.provider.name} returned an empty stream`);
    return { decision, first: first.value, rest, overheadMs: () => Math.max(0, performance.now() - context.arrived - trace.waited) };
  }
}

/** Follows one request's chunks to build its usage record when it ends, however it ends. */
class RequestTrace {
  waited = 0;
  private firstChunkMs: number | undefined;
  private outputText: string[] = [];
  private recorded = false;
  private modelUsed: string;

  constructor(
    private readonly request: ChatRequest,
    private readonly decision: RouteDecision,
    private readonly context: PipelineContext,
    private readonly usage: UsageSink | undefined,
  ) {
    this.modelUsed = decision.model;
  }

  observe(chunk: ChatChunk): ChatChunk {
    switch (chunk.type) {
      case 'start':
        this.modelUsed = chunk.model;
        return chunk;
      case 'text':
        this.firstChunkMs ??= performance.now() - this.context.arrived;
        this.outputText.push(chunk.text);
        return chunk;
      case 'tool_call':
        this.firstChunkMs ??= performance.now() - this.context.arrived;
        this.outputText.push(chunk.name);
        return chunk;
      case 'tool_arguments':
        this.outputText.push(chunk.arguments);
        return chunk;
      case 'done': {
        // Some OpenAI-compatible servers send no usage: count it ourselves, and say so in the ledger.
        const estimated = !chunk.usage || (chunk.usage.inputTokens === 0 && chunk.usage.outputTokens === 0);
        const usage: Usage = estimated ? { inputTokens: estimateRequestTokens(this.request), outputTokens: estimateTextTokens(this.outputText.join('')) } : chunk.usage!;
        this.finish(200, usage, estimated);
        return estimated ? { ...chunk, usage } : chunk;
      }
      default:
        chunk satisfies never;
        return chunk;
    }
  }

  fail(error: unknown, callerLeft: boolean): void {
    const status = callerLeft ? 499 : error instanceof ProxyError ? error.status : 500;
    const message = callerLeft ? 'the caller closed the connection' : error instanceof ProxyError ? error.message : 'internal error';
    this.finish(status, { inputTokens: 0, outputTokens: 0 }, false, message);
  }

  private finish(status: number, usage: Usage, tokensEstimated: boolean, error?: string): void {
    if (this.recorded || !this.usage) return;
    this.recorded = true;
    const latencyMs = performance.now() - this.context.arrived;
    this.usage.record({
      time: Date.now(),
      client: this.context.client,
      api: this.context.api,
      modelAsked: this.request.model,
      modelUsed: this.modelUsed,
      provider: this.decision.provider.name,
      providerKind: this.decision.provider.kind,
      route: this.decision.target,
      reason: this.decision.reason,
      cache: 'miss',
      stream: this.request.stream,
      status,
      ...(error ? { error } : {}),
      usage,
      tokensEstimated,
      originalInputTokens: usage.inputTokens,
      latencyMs,
      ...(this.firstChunkMs !== undefined ? { firstChunkMs: this.firstChunkMs } : {}),
      overheadMs: Math.max(0, latencyMs - this.waited),
      generationMs: this.decision.target === 'local' ? this.waited : 0,
    });
  }
}
