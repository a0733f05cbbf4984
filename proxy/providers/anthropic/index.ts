/**
 * @module Anthropic's native Messages API. Anthropic-shaped requests are forwarded as sent (so the client's own
 * cache_control breakpoints survive); OpenAI-shaped ones are translated, and answers translated back.
 */
import type { ChatChunk, ChatRequest, FinishReason, Usage } from '../../chat.ts';
import { ProxyError } from '../../errors.ts';
import { wireOf, type WireRequest } from '../../wire.ts';
import { CloudProvider, type CloudProviderOptions } from '../cloud.ts';
import { readJson, sseEvents, type SseEvent } from '../upstream.ts';
import { encodeMessages } from './encode.ts';
import { addCacheBreakpoints } from './prompt-cache.ts';

export interface AnthropicProviderOptions extends CloudProviderOptions {
  /** Add cache_control breakpoints to long stable prefixes (never on top of a client's own). */
  promptCaching: boolean;
}

/** The Messages API version this translation speaks. */
const ANTHROPIC_VERSION = '2023-06-01';

const finishReasons: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
  pause_turn: 'stop',
};

interface AnthropicUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_creation?: { ephemeral_1h_input_tokens?: number } | null;
}

/** Anthropic counts cache reads and writes apart from input_tokens; ours are inclusive. */
export function usageFromAnthropic(u: AnthropicUsage | undefined): Usage {
  const cacheRead = u?.cache_read_input_tokens ?? 0;
  const cacheWrite = u?.cache_creation_input_tokens ?? 0;
  return {
    inputTokens: (u?.input_tokens ?? 0) + cacheRead + cacheWrite,
    outputTokens: u?.output_tokens ?? 0,
    ...(cacheRead ? { cachedInputTokens: cacheRead } : {}),
    ...(cacheWrite ? { cacheWriteTokens: cacheWrite } : {}),
    ...(u?.cache_creation?.ephemeral_1h_input_tokens
      ? { cacheWrite1hTokens: u.cache_creation.ephemeral_1h_input_tokens }
      : {}),
  };
}

/** The Messages body sent for a request: the caller's own when it spoke this API, with breakpoints added where they pay. */
export function anthropicBody(request: ChatRequest, model: string, promptCaching: boolean): Record<string, unknown> {
  const wire = wireOf(request);
  const sent =
    wire?.api === 'anthropic' ? { ...wire.body, model, stream: request.stream } : encodeMessages(request, model);
  return promptCaching ? addCacheBreakpoints(sent) : sent;
}

/** The caller's own Anthropic body, while the request is unchanged since parsing. */
function anthropicWire(request: ChatRequest): WireRequest | undefined {
  const wire = wireOf(request);
  return wire?.api === 'anthropic' ? wire : undefined;
}

const isThinking = (type: unknown) => type === 'thinking' || type === 'redacted_thinking';

export class AnthropicProvider extends CloudProvider<AnthropicProviderOptions> {
  readonly kind = 'anthropic';

  async *chat(request: ChatRequest, model: string, signal: AbortSignal): AsyncGenerator<ChatChunk> {
    const passthrough = anthropicWire(request);
    const body = anthropicBody(request, model, this.options.promptCaching);
    const response = await this.post(
      '/v1/messages',
      body,
      signal,
      { 'x-api-key': this.options.apiKey! },
      { 'anthropic-version': ANTHROPIC_VERSION, ...passthrough?.headers },
    );
    // Signed thinking blocks go back to an Anthropic caller, which must resend them with its tool results.
    const relayThinking = passthrough !== undefined;
    if (!request.stream) {
      yield* this.fromJson(await readJson(this.name, response), model, relayThinking);
      return;
    }
    yield* this.fromStream(sseEvents(this.name, response, this.options.idleTimeoutMs), model, relayThinking);
  }

  /** `POST /v1/messages/count_tokens`: Anthropic's own count for an Anthropic-shaped request. */
  async countTokens(request: ChatRequest, model: string, signal: AbortSignal): Promise<number> {
    const passthrough = anthropicWire(request);
    const {
      max_tokens: _max,
      stream: _stream,
      ...body
    } = passthrough ? { ...passthrough.body, model } : encodeMessages(request, model);
    const response = await this.post(
      '/v1/messages/count_tokens',
      body,
      signal,
      { 'x-api-key': this.options.apiKey! },
      { 'anthropic-version': ANTHROPIC_VERSION, ...passthrough?.headers },
    );
    const json = await readJson(this.name, response);
    if (typeof json.input_tokens !== 'number')
      throw new ProxyError('upstream', `${this.name} sent a token count without input_tokens`);
    return json.input_tokens;
  }

  private *fromJson(json: Record<string, unknown>, model: string, relayThinking: boolean): Generator<ChatChunk> {
    const content = json.content as
      | { type: string; text?: string; id?: string; name?: string; input?: unknown }[]
      | undefined;
    if (!Array.isArray(content)) throw new ProxyError('upstream', `${this.name} sent a message without content`);
    yield { type: 'start', id: String(json.id ?? 'msg_tokenwise'), model: String(json.model ?? model) };
    let tools = 0;
    for (const block of content) {
      if (relayThinking && isThinking(block.type)) yield { type: 'item', item: block };
      if (block.type === 'text' && block.text) yield { type: 'text', text: block.text };
      if (block.type === 'tool_use') {
        const index = tools++;
        yield { type: 'tool_call', index, id: block.id!, name: block.name! };
        yield { type: 'tool_arguments', index, arguments: JSON.stringify(block.input ?? {}) };
      }
    }
    yield {
      type: 'done',
      finishReason: finishReasons[String(json.stop_reason)] ?? 'stop',
      ...(json.stop_sequence ? { stopSequence: String(json.stop_sequence) } : {}),
      usage: usageFromAnthropic(json.usage as AnthropicUsage),
    };
  }

  private async *fromStream(
    events: AsyncIterable<SseEvent>,
    model: string,
    relayThinking: boolean,
  ): AsyncGenerator<ChatChunk> {
    let usage: AnthropicUsage = {};
    // A thinking block is relayed whole once it ends: its signature comes last.
    let thinking: { index: number; block: Record<string, any> } | undefined;
    let finishReason: FinishReason = 'stop';
    let stopSequence: string | undefined;
    let tools = 0;
    const toolIndexOfBlock = new Map<number, number>();
    for await (const event of events) {
      let data: Record<string, any>;
      try {
        data = JSON.parse(event.data);
      } catch {
        throw new ProxyError('upstream', `${this.name} sent a stream event that is not JSON`);
      }
      switch (data.type) {
        case 'message_start':
          usage = { ...data.message?.usage };
          yield {
            type: 'start',
            id: data.message?.id ?? 'msg_tokenwise',
            model: data.message?.model ?? model,
            inputTokens: usageFromAnthropic(usage).inputTokens,
          };
          break;
        case 'content_block_start':
          if (relayThinking && isThinking(data.content_block?.type))
            thinking = { index: data.index, block: { ...data.content_block } };
          if (data.content_block?.type === 'tool_use') {
            toolIndexOfBlock.set(data.index, tools);
            yield { type: 'tool_call', index: tools++, id: data.content_block.id, name: data.content_block.name };
          }
          break;
        case 'content_block_delta':
          if (data.delta?.type === 'text_delta') yield { type: 'text', text: data.delta.text };
          else if (data.delta?.type === 'input_json_delta' && data.delta.partial_json)
            yield {
              type: 'tool_arguments',
              index: toolIndexOfBlock.get(data.index) ?? 0,
              arguments: data.delta.partial_json,
            };
          else if (thinking && thinking.index === data.index && data.delta?.type === 'thinking_delta')
            thinking.block.thinking = (thinking.block.thinking ?? '') + data.delta.thinking;
          else if (thinking && thinking.index === data.index && data.delta?.type === 'signature_delta')
            thinking.block.signature = (thinking.block.signature ?? '') + data.delta.signature;
          break;
        case 'content_block_stop':
          if (thinking && thinking.index === data.index) {
            yield { type: 'item', item: thinking.block };
            thinking = undefined;
          }
          break;
        case 'message_delta':
          // message_delta carries cumulative counts; newer API versions repeat input and cache counts here too.
          usage = {
            ...usage,
            ...Object.fromEntries(Object.entries(data.usage ?? {}).filter(([, value]) => value !== null)),
          };
          finishReason = finishReasons[data.delta?.stop_reason] ?? 'stop';
          stopSequence = data.delta?.stop_sequence ?? undefined;
          break;
        case 'message_stop':
          yield {
            type: 'done',
            finishReason,
            ...(stopSequence ? { stopSequence } : {}),
            usage: usageFromAnthropic(usage),
          };
          return;
        case 'error':
          throw new ProxyError('upstream', `${this.name}: ${data.error?.message ?? 'error mid-stream'}`);
      }
    }
    throw new ProxyError('upstream', `${this.name} stream ended without message_stop`);
  }
}
