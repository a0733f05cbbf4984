/**
 * @module The one internal request/response shape. `api/` converts the OpenAI and Anthropic wire formats to and
 * from it; providers, and every lever after them, only ever see these types.
 */
import { answeredAs, wireAnswerOf } from './wire.ts';

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export type ContentPart =
  | { type: 'text'; text: string }
  /** An image passed through untouched: a URL (http or data:) or base64 data with its media type. */
  | { type: 'image'; url?: string; mediaType?: string; data?: string; detail?: string };

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text, exactly as the model produced it (it may be invalid JSON: that is the caller's to judge). */
  arguments: string;
}

export interface ChatMessage {
  role: Role;
  content: ContentPart[];
  /** Assistant messages that call tools. */
  toolCalls?: ToolCall[];
  /** Tool messages: the call they answer. */
  toolCallId?: string;
  /** Tool messages whose result is an error (Anthropic `is_error`). */
  isError?: boolean;
}

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON schema of the arguments. */
  parameters: Record<string, unknown>;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name?: string; schema: Record<string, unknown>; strict?: boolean };

export interface ChatRequest {
  /** The model the caller asked for: `auto`, `local`, or a provider's model name. */
  model: string;
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  responseFormat?: ResponseFormat;
  /** How hard a reasoning model should think (OpenAI's `reasoning_effort`: none, minimal, low … as the caller sent it). */
  reasoningEffort?: string;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  seed?: number;
  stop?: string[];
  stream: boolean;
  /** The caller wants a usage record at the end of a stream (OpenAI `stream_options.include_usage`). */
  streamUsage?: boolean;
  /** Opaque per-user identifier from the caller, forwarded where the upstream understands it. */
  user?: string;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** Input tokens read from the provider's prompt cache (part of inputTokens). */
  cachedInputTokens?: number;
  /** Input tokens written to the provider's prompt cache (part of inputTokens). */
  cacheWriteTokens?: number;
  /** Of the cache writes, those kept for an hour (Anthropic bills them higher; part of cacheWriteTokens). */
  cacheWrite1hTokens?: number;
  /** Output tokens spent on hidden reasoning (part of outputTokens). */
  reasoningTokens?: number;
}

export interface ChatResponse {
  id: string;
  /** The model that actually answered. */
  model: string;
  text: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  /** The stop sequence that ended the answer, when one did. */
  stopSequence?: string;
  usage: Usage;
  /** Output items only the caller's own API can express (see the `item` chunk). */
  items?: Record<string, unknown>[];
}

/** One piece of a streamed answer. Every stream ends with exactly one `done` chunk, or throws. */
export type ChatChunk =
  | { type: 'start'; id: string; model: string; inputTokens?: number }
  | { type: 'text'; text: string }
  | { type: 'tool_call'; index: number; id: string; name: string }
  | { type: 'tool_arguments'; index: number; arguments: string }
  /**
   * An output item only the Responses API can express (a reasoning item with encrypted_content, a custom tool call,
   * a web search call), relayed whole to a Responses caller and ignored by the other APIs; or, for an Anthropic caller
   * answered by Anthropic, a signed `thinking` / `redacted_thinking` block it must send back on its next turn.
   */
  | { type: 'item'; item: Record<string, unknown> }
  | {
      type: 'done';
      finishReason: FinishReason;
      stopSequence?: string;
      usage: Usage /** counted by the proxy: the provider reported none */;
      usageEstimated?: boolean;
    };

/** The plain text of a message's text parts. */
export function textOf(message: ChatMessage): string {
  let text = '';
  for (const part of message.content) if (part.type === 'text') text += part.text;
  return text;
}

/** Folds a chunk stream into one response: how non-streaming callers are served by a streaming provider. */
export async function collect(chunks: AsyncIterable<ChatChunk>): Promise<ChatResponse> {
  const response: ChatResponse = {
    id: '',
    model: '',
    text: '',
    toolCalls: [],
    finishReason: 'stop',
    usage: { inputTokens: 0, outputTokens: 0 },
  };
  for await (const chunk of chunks) {
    switch (chunk.type) {
      case 'start':
        response.id = chunk.id;
        response.model = chunk.model;
        break;
      case 'text':
        response.text += chunk.text;
        break;
      case 'tool_call':
        response.toolCalls[chunk.index] = { id: chunk.id, name: chunk.name, arguments: '' };
        break;
      case 'tool_arguments':
        response.toolCalls[chunk.index]!.arguments += chunk.arguments;
        break;
      case 'item':
        // A Responses caller renders these from the chunks themselves; an Anthropic caller gets its thinking blocks.
        (response.items ??= []).push(chunk.item);
        break;
      case 'done':
        response.finishReason = chunk.finishReason;
        response.stopSequence = chunk.stopSequence;
        response.usage = chunk.usage;
        // The caller's own API relays the upstream's answer as it came (see wire.ts).
        return answeredAs(response, wireAnswerOf(chunk));
      default:
        chunk satisfies never;
    }
  }
  throw new Error('stream ended without a final chunk');
}
