/**
 * @module Anthropic Messages body → ChatRequest. tool_result blocks become tool messages (Anthropic carries them
 * inside a user turn); system may be a string or text blocks.
 */
import type { ChatMessage, ChatRequest, ContentPart, ResponseFormat, ToolChoice, ToolDefinition } from '../../chat.ts';
import { badRequest } from '../../errors.ts';
import * as v from '../validate.ts';
import { parsedFrom } from '../../wire.ts';

/** Request headers an Anthropic upstream gets as the client sent them: the API version and the beta features. */
const FORWARDED_HEADERS = ['anthropic-version', 'anthropic-beta'];

/** Parses a `POST /v1/messages` body; `headers` are the caller's, for the ones an Anthropic upstream should see. */
export function parseMessagesRequest(
  input: unknown,
  headers: Record<string, string | string[] | undefined> = {},
): ChatRequest {
  const body = v.object(input, 'body');
  const model = v.nonEmptyString(body.model, 'model');
  const maxTokens = v.optionalNumber(body.max_tokens, 'max_tokens', 1, 1e9, true);
  if (maxTokens === undefined) throw badRequest('max_tokens: field required', 'max_tokens');
  const messagesIn = v.array(body.messages, 'messages');
  if (messagesIn.length === 0) throw badRequest('messages: must contain at least one message', 'messages');

  const messages: ChatMessage[] = [];
  if (body.system !== undefined && body.system !== null)
    messages.push({ role: 'system', content: parseSystem(body.system) });
  messagesIn.forEach((m, i) => messages.push(...parseMessage(m, `messages.${i}`)));
  const metadata = v.optionalObject(body.metadata, 'metadata');
  const toolChoice = v.optionalObject(body.tool_choice, 'tool_choice');

  return parsedFrom(
    {
      model,
      messages,
      tools: v.optionalArray(body.tools, 'tools')?.flatMap((t, i) => parseTool(t, `tools.${i}`)),
      toolChoice: toolChoice && parseToolChoice(toolChoice),
      // Anthropic may call several tools at once unless told not to, as OpenAI does.
      parallelToolCalls:
        toolChoice && v.optionalBoolean(toolChoice.disable_parallel_tool_use, 'tool_choice.disable_parallel_tool_use')
          ? false
          : undefined,
      responseFormat: parseOutputFormat(body.output_config),
      maxTokens,
      temperature: v.optionalNumber(body.temperature, 'temperature', 0, 1),
      topP: v.optionalNumber(body.top_p, 'top_p', 0, 1),
      stop: v.optionalStops(body.stop_sequences, 'stop_sequences', 64),
      stream: v.optionalBoolean(body.stream, 'stream') ?? false,
      user: metadata ? v.optionalString(metadata.user_id, 'metadata.user_id') : undefined,
    },
    { api: 'anthropic', body, headers: forwardedHeaders(headers) },
  );
}

function forwardedHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = headers[name];
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

function parseSystem(input: unknown): ContentPart[] {
  if (typeof input === 'string') return input.length ? [{ type: 'text', text: input }] : [];
  return v.array(input, 'system').map((b, i) => {
    const block = v.object(b, `system.${i}`);
    if (block.type !== 'text') throw badRequest(`system.${i}.type: expected "text"`, `system.${i}.type`);
    return { type: 'text', text: v.string(block.text, `system.${i}.text`) };
  });
}

function parseMessage(input: unknown, at: string): ChatMessage[] {
  const message = v.object(input, at);
  const role = v.string(message.role, `${at}.role`);
  // Claude Code sends `role: "system"` entries inside messages to models that accept them.
  if (role !== 'user' && role !== 'assistant' && role !== 'system')
    throw badRequest(`${at}.role: unknown role "${role}" (expected user, assistant or system)`, `${at}.role`);
  if (typeof message.content === 'string') {
    if (!message.content.length) throw badRequest(`${at}.content: must not be empty`, `${at}.content`);
    return [{ role, content: [{ type: 'text', text: message.content }] }];
  }
  const blocks = v.array(message.content, `${at}.content`);
  if (!blocks.length) throw badRequest(`${at}.content: must not be empty`, `${at}.content`);

  const out: ChatMessage[] = [];
  const own: ChatMessage = { role, content: [] };
  blocks.forEach((b, i) => {
    const where = `${at}.content.${i}`;
    const block = v.object(b, where);
    const type = v.string(block.type, `${where}.type`);
    switch (type) {
      case 'text':
        own.content.push({ type: 'text', text: v.string(block.text, `${where}.text`) });
        break;
      case 'image':
        own.content.push(parseImage(block.source, `${where}.source`));
        break;
      case 'tool_use':
        if (role !== 'assistant') throw badRequest(`${where}: tool_use blocks belong in assistant messages`, where);
        (own.toolCalls ??= []).push({
          id: v.nonEmptyString(block.id, `${where}.id`),
          name: v.nonEmptyString(block.name, `${where}.name`),
          arguments: JSON.stringify(block.input ?? {}),
        });
        break;
      case 'tool_result':
        if (role !== 'user') throw badRequest(`${where}: tool_result blocks belong in user messages`, where);
        out.push({
          role: 'tool',
          toolCallId: v.nonEmptyString(block.tool_use_id, `${where}.tool_use_id`),
          content: parseToolResult(block.content, `${where}.content`),
          ...(block.is_error === true ? { isError: true } : {}),
        });
        break;
      case 'document':
        // One text part per document, its title on the first line: the shape passage selection reads documents in.
        if (isTextDocument(block.source))
          own.content.push({
            type: 'text',
            text:
              typeof block.title === 'string' && block.title
                ? `${block.title}\n${block.source.data}`
                : block.source.data,
          });
        break;
      default:
        // Signed reasoning and server-side tool traffic only mean something to Anthropic: they travel in `source`
        // and are dropped when another provider answers.
        if (anthropicOnlyBlocks.has(type)) break;
        throw badRequest(`${where}.type: unsupported content block "${type}"`, `${where}.type`);
    }
  });
  if (own.content.length || own.toolCalls?.length) out.push(own);
  return out;
}

/** Content blocks the internal shape has no place for (reasoning, server tools, tool search). */
const anthropicOnlyBlocks = new Set([
  'thinking',
  'redacted_thinking',
  'server_tool_use',
  'web_search_tool_result',
  'web_fetch_tool_result',
  'code_execution_tool_result',
  'bash_code_execution_tool_result',
  'text_editor_code_execution_tool_result',
  'tool_search_tool_result',
  'tool_reference',
  'mcp_tool_use',
  'mcp_tool_result',
  'container_upload',
  'search_result',
]);

function isTextDocument(source: unknown): source is { type: 'text'; data: string } {
  const s = source as { type?: unknown; data?: unknown } | null;
  return s?.type === 'text' && typeof s.data === 'string';
}

function parseToolResult(input: unknown, at: string): ContentPart[] {
  if (input === undefined || input === null) return [];
  if (typeof input === 'string') return input.length ? [{ type: 'text', text: input }] : [];
  return v.array(input, at).map((b, i) => {
    const block = v.object(b, `${at}.${i}`);
    if (block.type === 'text') return { type: 'text', text: v.string(block.text, `${at}.${i}.text`) };
    if (block.type === 'image') return parseImage(block.source, `${at}.${i}.source`);
    throw badRequest(`${at}.${i}.type: expected "text" or "image"`, `${at}.${i}.type`);
  });
}

function parseImage(input: unknown, at: string): ContentPart {
  const source = v.object(input, at);
  if (source.type === 'base64')
    return {
      type: 'image',
      mediaType: v.nonEmptyString(source.media_type, `${at}.media_type`),
      data: v.nonEmptyString(source.data, `${at}.data`),
    };
  if (source.type === 'url') return { type: 'image', url: v.nonEmptyString(source.url, `${at}.url`) };
  throw badRequest(`${at}.type: expected "base64" or "url"`, `${at}.type`);
}

/** A client tool; Anthropic's server tools (web search, tool search, code execution…) only reach Anthropic, via `source`. */
function parseTool(input: unknown, at: string): ToolDefinition[] {
  const tool = v.object(input, at);
  if (tool.type !== undefined && tool.type !== 'custom') {
    v.nonEmptyString(tool.type, `${at}.type`);
    return [];
  }
  return [
    {
      name: v.nonEmptyString(tool.name, `${at}.name`),
      description: v.optionalString(tool.description, `${at}.description`),
      parameters: v.object(tool.input_schema, `${at}.input_schema`),
    },
  ];
}

function parseToolChoice(choice: Record<string, unknown>): ToolChoice {
  if (choice.type === 'auto') return 'auto';
  if (choice.type === 'any') return 'required';
  if (choice.type === 'none') return 'none';
  if (choice.type === 'tool') return { name: v.nonEmptyString(choice.name, 'tool_choice.name') };
  throw badRequest('tool_choice.type: expected "auto", "any", "tool" or "none"', 'tool_choice.type');
}

/** `output_config.format`: Anthropic's structured output, always held to its schema (OpenAI's `strict`). */
function parseOutputFormat(input: unknown): ResponseFormat | undefined {
  if (input === undefined || input === null) return undefined;
  const config = v.object(input, 'output_config');
  if (config.format === undefined || config.format === null) return undefined;
  const format = v.object(config.format, 'output_config.format');
  if (format.type !== 'json_schema')
    throw badRequest('output_config.format.type: expected "json_schema"', 'output_config.format.type');
  return { type: 'json_schema', schema: v.object(format.schema, 'output_config.format.schema'), strict: true };
}
