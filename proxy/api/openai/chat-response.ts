/**
 * @module ChatResponse / ChatChunk → OpenAI chat-completions JSON and SSE, exactly as the openai SDKs expect.
 */
import type { ServerResponse } from 'node:http';
import type { ChatChunk, ChatResponse, Usage } from '../../chat.ts';
import { writeData } from '../sse.ts';

/** OpenAI's usage object from ours. */
export function openaiUsage(usage: Usage) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedInputTokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
  };
}

/** A whole chat.completion object. */
export function chatCompletionJson(response: ChatResponse, created = Math.floor(Date.now() / 1000)) {
  const toolCalls = response.toolCalls.map((c) => ({
    id: c.id,
    type: 'function',
    function: { name: c.name, arguments: c.arguments },
  }));
  return {
    id: response.id,
    object: 'chat.completion',
    created,
    model: response.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: response.text.length || !toolCalls.length ? response.text : null,
          refusal: null,
          ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: response.finishReason,
      },
    ],
    usage: openaiUsage(response.usage),
  };
}

/** Writes a chunk stream as `chat.completion.chunk` events ending in `data: [DONE]`. */
export class ChatCompletionStream {
  private readonly created = Math.floor(Date.now() / 1000);
  private id = '';
  private model = '';

  constructor(
    private readonly res: ServerResponse,
    private readonly includeUsage: boolean,
  ) {}

  write(chunk: ChatChunk): void {
    switch (chunk.type) {
      case 'start':
        this.id = chunk.id;
        this.model = chunk.model;
        this.emit({ role: 'assistant', content: '' }, null);
        return;
      case 'text':
        this.emit({ content: chunk.text }, null);
        return;
      case 'tool_call':
        this.emit(
          {
            tool_calls: [
              { index: chunk.index, id: chunk.id, type: 'function', function: { name: chunk.name, arguments: '' } },
            ],
          },
          null,
        );
        return;
      case 'tool_arguments':
        this.emit({ tool_calls: [{ index: chunk.index, function: { arguments: chunk.arguments } }] }, null);
        return;
      case 'item':
        return;
      case 'done':
        this.emit({}, chunk.finishReason);
        if (this.includeUsage)
          writeData(this.res, { ...this.envelope(), choices: [], usage: openaiUsage(chunk.usage) });
        writeData(this.res, '[DONE]');
        return;
      default:
        chunk satisfies never;
    }
  }

  /** An error after the stream began: OpenAI's SDKs raise on a chunk that carries `error`. */
  fail(body: Record<string, unknown>): void {
    writeData(this.res, body);
  }

  private emit(delta: Record<string, unknown>, finishReason: string | null): void {
    writeData(this.res, {
      ...this.envelope(),
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(this.includeUsage ? { usage: null } : {}),
    });
  }

  private envelope() {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model };
  }
}
