/**
 * @module An upstream's Responses API answer (JSON or SSE) → ChatChunks. Text and function calls become the usual
 * chunks; every other output item (reasoning with encrypted_content, custom tool calls, web searches) travels as an
 * opaque `item` chunk so a Responses caller gets it back intact.
 */
import type { ChatChunk, FinishReason, Usage } from '../../chat.ts';
import { ProxyError } from '../../errors.ts';
import type { SseEvent } from '../upstream.ts';

type Json = Record<string, unknown>;

/** Responses usage → ours (cached and reasoning tokens are inclusive there too). */
export function usageFromResponses(raw: unknown): Usage {
  const u = (raw ?? {}) as {
    input_tokens?: number;
    output_tokens?: number;
    input_tokens_details?: { cached_tokens?: number };
    output_tokens_details?: { reasoning_tokens?: number };
  };
  return {
    inputTokens: u.input_tokens ?? 0,
    outputTokens: u.output_tokens ?? 0,
    ...(u.input_tokens_details?.cached_tokens ? { cachedInputTokens: u.input_tokens_details.cached_tokens } : {}),
    ...(u.output_tokens_details?.reasoning_tokens ? { reasoningTokens: u.output_tokens_details.reasoning_tokens } : {}),
  };
}

function finishOf(response: Json, calledTools: boolean): FinishReason {
  const reason = (response.incomplete_details as { reason?: string } | null | undefined)?.reason;
  if (response.status === 'incomplete') return reason === 'content_filter' ? 'content_filter' : 'length';
  return calledTools ? 'tool_calls' : 'stop';
}

function failure(provider: string, error: unknown): ProxyError {
  const e = (error ?? {}) as { message?: string; code?: string };
  return new ProxyError(
    'upstream',
    `${provider}: ${e.message ?? 'the response failed'}`,
    e.code ? { code: e.code } : {},
  );
}

/** The chunks of a whole (non-streamed) Responses object. */
export function* fromResponsesJson(provider: string, json: Json, model: string): Generator<ChatChunk> {
  if (!Array.isArray(json.output)) throw new ProxyError('upstream', `${provider} sent a response without output`);
  if (json.status === 'failed') throw failure(provider, json.error);
  yield { type: 'start', id: String(json.id ?? 'resp_tokenwise'), model: String(json.model ?? model) };
  let calls = 0;
  for (const item of json.output as Json[]) {
    if (item.type === 'message') {
      for (const part of (item.content as Json[] | undefined) ?? []) {
        const text = part.type === 'output_text' ? part.text : part.type === 'refusal' ? part.refusal : undefined;
        if (typeof text === 'string' && text) yield { type: 'text', text };
      }
    } else if (item.type === 'function_call') {
      const index = calls++;
      yield { type: 'tool_call', index, id: String(item.call_id), name: String(item.name) };
      if (item.arguments) yield { type: 'tool_arguments', index, arguments: String(item.arguments) };
    } else {
      yield { type: 'item', item };
    }
  }
  yield { type: 'done', finishReason: finishOf(json, calls > 0), usage: usageFromResponses(json.usage) };
}

/** The chunks of a Responses event stream, as its events arrive. */
export async function* fromResponsesStream(
  provider: string,
  events: AsyncIterable<SseEvent>,
  model: string,
): AsyncGenerator<ChatChunk> {
  let started = false;
  // output_index → our tool-call index, and whether its arguments arrived as deltas.
  const calls = new Map<number, { index: number; streamed: boolean }>();
  for await (const event of events) {
    let data: Json;
    try {
      data = JSON.parse(event.data) as Json;
    } catch {
      throw new ProxyError('upstream', `${provider} sent a stream event that is not JSON`);
    }
    const type = data.type ?? event.event;
    if (type === 'error') throw failure(provider, data.error ?? data);
    if (type === 'response.failed') throw failure(provider, (data.response as Json | undefined)?.error);
    const response = data.response as Json | undefined;
    if (!started) {
      started = true;
      yield { type: 'start', id: String(response?.id ?? 'resp_tokenwise'), model: String(response?.model ?? model) };
    }
    const item = data.item as Json | undefined;
    const at = data.output_index as number;
    switch (type) {
      case 'response.output_text.delta':
      case 'response.refusal.delta':
        if (data.delta) yield { type: 'text', text: String(data.delta) };
        break;
      case 'response.output_item.added':
        if (item?.type === 'function_call') {
          const index = calls.size;
          calls.set(at, { index, streamed: false });
          yield { type: 'tool_call', index, id: String(item.call_id), name: String(item.name) };
        }
        break;
      case 'response.function_call_arguments.delta': {
        const call = calls.get(at);
        if (call && data.delta) {
          call.streamed = true;
          yield { type: 'tool_arguments', index: call.index, arguments: String(data.delta) };
        }
        break;
      }
      case 'response.output_item.done':
        if (item?.type === 'function_call') {
          const call = calls.get(at);
          if (call && !call.streamed && item.arguments)
            yield { type: 'tool_arguments', index: call.index, arguments: String(item.arguments) };
        } else if (item && item.type !== 'message') yield { type: 'item', item };
        break;
      case 'response.completed':
      case 'response.incomplete':
        yield {
          type: 'done',
          finishReason: finishOf(response ?? {}, calls.size > 0),
          usage: usageFromResponses(response?.usage),
        };
        return;
    }
  }
  throw new ProxyError('upstream', `${provider} stream ended without response.completed`);
}
