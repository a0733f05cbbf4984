// Fake Anthropic Messages API on loopback, faithful enough for the official SDK to
// parse what passes through our proxy. Routes: POST /v1/messages,
// POST /v1/messages/count_tokens, GET /v1/models.
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
import { instanceOf } from './fake-json.ts';

/** Usage overrides. input_tokens excludes cache reads/writes, as Anthropic reports it. */
export interface AnthropicUsageOverride {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
  /** Part of cache_creation_input_tokens written with the 1h TTL (rest is 5m). */
  ephemeral_1h_input_tokens?: number;
}
export type AnthropicBehaviour = Behaviour<AnthropicUsageOverride>;
type Answering = Exclude<AnthropicBehaviour, { kind: 'error' | 'hang' | 'die_mid_stream' | 'raw' }>;

export interface FakeAnthropicOptions {
  /** Usage overrides applied to every answer (a behaviour's `usage` wins). */
  usage?: AnthropicUsageOverride;
  /** Ids listed by GET /v1/models. */
  models?: string[];
  /** Characters per streamed text/JSON delta. Default 4. */
  chunkChars?: number;
  /** Every answer starts with a signed thinking block with this text (as with `thinking` enabled). */
  thinking?: string;
}

// Default error type and message per status, as api.anthropic.com returns them.
const ERRORS: Record<number, [type: string, message: string]> = {
  400: ['invalid_request_error', 'Invalid request.'],
  401: ['authentication_error', 'invalid x-api-key'],
  403: ['permission_error', 'Your API key does not have permission to use the specified resource.'],
  404: ['not_found_error', 'Not Found'],
  413: ['request_too_large', 'Request exceeds the maximum allowed number of bytes.'],
  429: [
    'rate_limit_error',
    'Number of request tokens has exceeded your per-minute rate limit. Please try again later.',
  ],
  500: ['api_error', 'Internal server error'],
  529: ['overloaded_error', 'Overloaded'],
};

export function startFakeAnthropic(opts: FakeAnthropicOptions = {}): Promise<FakeCloud<AnthropicBehaviour>> {
  const route = async (ctx: Ctx<AnthropicBehaviour>) => {
    const { req, pathname } = ctx;
    // The SDK may send the key as x-api-key or as Authorization: Bearer (1.x does the latter).
    if (!req.headers['x-api-key'] && !req.headers.authorization) {
      return apiError(ctx, 401, { message: 'x-api-key header is required' });
    }
    if (req.method === 'GET' && pathname === '/v1/models') {
      const data = (opts.models ?? ['claude-sonnet-4-6', 'claude-haiku-4-5']).map((id) => ({
        type: 'model',
        id,
        display_name: id,
        created_at: '2025-09-29T00:00:00Z',
      }));
      return sendJson(
        ctx.res,
        200,
        { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null },
        reqIdHeader(),
      );
    }
    if (req.method === 'POST' && pathname === '/v1/messages/count_tokens') {
      if (invalid(ctx, false)) return;
      return sendJson(ctx.res, 200, { input_tokens: inputTokens(ctx.rec.body) }, reqIdHeader());
    }
    if (req.method === 'POST' && pathname === '/v1/messages') return messages(ctx, opts);
    return apiError(ctx, 404, { message: 'Not Found' });
  };
  return startFakeServer<AnthropicBehaviour>(route, { kind: 'echo' });
}

/** Reject malformed requests the way the API does; returns true if it answered. */
function invalid(ctx: Ctx<AnthropicBehaviour>, needMaxTokens: boolean): boolean {
  const body = ctx.rec.body;
  let problem: string | undefined;
  if (!body || typeof body !== 'object')
    problem = 'There was an error parsing the body of your request. Please ensure it is valid JSON.';
  else if (!body.model) problem = 'model: Field required';
  else if (!Array.isArray(body.messages)) problem = 'messages: Field required';
  else if (needMaxTokens && typeof body.max_tokens !== 'number') problem = 'max_tokens: Field required';
  else problem = settingsProblem(body);
  if (problem) apiError(ctx, 400, { message: problem });
  return problem !== undefined;
}

/** Settings the Messages API refuses, worded as it words them. */
function settingsProblem(body: any): string | undefined {
  const format = body.output_config?.format;
  if (format != null) {
    if (format.type !== 'json_schema') return "output_config.format.type: Input should be 'json_schema'";
    if (!format.schema || typeof format.schema !== 'object' || Array.isArray(format.schema))
      return 'output_config.format.schema: Field required';
  }
  if ((body.stop_sequences ?? []).some((s: string) => !s.trim()))
    return 'stop_sequences: each stop sequence must contain non-whitespace';
  const thinking = body.thinking;
  if (thinking?.type === 'enabled') {
    if (!(thinking.budget_tokens >= 1024))
      return 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024';
    if (typeof body.max_tokens === 'number' && thinking.budget_tokens >= body.max_tokens)
      return '`max_tokens` must be greater than `thinking.budget_tokens`.';
    if (body.temperature !== undefined && body.temperature !== 1)
      return '`temperature` may only be set to 1 when thinking is enabled.';
    if (body.tool_choice?.type === 'any' || body.tool_choice?.type === 'tool')
      return 'Thinking may not be enabled when tool_choice forces tool use.';
    const lastAssistant = body.messages.findLastIndex((m: any) => m.role === 'assistant');
    const blocks = body.messages[lastAssistant]?.content;
    if (
      Array.isArray(blocks) &&
      blocks.some((b: any) => b.type === 'tool_use') &&
      !['thinking', 'redacted_thinking'].includes(blocks[0]?.type)
    ) {
      return `messages.${lastAssistant}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${blocks[0]?.type}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking`;
    }
  }
  return undefined;
}

async function messages(ctx: Ctx<AnthropicBehaviour>, opts: FakeAnthropicOptions): Promise<void> {
  ctx.countCall();
  if (invalid(ctx, true)) return;
  const body = ctx.rec.body;
  const b = ctx.behaviour();
  switch (b.kind) {
    case 'raw':
      return serveRaw(ctx, b);
    case 'hang':
      return; // never answer; the abort counter notices when the client gives up
    case 'error':
      return apiError(ctx, b.status, { type: b.type, message: b.message, retryAfter: b.retryAfter });
    case 'die_mid_stream':
      if (!body.stream) return ctx.kill();
      return stream(ctx, opts, { kind: 'echo' }, b.afterChunks);
  }
  await sleep(b.delayMs);
  if (body.stream) return stream(ctx, opts, b);
  const a = answer(body, b, opts);
  sendJson(
    ctx.res,
    200,
    {
      id: a.id,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: a.blocks,
      stop_reason: a.stopReason,
      stop_sequence: a.stopSequence,
      usage: a.usage,
    },
    reqIdHeader(),
  );
}

type Block =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: object }
  | { type: 'thinking'; thinking: string; signature: string };

/** Work out what the "model" says: content blocks, stop reason and usage. */
function answer(body: any, b: Answering, opts: FakeAnthropicOptions) {
  const o = { ...opts.usage, ...b.usage };
  const echo = `echo: ${lastUserText(body.messages)}`;
  const format = body.output_config?.format;
  // Structured output: the answer is the schema's JSON, as a constrained model writes it.
  const full = b.kind !== 'echo' ? (b.text ?? '') : format ? JSON.stringify(instanceOf(format.schema, echo)) : echo;
  // Tool calls are emitted whole; limits only shape plain text answers.
  const cut =
    b.kind === 'tool_call'
      ? { text: full, reason: 'natural' as const, stop: undefined }
      : applyLimits(full, body.max_tokens, body.stop_sequences ?? []);
  const blocks: Block[] = cut.text ? [{ type: 'text', text: cut.text }] : [];
  if (b.kind === 'tool_call')
    blocks.push({ type: 'tool_use', id: randomId('toolu_01', 22), name: b.name, input: b.arguments });
  if (opts.thinking !== undefined)
    blocks.unshift({ type: 'thinking', thinking: opts.thinking, signature: `sig_${randomId('', 32)}` });
  const stopReason =
    b.kind === 'tool_call'
      ? 'tool_use'
      : cut.reason === 'length'
        ? 'max_tokens'
        : cut.reason === 'stop'
          ? 'stop_sequence'
          : 'end_turn';
  const outputTokens =
    o.output_tokens ??
    blocks.reduce(
      (n, x) =>
        n +
        approxTokens(
          x.type === 'text' ? x.text : x.type === 'thinking' ? x.thinking : x.name + JSON.stringify(x.input),
        ),
      0,
    );
  const creation = o.cache_creation_input_tokens ?? 0;
  const oneHour = o.ephemeral_1h_input_tokens ?? 0;
  return {
    id: randomId('msg_01', 22),
    blocks,
    stopReason,
    stopSequence: cut.stop ?? null,
    usage: {
      input_tokens: o.input_tokens ?? inputTokens(body),
      cache_creation_input_tokens: creation,
      cache_read_input_tokens: o.cache_read_input_tokens ?? 0,
      cache_creation: { ephemeral_5m_input_tokens: creation - oneHour, ephemeral_1h_input_tokens: oneHour },
      output_tokens: outputTokens,
      service_tier: 'standard',
    },
  };
}

/** Deterministic prompt size: ~4 chars/token over system, message text and tool definitions. */
function inputTokens(body: any): number {
  const parts = [
    contentText(body.system),
    ...body.messages.map((m: any) => contentText(m.content)),
    body.tools ? JSON.stringify(body.tools) : '',
  ];
  return approxTokens(parts.join('\n'));
}

/** Stream in Anthropic's event order; `dieAfter` cuts the socket after that many events. */
async function stream(
  ctx: Ctx<AnthropicBehaviour>,
  opts: FakeAnthropicOptions,
  b: Answering,
  dieAfter?: number,
): Promise<void> {
  const a = answer(ctx.rec.body, b, opts);
  const w = new SseWriter(ctx, { chunkDelayMs: b.chunkDelayMs, dieAfter });
  const send = (type: string, data: object) =>
    w.frame(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  const size = opts.chunkChars ?? 4;

  if (!(await w.open(reqIdHeader()))) return;
  // message_start reports the full input usage but output_tokens 1, as Anthropic does.
  const message = {
    id: a.id,
    type: 'message',
    role: 'assistant',
    model: ctx.rec.body.model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { ...a.usage, output_tokens: 1 },
  };
  if (!(await send('message_start', { message }))) return;
  for (const [index, block] of a.blocks.entries()) {
    const start =
      block.type === 'text'
        ? { type: 'text', text: '' }
        : block.type === 'thinking'
          ? { type: 'thinking', thinking: '', signature: '' }
          : { ...block, input: {} };
    if (!(await send('content_block_start', { index, content_block: start }))) return;
    // Anthropic sends a single ping right after the first content_block_start.
    if (index === 0 && !(await send('ping', {}))) return;
    // Tool input starts with an empty partial_json, then the JSON text in fragments.
    const deltas =
      block.type === 'text'
        ? chunk(block.text, size).map((text) => ({ type: 'text_delta', text }))
        : block.type === 'thinking'
          ? [
              ...chunk(block.thinking, size).map((thinking) => ({ type: 'thinking_delta', thinking })),
              { type: 'signature_delta', signature: block.signature },
            ]
          : ['', ...chunk(JSON.stringify(block.input), size)].map((partial_json) => ({
              type: 'input_json_delta',
              partial_json,
            }));
    for (const delta of deltas) if (!(await send('content_block_delta', { index, delta }))) return;
    if (!(await send('content_block_stop', { index }))) return;
  }
  if (
    !(await send('message_delta', {
      delta: { stop_reason: a.stopReason, stop_sequence: a.stopSequence },
      usage: { output_tokens: a.usage.output_tokens },
    }))
  )
    return;
  if (!(await send('message_stop', {}))) return;
  w.end();
}

function apiError(
  ctx: Ctx<AnthropicBehaviour>,
  status: number,
  o: { type?: string; message?: string; retryAfter?: number },
): void {
  const [type, message] = ERRORS[status] ?? (status >= 500 ? ERRORS[500] : ERRORS[400]);
  const headers = reqIdHeader();
  if (status === 429 || o.retryAfter !== undefined) headers['retry-after'] = String(o.retryAfter ?? 1);
  sendJson(
    ctx.res,
    status,
    {
      type: 'error',
      error: { type: o.type ?? type, message: o.message ?? message },
      request_id: headers['request-id'],
    },
    headers,
  );
}

function reqIdHeader(): Record<string, string> {
  return { 'request-id': randomId('req_011C', 20) };
}
