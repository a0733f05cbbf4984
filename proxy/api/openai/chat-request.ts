/**
 * @module OpenAI chat-completions body → ChatRequest. Validates as it converts, so every 400 names its field.
 */
import type {
  ChatMessage,
  ChatRequest,
  ContentPart,
  ResponseFormat,
  ToolCall,
  ToolChoice,
  ToolDefinition,
} from '../../chat.ts';
import { badRequest } from '../../errors.ts';
import * as v from '../validate.ts';
import { parsedFrom } from '../../wire.ts';

const roles = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

/** Parses a `POST /v1/chat/completions` body. */
export function parseChatCompletionRequest(input: unknown): ChatRequest {
  const body = v.object(input, 'body');
  const model = v.nonEmptyString(body.model, 'model');
  const messagesIn = v.array(body.messages, 'messages');
  if (messagesIn.length === 0) throw badRequest('messages: must contain at least one message', 'messages');
  const n = v.optionalNumber(body.n, 'n', 1, 128, true);
  if (n !== undefined && n !== 1) throw badRequest('n: only n=1 is supported', 'n');
  const streamOptions = v.optionalObject(body.stream_options, 'stream_options');

  return parsedFrom(
    {
      model,
      messages: messagesIn.map((m, i) => parseMessage(m, `messages[${i}]`)),
      tools: v.optionalArray(body.tools, 'tools')?.map((t, i) => parseTool(t, `tools[${i}]`)),
      toolChoice: parseToolChoice(body.tool_choice),
      parallelToolCalls: v.optionalBoolean(body.parallel_tool_calls, 'parallel_tool_calls'),
      responseFormat: parseResponseFormat(body.response_format),
      reasoningEffort: v.optionalString(body.reasoning_effort, 'reasoning_effort'),
      maxTokens:
        v.optionalNumber(body.max_completion_tokens, 'max_completion_tokens', 1, 1e9, true) ??
        v.optionalNumber(body.max_tokens, 'max_tokens', 1, 1e9, true),
      temperature: v.optionalNumber(body.temperature, 'temperature', 0, 2),
      topP: v.optionalNumber(body.top_p, 'top_p', 0, 1),
      seed: v.optionalNumber(body.seed, 'seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true),
      stop: v.optionalStops(body.stop, 'stop', 4),
      stream: v.optionalBoolean(body.stream, 'stream') ?? false,
      streamUsage: streamOptions
        ? v.optionalBoolean(streamOptions.include_usage, 'stream_options.include_usage')
        : undefined,
      user: v.optionalString(body.user, 'user'),
    },
    { api: 'openai', body },
  );
}

function parseMessage(input: unknown, at: string): ChatMessage {
  const message = v.object(input, at);
  const role = v.string(message.role, `${at}.role`);
  if (!roles.has(role))
    throw badRequest(
      `${at}.role: unknown role "${role}" (expected system, developer, user, assistant or tool)`,
      `${at}.role`,
    );

  if (role === 'assistant') {
    const toolCalls = v
      .optionalArray(message.tool_calls, `${at}.tool_calls`)
      ?.map((c, i) => parseToolCall(c, `${at}.tool_calls[${i}]`));
    const content =
      message.content === undefined || message.content === null
        ? []
        : parseContent(message.content, `${at}.content`, !toolCalls?.length);
    if (!content.length && !toolCalls?.length)
      throw badRequest(`${at}: an assistant message needs content or tool_calls`, `${at}.content`);
    return toolCalls?.length ? { role, content, toolCalls } : { role, content };
  }
  if (role === 'tool') {
    const toolCallId = v.nonEmptyString(message.tool_call_id, `${at}.tool_call_id`);
    // Tool results may legitimately be empty (a command that printed nothing).
    return { role, content: parseContent(message.content ?? '', `${at}.content`, false), toolCallId };
  }
  return {
    role: role === 'developer' ? 'system' : (role as 'system' | 'user'),
    content: parseContent(message.content, `${at}.content`, true),
  };
}

function parseContent(input: unknown, at: string, required: boolean): ContentPart[] {
  if (typeof input === 'string') {
    if (required && input.length === 0) throw badRequest(`${at}: must not be empty`, at);
    return input.length ? [{ type: 'text', text: input }] : [];
  }
  const parts = v.array(input, at).map((p, i): ContentPart => {
    const part = v.object(p, `${at}[${i}]`);
    const type = v.string(part.type, `${at}[${i}].type`);
    if (type === 'text') return { type: 'text', text: v.string(part.text, `${at}[${i}].text`) };
    if (type === 'image_url') {
      const image =
        typeof part.image_url === 'string'
          ? { url: part.image_url }
          : v.object(part.image_url, `${at}[${i}].image_url`);
      return {
        type: 'image',
        url: v.nonEmptyString(image.url, `${at}[${i}].image_url.url`),
        detail: v.optionalString(image.detail, `${at}[${i}].image_url.detail`),
      };
    }
    throw badRequest(
      `${at}[${i}].type: unsupported content part "${type}" (expected text or image_url)`,
      `${at}[${i}].type`,
    );
  });
  if (required && !parts.some((p) => p.type === 'image' || p.text.length > 0))
    throw badRequest(`${at}: must not be empty`, at);
  return parts;
}

function parseToolCall(input: unknown, at: string): ToolCall {
  const call = v.object(input, at);
  if (call.type !== undefined && call.type !== 'function')
    throw badRequest(`${at}.type: expected "function"`, `${at}.type`);
  const fn = v.object(call.function, `${at}.function`);
  return {
    id: v.nonEmptyString(call.id, `${at}.id`),
    name: v.nonEmptyString(fn.name, `${at}.function.name`),
    arguments: v.string(fn.arguments ?? '{}', `${at}.function.arguments`),
  };
}

function parseTool(input: unknown, at: string): ToolDefinition {
  const tool = v.object(input, at);
  if (tool.type !== 'function')
    throw badRequest(
      `${at}.type: unsupported tool type ${JSON.stringify(tool.type)} (expected "function")`,
      `${at}.type`,
    );
  const fn = v.object(tool.function, `${at}.function`);
  const parameters =
    fn.parameters === undefined
      ? { type: 'object', properties: {} }
      : v.object(fn.parameters, `${at}.function.parameters`);
  return {
    name: v.nonEmptyString(fn.name, `${at}.function.name`),
    description: v.optionalString(fn.description, `${at}.function.description`),
    parameters,
  };
}

function parseToolChoice(input: unknown): ToolChoice | undefined {
  if (input === undefined || input === null) return undefined;
  if (input === 'auto' || input === 'none' || input === 'required') return input;
  const choice = v.object(input, 'tool_choice');
  if (choice.type !== 'function')
    throw badRequest(
      'tool_choice: expected "auto", "none", "required" or {type:"function", function:{name}}',
      'tool_choice',
    );
  return {
    name: v.nonEmptyString(v.object(choice.function, 'tool_choice.function').name, 'tool_choice.function.name'),
  };
}

function parseResponseFormat(input: unknown): ResponseFormat | undefined {
  if (input === undefined || input === null) return undefined;
  const format = v.object(input, 'response_format');
  if (format.type === 'text' || format.type === 'json_object') return { type: format.type };
  if (format.type === 'json_schema') {
    const spec = v.object(format.json_schema, 'response_format.json_schema');
    return {
      type: 'json_schema',
      name: v.optionalString(spec.name, 'response_format.json_schema.name'),
      schema: spec.schema === undefined ? {} : v.object(spec.schema, 'response_format.json_schema.schema'),
      strict: v.optionalBoolean(spec.strict, 'response_format.json_schema.strict'),
    };
  }
  throw badRequest('response_format.type: expected "text", "json_object" or "json_schema"', 'response_format.type');
}
