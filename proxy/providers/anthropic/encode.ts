/**
 * @module ChatRequest → Anthropic Messages body, for requests that arrived in OpenAI's shape: system messages move
 * to `system`, tool results become tool_result blocks in a user turn, consecutive same-role turns merge.
 */
import type { ChatRequest, ContentPart } from '../../chat.ts';

/** Anthropic requires max_tokens; OpenAI callers often omit it. */
export const DEFAULT_MAX_TOKENS = 4096;

type Block = Record<string, unknown>;

function encodePart(part: ContentPart): Block {
  if (part.type === 'text') return { type: 'text', text: part.text };
  if (part.data) return { type: 'image', source: { type: 'base64', media_type: part.mediaType, data: part.data } };
  const inline = part.url?.match(/^data:([^;]+);base64,(.*)$/s);
  if (inline) return { type: 'image', source: { type: 'base64', media_type: inline[1], data: inline[2] } };
  return { type: 'image', source: { type: 'url', url: part.url } };
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text || '{}');
  } catch {
    return {};
  }
}

/** The request body for `POST /v1/messages`. */
export function encodeMessages(request: ChatRequest, model: string): Record<string, unknown> {
  const system = request.messages.filter((m) => m.role === 'system').flatMap((m) => m.content.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text));
  const turns: { role: 'user' | 'assistant'; content: Block[] }[] = [];
  const push = (role: 'user' | 'assistant', blocks: Block[]) => {
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };
  for (const message of request.messages) {
    if (message.role === 'system') continue;
    if (message.role === 'tool') {
      push('user', [{ type: 'tool_result', tool_use_id: message.toolCallId, content: message.content.map(encodePart), ...(message.isError ? { is_error: true } : {}) }]);
    } else if (message.role === 'assistant') {
      push('assistant', [...message.content.map(encodePart), ...(message.toolCalls ?? []).map((c) => ({ type: 'tool_use', id: c.id, name: c.name, input: parseArguments(c.arguments) }))]);
    } else {
      push('user', message.content.map(encodePart));
    }
  }
  const choice = request.toolChoice;
  return {
    model,
    max_tokens: request.maxTokens ?? DEFAULT_MAX_TOKENS,
    ...(system.length ? { system: system.join('\n\n') } : {}),
    messages: turns,
    ...(request.tools?.length && choice !== 'none' ? { tools: request.tools.map((t) => ({ name: t.name, ...(t.description ? { description: t.description } : {}), input_schema: t.parameters })) } : {}),
    ...(choice && choice !== 'none' && request.tools?.length
      ? { tool_choice: choice === 'auto' ? { type: 'auto' } : choice === 'required' ? { type: 'any' } : { type: 'tool', name: choice.name } }
      : {}),
    // OpenAI's temperature runs to 2, Anthropic's to 1.
    ...(request.temperature !== undefined ? { temperature: Math.min(1, request.temperature) } : {}),
    ...(request.topP !== undefined ? { top_p: request.topP } : {}),
    ...(request.stop ? { stop_sequences: request.stop } : {}),
    ...(request.user ? { metadata: { user_id: request.user } } : {}),
    stream: request.stream,
  };
}
