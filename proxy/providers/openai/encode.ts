/**
 * @module ChatRequest → OpenAI chat-completions body, for requests that did not arrive in that shape (e.g. from
 * the Anthropic endpoint) or that a lever changed.
 */
import type { ChatMessage, ChatRequest, ContentPart } from '../../chat.ts';
import { badRequest } from '../../errors.ts';

function encodePart(part: ContentPart): Record<string, unknown> {
  if (part.type === 'text') return { type: 'text', text: part.text };
  const url = part.url ?? `data:${part.mediaType};base64,${part.data}`;
  return { type: 'image_url', image_url: part.detail ? { url, detail: part.detail } : { url } };
}

function encodeContent(content: ContentPart[]): string | Record<string, unknown>[] {
  return content.every((p) => p.type === 'text')
    ? content.map((p) => (p as { text: string }).text).join('')
    : content.map(encodePart);
}

function encodeMessage(message: ChatMessage): Record<string, unknown> {
  switch (message.role) {
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: encodeContent(message.content) };
    case 'assistant':
      return {
        role: 'assistant',
        content: message.content.length ? encodeContent(message.content) : null,
        ...(message.toolCalls?.length
          ? {
              tool_calls: message.toolCalls.map((c) => ({
                id: c.id,
                type: 'function',
                function: { name: c.name, arguments: c.arguments },
              })),
            }
          : {}),
      };
    default:
      return { role: message.role, content: encodeContent(message.content) };
  }
}

/** Chat completions take at most this many stop sequences (Anthropic callers may send more). */
const MAX_STOPS = 4;

/** The request body for `POST /chat/completions`; a setting it cannot carry is a 400, never left out. */
export function encodeChatCompletion(request: ChatRequest, model: string): Record<string, unknown> {
  const format = request.responseFormat;
  if (request.stop && request.stop.length > MAX_STOPS)
    throw badRequest(
      `stop: OpenAI-compatible models take at most ${MAX_STOPS} stop sequences, not ${request.stop.length}`,
      'stop',
    );
  // tool_choice and parallel_tool_calls without tools are refused upstream; without tools they mean nothing anyway.
  const tools = request.tools?.length ? request.tools : undefined;
  return {
    model,
    messages: request.messages.map(encodeMessage),
    ...(tools
      ? {
          tools: tools.map((t) => ({
            type: 'function',
            function: { name: t.name, description: t.description, parameters: t.parameters },
          })),
        }
      : {}),
    ...(tools && request.toolChoice
      ? {
          tool_choice:
            typeof request.toolChoice === 'string'
              ? request.toolChoice
              : { type: 'function', function: { name: request.toolChoice.name } },
        }
      : {}),
    ...(tools && request.parallelToolCalls !== undefined ? { parallel_tool_calls: request.parallelToolCalls } : {}),
    ...(format
      ? {
          response_format:
            format.type === 'json_schema'
              ? {
                  type: 'json_schema',
                  json_schema: { name: format.name ?? 'response', schema: format.schema, strict: format.strict },
                }
              : format,
        }
      : {}),
    ...(request.reasoningEffort ? { reasoning_effort: request.reasoningEffort } : {}),
    ...(request.maxTokens !== undefined ? { max_completion_tokens: request.maxTokens } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.topP !== undefined ? { top_p: request.topP } : {}),
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    ...(request.stop ? { stop: request.stop } : {}),
    ...(request.user ? { user: request.user } : {}),
    stream: request.stream,
  };
}
