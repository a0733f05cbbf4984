/**
 * @module The request flow, in order. The only place that knows the order of the levers; everything it calls is a
 * plain function or class without HTTP types, so the whole flow runs in tests without a socket.
 */
import type { ChatChunk, ChatRequest } from './chat.ts';
import { selectRoute, type ModelCatalog, type RouteDecision } from './router/select.ts';

export interface PipelineContext {
  /** Aborted when the caller goes away: generation and upstream calls stop. */
  signal: AbortSignal;
}

export interface PipelineResult {
  decision: RouteDecision;
  /** The first chunk, already received: errors before it surface as ordinary HTTP errors. */
  first: ChatChunk;
  rest: AsyncIterator<ChatChunk>;
  /** Milliseconds spent waiting on the provider so far (the part of latency that is not ours). */
  providerMs(): number;
}

export class Pipeline {
  constructor(private readonly catalog: ModelCatalog) {}

  async run(request: ChatRequest, context: PipelineContext): Promise<PipelineResult> {
    const decision = selectRoute(request, this.catalog);
    let waited = 0;
    const inner = decision.provider.chat(request, decision.model, context.signal)[Symbol.asyncIterator]();
    const rest: AsyncIterator<ChatChunk> = {
      async next() {
        const started = performance.now();
        try {
          return await inner.next();
        } finally {
          waited += performance.now() - started;
        }
      },
      async return(value?: unknown) {
        return (await inner.return?.(value)) ?? { done: true, value: undefined };
      },
    };
    const first = await rest.next();
    if (first.done) throw new Error(`provider ${decision.provider.name} returned an empty stream`);
    return { decision, first: first.value, rest, providerMs: () => waited };
  }
}
