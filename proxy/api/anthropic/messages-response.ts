/**
 * @module ChatResponse / ChatChunk → Anthropic Messages JSON and SSE (message_start … message_stop), in the event
 * order Anthropic's SDKs accumulate.
 */
import type { ServerResponse } from 'node:http';
import type { ChatChunk, ChatResponse, FinishReason, Usage } from '../../chat.ts';
import { writeEvent } from '../sse.ts';

const stopReasons: Record<FinishReason, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
};

function stopReason(finish: FinishReason, stopSequence: string | undefined): string {
  return stopSequence !== undefined ? 'stop_sequence' : stopReasons[finish];
}

/** Anthropic counts cached tokens apart from `input_tokens`; ours are inclusive. */
export function anthropicUsage(usage: Usage) {
  const cacheRead = usage.cachedInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteTokens ?? 0;
  return {
    input_tokens: Math.max(0, usage.inputTokens - cacheRead - cacheWrite),
    output_tokens: usage.outputTokens,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
  };
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text || '{}');
  } catch {
    return {};
  }
}

/** Anthropic's signed reasoning, relayed to an Anthropic caller as an `item` chunk. */
export function isThinkingBlock(item: Record<string, unknown>): boolean {
  return item.type === 'thinking' || item.type === 'redacted_thinking';
}

/** A whole `message` object. */
export function messageJson(response: ChatResponse) {
  const content: Record<string, unknown>[] = (response.items ?? []).filter(isThinkingBlock);
  if (response.text.length) content.push({ type: 'text', text: response.text });
  for (const call of response.toolCalls)
    content.push({ type: 'tool_use', id: call.id, name: call.name, input: parseArguments(call.arguments) });
  return {
    id: response.id,
    type: 'message',
    role: 'assistant',
    model: response.model,
    content,
    stop_reason: stopReason(response.finishReason, response.stopSequence),
    stop_sequence: response.stopSequence ?? null,
    usage: anthropicUsage(response.usage),
  };
}

/** Writes a chunk stream as Anthropic's event sequence, opening and closing content blocks as they change. */
export class MessageStream {
  private blockIndex = -1;
  private openBlock: 'text' | 'tool' | 'thinking' | null = null;

  constructor(private readonly res: ServerResponse) {}

  write(chunk: ChatChunk): void {
    switch (chunk.type) {
      case 'start':
        writeEvent(this.res, 'message_start', {
          type: 'message_start',
          message: {
            id: chunk.id,
            type: 'message',
            role: 'assistant',
            model: chunk.model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: {
              input_tokens: chunk.inputTokens ?? 0,
              output_tokens: 0,
              cache_creation_input_tokens: 0,
              cache_read_input_tokens: 0,
            },
          },
        });
        return;
      case 'text':
        if (this.openBlock !== 'text') this.open('text', { type: 'text', text: '' });
        writeEvent(this.res, 'content_block_delta', {
          type: 'content_block_delta',
          index: this.blockIndex,
          delta: { type: 'text_delta', text: chunk.text },
        });
        return;
      case 'tool_call':
        this.open('tool', { type: 'tool_use', id: chunk.id, name: chunk.name, input: {} });
        return;
      case 'tool_arguments':
        writeEvent(this.res, 'content_block_delta', {
          type: 'content_block_delta',
          index: this.blockIndex,
          delta: { type: 'input_json_delta', partial_json: chunk.arguments },
        });
        return;
      case 'item':
        if (isThinkingBlock(chunk.item)) this.writeThinking(chunk.item);
        return;
      case 'done':
        this.close();
        writeEvent(this.res, 'message_delta', {
          type: 'message_delta',
          delta: {
            stop_reason: stopReason(chunk.finishReason, chunk.stopSequence),
            stop_sequence: chunk.stopSequence ?? null,
          },
          usage: anthropicUsage(chunk.usage),
        });
        writeEvent(this.res, 'message_stop', { type: 'message_stop' });
        return;
      default:
        chunk satisfies never;
    }
  }

  /** An error after the stream began: Anthropic's SDKs raise on an `error` event. */
  fail(body: Record<string, unknown>): void {
    writeEvent(this.res, 'error', body);
  }

  /** A whole thinking block, in the events Anthropic streams it with: start, the thinking, the signature, stop. */
  private writeThinking(block: Record<string, unknown>): void {
    if (block.type === 'redacted_thinking') {
      this.open('thinking', block);
    } else {
      this.open('thinking', { type: 'thinking', thinking: '', signature: '' });
      const delta = (d: Record<string, unknown>) =>
        writeEvent(this.res, 'content_block_delta', { type: 'content_block_delta', index: this.blockIndex, delta: d });
      if (typeof block.thinking === 'string' && block.thinking)
        delta({ type: 'thinking_delta', thinking: block.thinking });
      if (typeof block.signature === 'string') delta({ type: 'signature_delta', signature: block.signature });
    }
    this.close();
  }

  private open(kind: 'text' | 'tool' | 'thinking', block: Record<string, unknown>): void {
    this.close();
    this.blockIndex += 1;
    this.openBlock = kind;
    writeEvent(this.res, 'content_block_start', {
      type: 'content_block_start',
      index: this.blockIndex,
      content_block: block,
    });
  }

  private close(): void {
    if (this.openBlock === null) return;
    writeEvent(this.res, 'content_block_stop', { type: 'content_block_stop', index: this.blockIndex });
    this.openBlock = null;
  }
}
