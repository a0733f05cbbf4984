/**
 * @module ChatRequest → Anthropic Messages body, for requests that arrived in OpenAI's shape: system messages move
 * to `system`, tool results become tool_result blocks in a user turn, consecutive same-role turns merge.
 */
import type { ChatRequest, ContentPart } from '../../chat.ts';
import { badRequest } from '../../errors.ts';

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
  const system = request.messages
    .filter((m) => m.role === 'system')
    .flatMap((m) => m.content.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text));
  const turns: { role: 'user' | 'assistant'; content: Block[] }[] = [];
  const push = (role: 'user' | 'assistant', blocks: Block[]) => {
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };
  for (const message of request.messages) {
    if (message.role === 'system') continue;
    if (message.role === 'tool') {
      push('user', [
        {
          type: 'tool_result',
          tool_use_id: message.toolCallId,
          content: message.content.map(encodePart),
          ...(message.isError ? { is_error: true } : {}),
        },
      ]);
    } else if (message.role === 'assistant') {
      push('assistant', [
        ...message.content.map(encodePart),
        ...(message.toolCalls ?? []).map((c) => ({
          type: 'tool_use',
          id: c.id,
          name: c.name,
          input: parseArguments(c.arguments),
        })),
      ]);
    } else {
      push('user', message.content.map(encodePart));
    }
  }
  return {
    model,
    ...(system.length ? { system: system.join('\n\n') } : {}),
    messages: turns,
    ...encodeSettings(request),
    stream: request.stream,
  };
}

/**
 * Thinking budgets for OpenAI's reasoning efforts (`none` is Claude's default: no thinking). The largest plus the
 * default answer room stays under 32,000 output tokens, the smallest limit of a current Claude model.
 */
const THINKING_BUDGET: Record<string, number> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 16384,
  xhigh: 24576,
  max: 27648,
};
/** Anthropic's smallest thinking budget. */
const MIN_THINKING_BUDGET = 1024;

/**
 * Everything but the conversation, each setting mapped to Anthropic's equivalent or refused with a 400 naming the
 * caller's field (in chat-completions words; api/ renames them for other callers): never silently left out.
 */
function encodeSettings(request: ChatRequest): Record<string, unknown> {
  const format = request.responseFormat;
  if (format?.type === 'json_object') {
    throw badRequest(
      'response_format: Anthropic has no JSON mode without a schema (its structured outputs take one): send {"type":"json_schema"} with a schema, or use an OpenAI model',
      'response_format',
    );
  }
  const blank = request.stop?.find((s) => !s.trim());
  if (blank !== undefined)
    throw badRequest(
      `stop: Anthropic refuses a stop sequence that is only whitespace (${JSON.stringify(blank)})`,
      'stop',
    );
  const thinking = encodeThinking(request);
  const tools = request.tools?.length ? request.tools : undefined;
  const choice = request.toolChoice;
  const toolChoice =
    !tools || !choice
      ? undefined
      : choice === 'auto'
        ? { type: 'auto' }
        : choice === 'none'
          ? { type: 'none' }
          : choice === 'required'
            ? { type: 'any' }
            : { type: 'tool', name: choice.name };
  const serial = tools && request.parallelToolCalls === false && choice !== 'none';
  return {
    max_tokens: thinking
      ? (request.maxTokens ?? DEFAULT_MAX_TOKENS + thinking.budget_tokens)
      : (request.maxTokens ?? DEFAULT_MAX_TOKENS),
    ...(thinking ? { thinking } : {}),
    ...(tools
      ? {
          tools: tools.map((t) => ({
            name: t.name,
            ...(t.description ? { description: t.description } : {}),
            input_schema: t.parameters,
          })),
        }
      : {}),
    ...(toolChoice || serial
      ? { tool_choice: { ...(toolChoice ?? { type: 'auto' }), ...(serial ? { disable_parallel_tool_use: true } : {}) } }
      : {}),
    ...(format?.type === 'json_schema'
      ? { output_config: { format: { type: 'json_schema', schema: format.schema } } }
      : {}),
    // OpenAI's temperature runs to 2, Anthropic's to 1.
    ...(request.temperature !== undefined ? { temperature: Math.min(1, request.temperature) } : {}),
    ...(request.topP !== undefined ? { top_p: request.topP } : {}),
    ...(request.stop ? { stop_sequences: request.stop } : {}),
    ...(request.user ? { metadata: { user_id: request.user } } : {}),
  };
}

/** OpenAI's reasoning effort as a thinking budget, within what Anthropic accepts alongside the other settings. */
function encodeThinking(request: ChatRequest): { type: 'enabled'; budget_tokens: number } | undefined {
  const effort = request.reasoningEffort;
  if (!effort || effort === 'none') return undefined;
  // Mid tool loop, Claude wants the signed thinking that preceded its tool calls back, which no other API's caller
  // holds: that turn goes without thinking (the answer's form is the same), rather than fail.
  if (request.messages.findLast((m) => m.role === 'assistant')?.toolCalls?.length) return undefined;
  const budget = THINKING_BUDGET[effort];
  if (budget === undefined)
    throw badRequest(
      `reasoning_effort: no thinking budget for ${JSON.stringify(effort)} on Claude (expected none, ${Object.keys(THINKING_BUDGET).join(', ')})`,
      'reasoning_effort',
    );
  if (request.temperature !== undefined && request.temperature !== 1)
    throw badRequest(
      'temperature: Claude thinks only at temperature 1; leave it out when asking for reasoning',
      'temperature',
    );
  if (request.tools?.length && (request.toolChoice === 'required' || typeof request.toolChoice === 'object')) {
    throw badRequest(
      'tool_choice: Claude cannot be forced to call a tool while it thinks; use "auto" when asking for reasoning',
      'tool_choice',
    );
  }
  if (request.maxTokens === undefined) return { type: 'enabled', budget_tokens: budget };
  if (request.maxTokens <= MIN_THINKING_BUDGET) {
    throw badRequest(
      `reasoning_effort: Claude's thinking needs at least ${MIN_THINKING_BUDGET} tokens, more than the output limit of ${request.maxTokens} leaves`,
      'reasoning_effort',
    );
  }
  // Both APIs count reasoning inside the output limit; the budget must leave room under it.
  return { type: 'enabled', budget_tokens: Math.min(budget, request.maxTokens - 1) };
}
