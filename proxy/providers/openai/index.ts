/**
 * @module Any OpenAI-compatible upstream (OpenAI, OpenRouter, Groq, Together, vLLM, Ollama, llama.cpp server): a base
 * URL and a key. Streams are relayed event by event as they arrive, never re-buffered.
 */
import type { ChatChunk, ChatRequest, FinishReason, Usage } from '../../chat.ts';
import { answeredAs, wireOf, type WireAnswer } from '../../wire.ts';
import { ProxyError } from '../../errors.ts';
import { CloudProvider } from '../cloud.ts';
import { readJson, readJsonText, sseEvents } from '../upstream.ts';
import { encodeChatCompletion } from './encode.ts';
import { fromResponsesJson, fromResponsesStream } from './responses.ts';

const finishReasons = new Set<FinishReason>(['stop', 'length', 'tool_calls', 'content_filter']);
const finish = (reason: unknown): FinishReason =>
  finishReasons.has(reason as FinishReason)
    ? (reason as FinishReason)
    : reason === 'function_call'
      ? 'tool_calls'
      : 'stop';

/** OpenAI usage → ours (cached and reasoning tokens are already inclusive there). */
export function usageFromOpenAI(raw: unknown): Usage | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const u = raw as {
    prompt_tokens?: number;
    completion_tokens?: number;
    prompt_tokens_details?: { cached_tokens?: number };
    completion_tokens_details?: { reasoning_tokens?: number };
  };
  return {
    inputTokens: u.prompt_tokens ?? 0,
    outputTokens: u.completion_tokens ?? 0,
    ...(u.prompt_tokens_details?.cached_tokens ? { cachedInputTokens: u.prompt_tokens_details.cached_tokens } : {}),
    ...(u.completion_tokens_details?.reasoning_tokens
      ? { reasoningTokens: u.completion_tokens_details.reasoning_tokens }
      : {}),
  };
}

export class OpenAIProvider extends CloudProvider {
  readonly kind = 'openai';

  async *chat(request: ChatRequest, model: string, signal: AbortSignal): AsyncGenerator<ChatChunk> {
    const wire = wireOf(request);
    if (wire?.api === 'responses') {
      yield* this.respond(wire.body, request.stream, model, signal);
      return;
    }
    const body =
      wire?.api === 'openai' ? { ...wire.body, model, stream: request.stream } : encodeChatCompletion(request, model);
    // Always ask for usage on streams: the ledger needs it; the caller only sees it if it asked (api/ decides).
    if (request.stream) body.stream_options = { ...(body.stream_options as object | undefined), include_usage: true };
    const response = await this.post('/chat/completions', body, signal, {
      authorization: `Bearer ${this.options.apiKey}`,
    });
    if (!request.stream) {
      const { json, text } = await readJsonText(this.name, response);
      // An OpenAI caller gets this answer as it came; anyone else gets it rebuilt from the chunks.
      yield* this.fromJson(json, model, wire?.api === 'openai' ? { api: 'openai', text } : undefined);
      return;
    }
    yield* this.fromStream(sseEvents(this.name, response, this.options.idleTimeoutMs), model);
  }

  /** A Responses caller's own body goes to `/responses` as it came (model swapped): reasoning items and custom tools survive. */
  private async *respond(
    source: Record<string, unknown>,
    stream: boolean,
    model: string,
    signal: AbortSignal,
  ): AsyncGenerator<ChatChunk> {
    const body = { ...source, model, ...(stream || 'stream' in source ? { stream } : {}) };
    const response = await this.post('/responses', body, signal, { authorization: `Bearer ${this.options.apiKey}` });
    if (!stream) yield* fromResponsesJson(this.name, await readJson(this.name, response), model);
    else yield* fromResponsesStream(this.name, sseEvents(this.name, response, this.options.idleTimeoutMs), model);
  }

  private *fromJson(json: Record<string, unknown>, model: string, wire?: WireAnswer): Generator<ChatChunk> {
    const choice = (
      json.choices as
        | {
            message?: {
              content?: string | null;
              tool_calls?: { id: string; function: { name: string; arguments: string } }[];
            };
            finish_reason?: string;
          }[]
        | undefined
    )?.[0];
    if (!choice?.message) throw new ProxyError('upstream', `${this.name} sent a completion without choices`);
    yield { type: 'start', id: String(json.id ?? 'chatcmpl-tokenwise'), model: String(json.model ?? model) };
    if (choice.message.content) yield { type: 'text', text: choice.message.content };
    for (const [index, call] of (choice.message.tool_calls ?? []).entries()) {
      yield { type: 'tool_call', index, id: call.id, name: call.function.name };
      if (call.function.arguments) yield { type: 'tool_arguments', index, arguments: call.function.arguments };
    }
    yield answeredAs(
      {
        type: 'done',
        finishReason: finish(choice.finish_reason),
        usage: usageFromOpenAI(json.usage) ?? { inputTokens: 0, outputTokens: 0 },
      },
      wire,
    );
  }

  private async *fromStream(events: AsyncIterable<{ data: string }>, model: string): AsyncGenerator<ChatChunk> {
    let started = false;
    let finishReason: FinishReason | undefined;
    let usage: Usage | undefined;
    for await (const event of events) {
      if (event.data === '[DONE]') {
        if (!started) throw new ProxyError('upstream', `${this.name} ended the stream before any answer`);
        yield {
          type: 'done',
          finishReason: finishReason ?? 'stop',
          usage: usage ?? { inputTokens: 0, outputTokens: 0 },
        };
        return;
      }
      let chunk: {
        id?: string;
        model?: string;
        error?: { message?: string };
        usage?: unknown;
        choices?: {
          delta?: {
            content?: string | null;
            tool_calls?: { index: number; id?: string; function?: { name?: string; arguments?: string } }[];
          };
          finish_reason?: string | null;
        }[];
      };
      try {
        chunk = JSON.parse(event.data);
      } catch {
        throw new ProxyError('upstream', `${this.name} sent a stream event that is not JSON`);
      }
      if (chunk.error) throw new ProxyError('upstream', `${this.name}: ${chunk.error.message ?? 'error mid-stream'}`);
      if (!started) {
        started = true;
        yield { type: 'start', id: chunk.id ?? 'chatcmpl-tokenwise', model: chunk.model ?? model };
      }
      usage = usageFromOpenAI(chunk.usage) ?? usage;
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      if (choice.delta?.content) yield { type: 'text', text: choice.delta.content };
      for (const call of choice.delta?.tool_calls ?? []) {
        if (call.id && call.function?.name)
          yield { type: 'tool_call', index: call.index, id: call.id, name: call.function.name };
        if (call.function?.arguments)
          yield { type: 'tool_arguments', index: call.index, arguments: call.function.arguments };
      }
      if (choice.finish_reason) finishReason = finish(choice.finish_reason);
    }
    throw new ProxyError('upstream', `${this.name} stream ended without [DONE]`);
  }
}
