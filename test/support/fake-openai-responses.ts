// POST /v1/responses for the fake OpenAI (fake-openai.ts): the Responses API's JSON object and SSE event sequence
// as api.openai.com sends them, with usage, a reasoning item carrying encrypted_content when the body asks for it
// (include: ["reasoning.encrypted_content"]), and a function_call item for the tool_call behaviour.
import { type Ctx, SseWriter, applyLimits, approxTokens, chunk, randomId, sendJson, sleep, serveRaw } from './sse.ts';
import type { FakeOpenAIOptions, OpenAIBehaviour } from './fake-openai.ts';

type Answering = Exclude<OpenAIBehaviour, { kind: 'error' | 'hang' | 'die_mid_stream' | 'raw' }>;
type Item = Record<string, any>;

/** The fixed opaque blob the fake returns as a reasoning item's encrypted_content. */
export const FAKE_ENCRYPTED_REASONING = 'gAAAAABfakeEncryptedReasoning0001==';

/** Text of the newest user message in a Responses `input` (a string, or items). */
export function lastUserInput(input: unknown): string {
  if (typeof input === 'string') return input;
  if (!Array.isArray(input)) return '';
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i];
    if (item?.role !== 'user' || (item.type !== undefined && item.type !== 'message')) continue;
    const text =
      typeof item.content === 'string'
        ? item.content
        : (item.content ?? [])
            .filter((p: any) => p?.type === 'input_text')
            .map((p: any) => p.text)
            .join('\n');
    if (text) return text;
  }
  return '';
}

type Reply = (
  ctx: Ctx<OpenAIBehaviour>,
  status: number,
  o: { code?: string | null; message?: string; param?: string; type?: string; retryAfter?: number },
) => void;

export async function responses(
  ctx: Ctx<OpenAIBehaviour>,
  opts: FakeOpenAIOptions,
  apiError: Reply,
  headers: () => Record<string, string>,
): Promise<void> {
  ctx.countCall();
  const body = ctx.rec.body;
  if (!body || typeof body !== 'object')
    return apiError(ctx, 400, { message: 'We could not parse the JSON body of your request.' });
  if (!body.model)
    return apiError(ctx, 400, {
      code: 'missing_required_parameter',
      param: 'model',
      message: "Missing required parameter: 'model'.",
    });
  if (body.input === undefined)
    return apiError(ctx, 400, {
      code: 'missing_required_parameter',
      param: 'input',
      message: "Missing required parameter: 'input'.",
    });
  const b = ctx.behaviour();
  switch (b.kind) {
    case 'raw':
      return serveRaw(ctx, b);
    case 'hang':
      return;
    case 'error':
      return apiError(ctx, b.status, { type: b.type, code: b.code, message: b.message, retryAfter: b.retryAfter });
    case 'die_mid_stream':
      if (!body.stream) return ctx.kill();
      return stream(ctx, opts, { kind: 'echo' }, headers(), b.afterChunks);
  }
  await sleep(b.delayMs);
  if (body.stream) return stream(ctx, opts, b, headers());
  sendJson(ctx.res, 200, finalResponse(body, answer(body, b, opts), 'completed'), headers());
}

function answer(body: any, b: Answering, opts: FakeOpenAIOptions) {
  const o = { ...opts.usage, ...b.usage };
  const full = b.kind === 'echo' ? `echo: ${lastUserInput(body.input)}` : (b.text ?? '');
  const cut =
    b.kind === 'tool_call'
      ? { text: full, reason: 'natural' as const }
      : applyLimits(full, body.max_output_tokens ?? undefined, []);
  const output: Item[] = [];
  const reasoning = o.reasoning_tokens ?? (body.include?.includes('reasoning.encrypted_content') ? 8 : 0);
  if (body.include?.includes('reasoning.encrypted_content')) {
    output.push({
      id: randomId('rs_', 32),
      type: 'reasoning',
      summary: [],
      encrypted_content: FAKE_ENCRYPTED_REASONING,
    });
  }
  if (cut.text) {
    output.push({
      id: randomId('msg_', 32),
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', annotations: [], logprobs: [], text: cut.text }],
    });
  }
  if (b.kind === 'tool_call') {
    output.push({
      id: randomId('fc_', 32),
      type: 'function_call',
      status: 'completed',
      arguments: JSON.stringify(b.arguments),
      call_id: randomId('call_'),
      name: b.name,
    });
  }
  const visible =
    approxTokens(cut.text) + (b.kind === 'tool_call' ? approxTokens(b.name + JSON.stringify(b.arguments)) : 0);
  const input =
    o.prompt_tokens ?? approxTokens(JSON.stringify([body.instructions ?? '', body.input, body.tools ?? []]));
  const outputTokens = o.completion_tokens ?? visible + reasoning;
  const usage = {
    input_tokens: input,
    input_tokens_details: { cached_tokens: o.cached_tokens ?? 0 },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: input + outputTokens,
  };
  return { id: randomId('resp_', 48), output, usage, incomplete: cut.reason === 'length' };
}

function finalResponse(
  body: any,
  a: ReturnType<typeof answer>,
  status: string,
  created = Math.floor(Date.now() / 1000),
) {
  const done = status !== 'in_progress';
  return {
    id: a.id,
    object: 'response',
    created_at: created,
    status,
    background: false,
    error: null,
    incomplete_details: done && a.incomplete ? { reason: 'max_output_tokens' } : null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: body.model,
    output: done ? a.output : [],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: null,
    prompt_cache_key: body.prompt_cache_key ?? null,
    reasoning: body.reasoning ?? { effort: null, summary: null },
    service_tier: 'default',
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: body.text ?? { format: { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: 'disabled',
    usage: done ? a.usage : null,
    user: body.user ?? null,
    metadata: body.metadata ?? {},
  };
}

/** The Responses event sequence; `dieAfter` cuts the socket after that many events. */
async function stream(
  ctx: Ctx<OpenAIBehaviour>,
  opts: FakeOpenAIOptions,
  b: Answering,
  headers: Record<string, string>,
  dieAfter?: number,
): Promise<void> {
  const body = ctx.rec.body;
  const a = answer(body, b, opts);
  const w = new SseWriter(ctx, { chunkDelayMs: b.chunkDelayMs, dieAfter });
  let seq = 0;
  const send = (type: string, fields: object) =>
    w.frame(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...fields })}\n\n`);
  const size = opts.chunkChars ?? 4;
  const created = Math.floor(Date.now() / 1000);

  if (!(await w.open(headers))) return;
  if (!(await send('response.created', { response: finalResponse(body, a, 'in_progress', created) }))) return;
  if (!(await send('response.in_progress', { response: finalResponse(body, a, 'in_progress', created) }))) return;
  for (const [output_index, item] of a.output.entries()) {
    if (item.type === 'reasoning') {
      if (
        !(await send('response.output_item.added', { output_index, item: { ...item, encrypted_content: undefined } }))
      )
        return;
      if (!(await send('response.output_item.done', { output_index, item }))) return;
    } else if (item.type === 'message') {
      const text = item.content[0].text as string;
      const at = { item_id: item.id, output_index, content_index: 0 };
      if (
        !(await send('response.output_item.added', {
          output_index,
          item: { ...item, status: 'in_progress', content: [] },
        }))
      )
        return;
      if (
        !(await send('response.content_part.added', {
          ...at,
          part: { type: 'output_text', annotations: [], logprobs: [], text: '' },
        }))
      )
        return;
      for (const delta of chunk(text, size))
        if (!(await send('response.output_text.delta', { ...at, delta, logprobs: [], obfuscation: 'x' }))) return;
      if (!(await send('response.output_text.done', { ...at, text, logprobs: [] }))) return;
      if (!(await send('response.content_part.done', { ...at, part: item.content[0] }))) return;
      if (!(await send('response.output_item.done', { output_index, item }))) return;
    } else {
      if (
        !(await send('response.output_item.added', {
          output_index,
          item: { ...item, status: 'in_progress', arguments: '' },
        }))
      )
        return;
      for (const delta of chunk(item.arguments, size))
        if (!(await send('response.function_call_arguments.delta', { item_id: item.id, output_index, delta }))) return;
      if (
        !(await send('response.function_call_arguments.done', {
          item_id: item.id,
          output_index,
          name: item.name,
          arguments: item.arguments,
        }))
      )
        return;
      if (!(await send('response.output_item.done', { output_index, item }))) return;
    }
  }
  const final = finalResponse(body, a, a.incomplete ? 'incomplete' : 'completed', created);
  if (!(await send(a.incomplete ? 'response.incomplete' : 'response.completed', { response: final }))) return;
  w.end();
}
