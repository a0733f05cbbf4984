/**
 * @module OpenAI Responses body → ChatRequest. The caller's body travels along whole (`source`), so an OpenAI
 * upstream gets it unchanged; the internal request is what any other target answers from. Items and tools the
 * internal shape cannot express (reasoning, `custom` / `web_search` / `tool_search` / `namespace` tools) are listed
 * in `source.unmapped` rather than refused: Codex sends them on every turn.
 */
import type { ChatMessage, ChatRequest, ContentPart, ResponseFormat, ToolChoice, ToolDefinition } from '../../chat.ts';
import { badRequest } from '../../errors.ts';
import * as v from '../validate.ts';
import { parsedFrom } from '../../wire.ts';

const roles: Record<string, ChatMessage['role']> = {
  user: 'user',
  assistant: 'assistant',
  system: 'system',
  developer: 'system',
};

/** Parses a `POST /v1/responses` body. */
export function parseResponsesRequest(input: unknown): ChatRequest {
  const body = v.object(input, 'body');
  const model = v.nonEmptyString(body.model, 'model');
  const unmapped = new Set<string>();
  const messages: ChatMessage[] = [];
  const instructions = v.optionalString(body.instructions, 'instructions');
  if (instructions) messages.push({ role: 'system', content: [{ type: 'text', text: instructions }] });
  messages.push(...parseInput(body.input, unmapped));
  if (!messages.some((m) => m.role !== 'system'))
    throw badRequest('input: contains no message, function call or function output', 'input');
  if (body.previous_response_id !== undefined && body.previous_response_id !== null)
    unmapped.add(`previous_response_id (earlier turns only OpenAI knows)`);
  v.optionalBoolean(body.store, 'store');
  v.optionalArray(body.include, 'include')?.forEach((x, i) => v.string(x, `include[${i}]`));
  v.optionalString(body.prompt_cache_key, 'prompt_cache_key');
  v.optionalObject(body.metadata, 'metadata');
  const text = v.optionalObject(body.text, 'text');
  const reasoning = v.optionalObject(body.reasoning, 'reasoning');
  const tools = v.optionalArray(body.tools, 'tools');

  return parsedFrom(
    {
      model,
      messages,
      tools: tools && parseTools(tools, unmapped),
      toolChoice: parseToolChoice(body.tool_choice, unmapped),
      parallelToolCalls: v.optionalBoolean(body.parallel_tool_calls, 'parallel_tool_calls'),
      responseFormat: text ? parseFormat(text.format) : undefined,
      reasoningEffort: reasoning ? v.optionalString(reasoning.effort, 'reasoning.effort') : undefined,
      maxTokens: v.optionalNumber(body.max_output_tokens, 'max_output_tokens', 1, 1e9, true),
      temperature: v.optionalNumber(body.temperature, 'temperature', 0, 2),
      topP: v.optionalNumber(body.top_p, 'top_p', 0, 1),
      stream: v.optionalBoolean(body.stream, 'stream') ?? false,
      user: v.optionalString(body.user, 'user') ?? v.optionalString(body.safety_identifier, 'safety_identifier'),
    },
    { api: 'responses', body, ...(unmapped.size ? { unmapped: [...unmapped] } : {}) },
  );
}

function parseInput(input: unknown, unmapped: Set<string>): ChatMessage[] {
  if (typeof input === 'string') {
    if (!input.length) throw badRequest('input: must not be empty', 'input');
    return [{ role: 'user', content: [{ type: 'text', text: input }] }];
  }
  if (input === undefined || input === null)
    throw badRequest('input: field required (a string or an array of items)', 'input');
  const items = v.array(input, 'input');
  if (!items.length) throw badRequest('input: must contain at least one item', 'input');
  const messages: ChatMessage[] = [];
  const calls = new Set<string>();
  items.forEach((raw, i) => {
    const at = `input[${i}]`;
    const item = v.object(raw, at);
    const type = item.type === undefined ? 'message' : v.string(item.type, `${at}.type`);
    if (type === 'message') {
      const message = parseMessage(item, at, unmapped);
      if (message.content.length) messages.push(message);
    } else if (type === 'function_call' || (type.endsWith('_call') && typeof item.call_id === 'string')) {
      // Custom and shell calls become ordinary tool calls, so a target that sees their outputs sees a valid pairing.
      const id = v.nonEmptyString(item.call_id, `${at}.call_id`);
      const name =
        type === 'function_call'
          ? v.nonEmptyString(item.name, `${at}.name`)
          : typeof item.name === 'string'
            ? item.name
            : type;
      const args =
        type === 'function_call'
          ? v.string(item.arguments ?? '{}', `${at}.arguments`)
          : JSON.stringify(typeof item.input === 'string' ? { input: item.input } : (item.action ?? item.input ?? {}));
      const last = messages.at(-1);
      const call = { id, name, arguments: args };
      if (last?.role === 'assistant') (last.toolCalls ??= []).push(call);
      else messages.push({ role: 'assistant', content: [], toolCalls: [call] });
      calls.add(id);
    } else if (type.endsWith('_output') && item.call_id !== undefined) {
      const id = v.nonEmptyString(item.call_id, `${at}.call_id`);
      // An output whose call is not in this history cannot be paired on another API: drop it rather than fail there.
      if (!calls.has(id)) unmapped.add(`${type} without its call`);
      else messages.push({ role: 'tool', toolCallId: id, content: parseOutput(item.output, `${at}.output`, unmapped) });
    } else {
      unmapped.add(type === 'reasoning' ? 'reasoning items' : `${type} items`);
    }
  });
  return messages;
}

function parseMessage(item: Record<string, unknown>, at: string, unmapped: Set<string>): ChatMessage {
  const role = v.string(item.role, `${at}.role`);
  const internal = roles[role];
  if (!internal)
    throw badRequest(
      `${at}.role: unknown role "${role}" (expected user, assistant, system or developer)`,
      `${at}.role`,
    );
  return { role: internal, content: parseContent(item.content, `${at}.content`, unmapped) };
}

function parseContent(input: unknown, at: string, unmapped: Set<string>): ContentPart[] {
  if (typeof input === 'string') return input.length ? [{ type: 'text', text: input }] : [];
  const parts: ContentPart[] = [];
  v.array(input, at).forEach((raw, i) => {
    const where = `${at}[${i}]`;
    const part = v.object(raw, where);
    const type = v.string(part.type, `${where}.type`);
    if (type === 'input_text' || type === 'output_text')
      parts.push({ type: 'text', text: v.string(part.text, `${where}.text`) });
    else if (type === 'refusal') parts.push({ type: 'text', text: v.string(part.refusal, `${where}.refusal`) });
    else if (type === 'input_image' && part.image_url !== undefined && part.image_url !== null) {
      parts.push({
        type: 'image',
        url: v.nonEmptyString(part.image_url, `${where}.image_url`),
        detail: v.optionalString(part.detail, `${where}.detail`),
      });
    } else unmapped.add(type === 'input_image' ? 'input_image by file_id' : `${type} content`);
  });
  return parts.filter((p) => p.type !== 'text' || p.text.length > 0);
}

function parseOutput(input: unknown, at: string, unmapped: Set<string>): ContentPart[] {
  if (input === undefined || input === null) return [];
  if (typeof input === 'string' || Array.isArray(input)) return parseContent(input, at, unmapped);
  // Some call types answer with an object (e.g. a shell's stdout and exit code): keep it readable as JSON.
  return [{ type: 'text', text: JSON.stringify(input) }];
}

function parseTools(tools: unknown[], unmapped: Set<string>): ToolDefinition[] | undefined {
  const out: ToolDefinition[] = [];
  tools.forEach((raw, i) => {
    const at = `tools[${i}]`;
    const tool = v.object(raw, at);
    const type = v.string(tool.type, `${at}.type`);
    if (type !== 'function') {
      unmapped.add(`${type} tool${typeof tool.name === 'string' ? ` "${tool.name}"` : ''}`);
      return;
    }
    const parameters = v.optionalObject(tool.parameters, `${at}.parameters`) ?? { type: 'object', properties: {} };
    out.push({
      name: v.nonEmptyString(tool.name, `${at}.name`),
      description: v.optionalString(tool.description, `${at}.description`),
      parameters,
    });
  });
  return out.length ? out : undefined;
}

function parseToolChoice(input: unknown, unmapped: Set<string>): ToolChoice | undefined {
  if (input === undefined || input === null) return undefined;
  if (input === 'auto' || input === 'none' || input === 'required') return input;
  const choice = v.object(input, 'tool_choice');
  const type = v.string(choice.type, 'tool_choice.type');
  if (type === 'function') return { name: v.nonEmptyString(choice.name, 'tool_choice.name') };
  unmapped.add(`tool_choice "${type}"`);
  return undefined;
}

function parseFormat(input: unknown): ResponseFormat | undefined {
  if (input === undefined || input === null) return undefined;
  const format = v.object(input, 'text.format');
  if (format.type === 'text' || format.type === 'json_object') return { type: format.type };
  if (format.type === 'json_schema') {
    return {
      type: 'json_schema',
      name: v.optionalString(format.name, 'text.format.name'),
      schema: v.object(format.schema, 'text.format.schema'),
      strict: v.optionalBoolean(format.strict, 'text.format.strict'),
    };
  }
  throw badRequest('text.format.type: expected "text", "json_object" or "json_schema"', 'text.format.type');
}
