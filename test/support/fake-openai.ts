// Fake OpenAI Chat Completions API on loopback, faithful enough for the official SDK
// to parse what passes through our proxy. Routes: POST /v1/chat/completions, POST /v1/responses
// (fake-openai-responses.ts), GET /v1/models.
import {
  type Behaviour,
  type Ctx,
  type FakeCloud,
  SseWriter,
  applyLimits,
  approxTokens,
  chunk,
  contentText,
  lastUserText,
  randomId,
  sendJson,
  sleep,
  startFakeServer,
  serveRaw,
} from './sse.ts';
import { responses } from './fake-openai-responses.ts';
import { instanceOf, jsonModeText, strictSchemaProblem } from './fake-json.ts';

/** Usage overrides. cached_tokens is part of prompt_tokens; reasoning_tokens is added to completion_tokens. */
export interface OpenAIUsageOverride {
  prompt_tokens?: number;
  completion_tokens?: number;
  cached_tokens?: number;
  reasoning_tokens?: number;
}
export type OpenAIBehaviour = Behaviour<OpenAIUsageOverride>;

export interface FakeOpenAIOptions {
  /** Usage overrides applied to every answer (a behaviour's `usage` wins). */
  usage?: OpenAIUsageOverride;
  /** Reject requests without an Authorization header with 401, like OpenAI. Default true. */
  requireAuth?: boolean;
  /** Ids listed by GET /v1/models. */
  models?: string[];
  /** Characters per streamed content/argument delta. Default 4. */
  chunkChars?: number;
}

export const SYSTEM_FINGERPRINT = 'fp_fake0001';

// Default error bodies per status, copied from what api.openai.com returns.
// Note: OpenAI's 401 really is type "invalid_request_error" with code "invalid_api_key".
const ERRORS: Record<number, { type: string; code: string | null; message: (model: string) => string }> = {
  400: { type: 'invalid_request_error', code: null, message: () => 'Invalid request.' },
  401: {
    type: 'invalid_request_error',
    code: 'invalid_api_key',
    message: () =>
      'Incorrect API key provided: sk-fake***. You can find your API key at https://platform.openai.com/account/api-keys.',
  },
  403: {
    type: 'invalid_request_error',
    code: 'unsupported_country_region_territory',
    message: () => 'Country, region, or territory not supported',
  },
  404: {
    type: 'invalid_request_error',
    code: 'model_not_found',
    message: (m) => `The model \`${m}\` does not exist or you do not have access to it.`,
  },
  429: {
    type: 'requests',
    code: 'rate_limit_exceeded',
    message: (m) =>
      `Rate limit reached for ${m} in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.`,
  },
  500: {
    type: 'server_error',
    code: null,
    message: () => 'The server had an error while processing your request. Sorry about that!',
  },
  503: {
    type: 'server_error',
    code: null,
    message: () => 'The engine is currently overloaded, please try again later.',
  },
};

export function startFakeOpenAI(opts: FakeOpenAIOptions = {}): Promise<FakeCloud<OpenAIBehaviour>> {
  const route = async (ctx: Ctx<OpenAIBehaviour>) => {
    const { req, pathname } = ctx;
    if (opts.requireAuth !== false && !req.headers.authorization) {
      return apiError(ctx, 401, {
        code: null,
        message:
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
      });
    }
    if (req.method === 'GET' && pathname === '/v1/models') {
      const ids = opts.models ?? ['gpt-4o-mini', 'gpt-4o', 'o4-mini'];
      return sendJson(
        ctx.res,
        200,
        { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 1715367049, owned_by: 'system' })) },
        reqIdHeader(),
      );
    }
    if (req.method === 'POST' && pathname === '/v1/chat/completions') return chatCompletions(ctx, opts);
    if (req.method === 'POST' && pathname === '/v1/responses') return responses(ctx, opts, apiError, reqIdHeader);
    return apiError(ctx, 404, { code: null, message: `Invalid URL (${req.method} ${pathname})` });
  };
  return startFakeServer<OpenAIBehaviour>(route, { kind: 'echo' });
}

async function chatCompletions(ctx: Ctx<OpenAIBehaviour>, opts: FakeOpenAIOptions): Promise<void> {
  ctx.countCall();
  const body = ctx.rec.body;
  if (!body || typeof body !== 'object') {
    return apiError(ctx, 400, {
      code: null,
      message:
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
    });
  }
  if (!body.model) return apiError(ctx, 400, { code: null, message: 'you must provide a model parameter' });
  if (!Array.isArray(body.messages)) {
    return apiError(ctx, 400, {
      code: 'missing_required_parameter',
      param: 'messages',
      message: "Missing required parameter: 'messages'.",
    });
  }
  const problem = settingsProblem(body);
  if (problem) return apiError(ctx, 400, problem);

  const b = ctx.behaviour();
  switch (b.kind) {
    case 'raw':
      return serveRaw(ctx, b);
    case 'hang':
      return; // never answer; the abort counter notices when the client gives up
    case 'error':
      return apiError(ctx, b.status, { type: b.type, code: b.code, message: b.message, retryAfter: b.retryAfter });
    case 'die_mid_stream':
      if (!body.stream) return ctx.kill();
      return stream(ctx, opts, { kind: 'text', text: `echo: ${lastUserText(body.messages)}` }, b.afterChunks);
  }
  await sleep(b.delayMs);
  if (body.stream) return stream(ctx, opts, b);
  const a = answer(body, b, opts);
  sendJson(
    ctx.res,
    200,
    {
      ...envelope(body, a.id, 'chat.completion'),
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: a.content,
            refusal: null,
            ...(a.toolCalls.length > 0 && { tool_calls: a.toolCalls }),
            annotations: [],
          },
          logprobs: null,
          finish_reason: a.finish,
        },
      ],
      usage: a.usage,
    },
    reqIdHeader(),
  );
}

type Answer = ReturnType<typeof answer>;
type ToolCall = { id: string; type: 'function'; function: { name: string; arguments: string } };

/** The 400 OpenAI answers for settings it refuses (as api.openai.com words them), or undefined. */
function settingsProblem(body: any): { code: string | null; param: string; message: string } | undefined {
  const format = body.response_format;
  if (format != null) {
    if (!['text', 'json_object', 'json_schema'].includes(format.type))
      return {
        code: 'invalid_value',
        param: 'response_format.type',
        message: `Invalid value: '${format.type}'. Supported values are: 'json_object', 'json_schema', and 'text'.`,
      };
    if (format.type === 'json_schema') {
      if (typeof format.json_schema?.name !== 'string')
        return {
          code: 'missing_required_parameter',
          param: 'response_format.json_schema.name',
          message: "Missing required parameter: 'response_format.json_schema.name'.",
        };
      const problem =
        format.json_schema.strict === true ? strictSchemaProblem(format.json_schema.schema ?? {}) : undefined;
      if (problem)
        return {
          code: 'invalid_json_schema',
          param: 'response_format',
          message: `Invalid schema for response_format '${format.json_schema.name}': ${problem}`,
        };
    }
  }
  if (Array.isArray(body.stop) && body.stop.length > 4)
    return {
      code: 'array_above_max_length',
      param: 'stop',
      message: `Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length ${body.stop.length} instead.`,
    };
  if (!body.tools?.length && body.tool_choice != null)
    return {
      code: null,
      param: 'tool_choice',
      message: "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
    };
  if (!body.tools?.length && body.parallel_tool_calls != null)
    return {
      code: null,
      param: 'parallel_tool_calls',
      message:
        "Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified.",
    };
  return undefined;
}

/** The text the "model" answers, held to the request's response_format like a real model. */
function answerText(
  body: any,
  b: Exclude<OpenAIBehaviour, { kind: 'error' | 'hang' | 'die_mid_stream' | 'raw' }>,
): string {
  if (b.kind !== 'echo') return b.text ?? '';
  const echo = `echo: ${lastUserText(body.messages)}`;
  const format = body.response_format;
  if (format?.type === 'json_schema') return JSON.stringify(instanceOf(format.json_schema.schema ?? {}, echo));
  return format?.type === 'json_object' ? jsonModeText(echo) : echo;
}

/** Work out what the "model" says: content, tool calls, finish reason and usage. */
function answer(
  body: any,
  b: Exclude<OpenAIBehaviour, { kind: 'error' | 'hang' | 'die_mid_stream' | 'raw' }>,
  opts: FakeOpenAIOptions,
) {
  const full = answerText(body, b);
  const stops: string[] = body.stop == null ? [] : [body.stop].flat();
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
  // Tool calls are emitted whole; limits only shape plain text answers.
  const cut = b.kind === 'tool_call' ? { text: full, reason: 'natural' as const } : applyLimits(full, maxTokens, stops);
  const toolCalls: ToolCall[] =
    b.kind === 'tool_call'
      ? [
          {
            id: randomId('call_'),
            type: 'function',
            function: { name: b.name, arguments: JSON.stringify(b.arguments) },
          },
        ]
      : [];
  const finish = b.kind === 'tool_call' ? 'tool_calls' : cut.reason === 'length' ? 'length' : 'stop';
  // A tool-call turn with no preamble has content null, as OpenAI sends it.
  const content = b.kind === 'tool_call' && !cut.text ? null : cut.text;
  const visible =
    approxTokens(cut.text) + toolCalls.reduce((n, t) => n + approxTokens(t.function.name + t.function.arguments), 0);
  return {
    id: randomId('chatcmpl-', 29),
    content,
    toolCalls,
    finish,
    usage: usage(body, visible, { ...opts.usage, ...b.usage }),
  };
}

function usage(body: any, visibleCompletion: number, o: OpenAIUsageOverride) {
  const promptText = [
    ...body.messages.map((m: any) => contentText(m.content)),
    body.tools ? JSON.stringify(body.tools) : '',
  ].join('\n');
  const prompt = o.prompt_tokens ?? approxTokens(promptText);
  const reasoning = o.reasoning_tokens ?? 0;
  const completion = o.completion_tokens ?? visibleCompletion + reasoning;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: o.cached_tokens ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function envelope(body: any, id: string, object: string) {
  return {
    id,
    object,
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    service_tier: 'default',
    system_fingerprint: SYSTEM_FINGERPRINT,
  };
}

/** Stream in OpenAI's chunk sequence; `dieAfter` cuts the socket after that many frames. */
async function stream(
  ctx: Ctx<OpenAIBehaviour>,
  opts: FakeOpenAIOptions,
  b: Exclude<OpenAIBehaviour, { kind: 'error' | 'hang' | 'die_mid_stream' | 'raw' }>,
  dieAfter?: number,
): Promise<void> {
  const body = ctx.rec.body;
  const a: Answer = answer(body, b, opts);
  const includeUsage = body.stream_options?.include_usage === true;
  const w = new SseWriter(ctx, { chunkDelayMs: b.chunkDelayMs, dieAfter });
  const base = envelope(body, a.id, 'chat.completion.chunk');
  // With include_usage every chunk carries "usage": null until the final usage-only chunk.
  const send = (delta: object, finish: string | null = null) =>
    w.frame(
      `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(includeUsage && { usage: null }) })}\n\n`,
    );
  const size = opts.chunkChars ?? 4;

  if (!(await w.open(reqIdHeader()))) return;
  const pieces = chunk(a.content ?? '', size);
  if (a.toolCalls.length && !pieces.length) {
    // OpenAI folds the role into the first tool-call delta when there is no text.
    const [t] = a.toolCalls;
    if (
      !(await send({
        role: 'assistant',
        content: null,
        tool_calls: [{ index: 0, id: t.id, type: 'function', function: { name: t.function.name, arguments: '' } }],
        refusal: null,
      }))
    )
      return;
  } else {
    if (!(await send({ role: 'assistant', content: '', refusal: null }))) return;
    for (const p of pieces) if (!(await send({ content: p }))) return;
    if (a.toolCalls.length) {
      const [t] = a.toolCalls;
      if (
        !(await send({
          tool_calls: [{ index: 0, id: t.id, type: 'function', function: { name: t.function.name, arguments: '' } }],
        }))
      )
        return;
    }
  }
  for (const [index, t] of a.toolCalls.entries()) {
    for (const frag of chunk(t.function.arguments, size)) {
      if (!(await send({ tool_calls: [{ index, function: { arguments: frag } }] }))) return;
    }
  }
  if (!(await send({}, a.finish))) return;
  if (includeUsage && !(await w.frame(`data: ${JSON.stringify({ ...base, choices: [], usage: a.usage })}\n\n`))) return;
  if (!(await w.frame('data: [DONE]\n\n'))) return;
  w.end();
}

function apiError(
  ctx: Ctx<OpenAIBehaviour>,
  status: number,
  o: { type?: string; code?: string | null; message?: string; param?: string; retryAfter?: number },
): void {
  const d = ERRORS[status] ?? (status >= 500 ? ERRORS[500] : ERRORS[400]);
  const model = ctx.rec.body?.model ?? 'gpt-4o-mini';
  const headers = reqIdHeader();
  if (status === 429 || o.retryAfter !== undefined) headers['retry-after'] = String(o.retryAfter ?? 1);
  sendJson(
    ctx.res,
    status,
    {
      error: {
        message: o.message ?? d.message(model),
        type: o.type ?? d.type,
        param: o.param ?? null,
        code: o.code !== undefined ? o.code : d.code,
      },
    },
    headers,
  );
}

function reqIdHeader(): Record<string, string> {
  return { 'x-request-id': randomId('req_', 32), 'openai-processing-ms': '7', 'openai-version': '2020-10-01' };
}
