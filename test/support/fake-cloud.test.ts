// Proves the fakes speak the real wire formats: the official SDKs, pointed straight
// at them, must parse every shape our proxy will pass through.
// Run: node --import tsx --test test/support/fake-cloud.test.ts
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startFakeOpenAI, type OpenAIBehaviour } from './fake-openai.ts';
import { startFakeAnthropic, type AnthropicBehaviour } from './fake-anthropic.ts';
import type { FakeCloud } from './sse.ts';

const until = async (cond: () => boolean, ms = 1000) => {
  for (const end = Date.now() + ms; !cond(); ) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('fake OpenAI via the openai SDK', () => {
  let fake: FakeCloud<OpenAIBehaviour>;
  let client: OpenAI;
  before(async () => {
    fake = await startFakeOpenAI();
    client = new OpenAI({ apiKey: 'sk-test', baseURL: `${fake.url}/v1`, maxRetries: 0, timeout: 3000 });
  });
  after(() => fake.close());

  const messages = [{ role: 'user' as const, content: 'hello there' }];

  test('non-streaming echo with usage and request id', async () => {
    fake.behave({ kind: 'echo' });
    const { data, request_id } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages })
      .withResponse();
    assert.match(data.id, /^chatcmpl-/);
    assert.equal(data.choices[0].message.content, 'echo: hello there');
    assert.equal(data.choices[0].finish_reason, 'stop');
    assert.equal(data.usage?.completion_tokens, Math.ceil('echo: hello there'.length / 4));
    assert.equal(data.usage?.total_tokens, data.usage!.prompt_tokens + data.usage!.completion_tokens);
    assert.match(request_id ?? '', /^req_/);
    const rec = fake.requests.at(-1)!;
    assert.equal(rec.path, '/v1/chat/completions');
    assert.equal(rec.headers.authorization, 'Bearer sk-test');
    assert.equal(rec.body.model, 'gpt-4o-mini');
  });

  test('max_tokens truncates with finish_reason length; stop cuts with stop', async () => {
    fake.behave({ kind: 'text', text: 'one two three four five six' });
    const long = await client.chat.completions.create({ model: 'm', messages, max_completion_tokens: 2 });
    assert.equal(long.choices[0].message.content, 'one two ');
    assert.equal(long.choices[0].finish_reason, 'length');
    const stopped = await client.chat.completions.create({ model: 'm', messages, stop: ['four', 'six'] });
    assert.equal(stopped.choices[0].message.content, 'one two three ');
    assert.equal(stopped.choices[0].finish_reason, 'stop');
  });

  test('usage overrides report cached and reasoning tokens', async () => {
    fake.behave({ kind: 'text', text: 'ok', usage: { prompt_tokens: 100, cached_tokens: 64, reasoning_tokens: 10 } });
    const r = await client.chat.completions.create({ model: 'o4-mini', messages });
    assert.equal(r.usage?.prompt_tokens_details?.cached_tokens, 64);
    assert.equal(r.usage?.completion_tokens_details?.reasoning_tokens, 10);
    assert.equal(r.usage?.completion_tokens, 11); // 1 visible + 10 reasoning
    assert.equal(r.usage?.total_tokens, 111);
  });

  test('streaming with include_usage: deltas, usage:null chunks, final usage chunk', async () => {
    fake.behave({ kind: 'echo' });
    const s = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const c of s) chunks.push(c);
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'echo: hello there');
    assert.ok(chunks.length > 5, 'answer should arrive in several small deltas');
    assert.ok(chunks.slice(0, -1).every((c) => c.usage === null));
    const last = chunks.at(-1)!;
    assert.deepEqual(last.choices, []);
    assert.equal(last.usage?.completion_tokens, 5);
    assert.equal(chunks.at(-2)!.choices[0].finish_reason, 'stop');
  });

  test('stream helper accumulates a streamed tool call', async () => {
    const args = { city: 'Paris', units: 'metric', days: [1, 2] };
    fake.behave({ kind: 'tool_call', name: 'get_weather', arguments: args });
    const runner = client.chat.completions.stream({
      model: 'gpt-4o-mini',
      messages,
      stream_options: { include_usage: true },
    });
    const done = await runner.finalChatCompletion();
    const choice = done.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, null);
    const call = choice.message.tool_calls![0];
    assert.ok(call.type === 'function');
    assert.match(call.id, /^call_/);
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), args);
    assert.ok(done.usage && done.usage.completion_tokens > 0);
  });

  test("429 raises RateLimitError with retry-after and OpenAI's error body", async () => {
    fake.behave({ kind: 'error', status: 429, retryAfter: 7 });
    const err = await client.chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((e) => e);
    assert.ok(err instanceof OpenAI.RateLimitError, String(err));
    assert.equal(err.status, 429);
    assert.equal(err.headers.get('retry-after'), '7');
    assert.equal(err.code, 'rate_limit_exceeded');
    assert.equal(err.type, 'requests');
    assert.match(err.requestID ?? '', /^req_/);
  });

  test('die_mid_stream makes SDK iteration throw', async () => {
    fake.behave({ kind: 'die_mid_stream', afterChunks: 3 });
    const s = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    let got = 0;
    await assert.rejects(async () => {
      for await (const _ of s) got++;
    });
    assert.equal(got, 3);
    assert.equal(fake.aborted, 0, 'a deliberate kill is not a client abort');
  });

  test('hang + client abort is counted', async () => {
    fake.behave({ kind: 'hang' });
    const before = fake.aborted;
    const err = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages }, { signal: AbortSignal.timeout(100) })
      .catch((e) => e);
    assert.ok(err instanceof OpenAI.APIUserAbortError || err instanceof OpenAI.APIConnectionTimeoutError, String(err));
    await until(() => fake.aborted === before + 1);
  });

  test('structured output: the answer follows json_schema / JSON mode; settings OpenAI refuses are 400s', async () => {
    fake.behave({ kind: 'echo' });
    const schema = {
      type: 'object',
      properties: { a: { type: 'string' }, n: { type: 'integer' } },
      required: ['a', 'n'],
      additionalProperties: false,
    };
    const structured = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      response_format: { type: 'json_schema', json_schema: { name: 's', schema, strict: true } },
    });
    assert.deepEqual(JSON.parse(structured.choices[0].message.content!), { a: 'echo: hello there', n: 1 });
    const json = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      response_format: { type: 'json_object' },
    });
    assert.deepEqual(JSON.parse(json.choices[0].message.content!), { echo: 'echo: hello there' });
    const refused = (body: object) =>
      client.chat.completions.create({ model: 'gpt-4o-mini', messages, ...body }).catch((e) => e);
    const loose = await refused({
      response_format: {
        type: 'json_schema',
        json_schema: { name: 's', schema: { type: 'object', properties: { a: { type: 'string' } } }, strict: true },
      },
    });
    assert.ok(loose instanceof OpenAI.BadRequestError && /additionalProperties/.test(loose.message), String(loose));
    const stops = await refused({ stop: ['a', 'b', 'c', 'd', 'e'] });
    assert.ok(stops instanceof OpenAI.BadRequestError && stops.param === 'stop');
    const choice = await refused({ tool_choice: 'required' });
    assert.ok(choice instanceof OpenAI.BadRequestError && choice.param === 'tool_choice');
  });

  test('models list and missing auth', async () => {
    const models = await client.models.list();
    assert.ok(models.data.some((m) => m.id === 'gpt-4o-mini'));
    const res = await fetch(`${fake.url}/v1/chat/completions`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error.type, 'invalid_request_error');
  });
});

describe('fake Anthropic via the @anthropic-ai/sdk SDK', () => {
  let fake: FakeCloud<AnthropicBehaviour>;
  let client: Anthropic;
  before(async () => {
    fake = await startFakeAnthropic();
    client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: fake.url, maxRetries: 0, timeout: 3000 });
  });
  after(() => fake.close());

  const base = {
    model: 'claude-sonnet-4-6',
    max_tokens: 256,
    messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'hi claude' }] }],
  };

  test('non-streaming echo with usage, request id and recorded headers', async () => {
    fake.behave({ kind: 'echo' });
    const { data, request_id } = await client.messages.create(base).withResponse();
    assert.match(data.id, /^msg_/);
    assert.deepEqual(data.content, [{ type: 'text', text: 'echo: hi claude' }]);
    assert.equal(data.stop_reason, 'end_turn');
    assert.equal(data.usage.output_tokens, Math.ceil('echo: hi claude'.length / 4));
    assert.equal(data.usage.service_tier, 'standard');
    assert.match(request_id ?? '', /^req_/);
    const rec = fake.requests.at(-1)!;
    assert.equal(rec.path, '/v1/messages');
    assert.ok(rec.headers['anthropic-version'], 'anthropic-version recorded');
    assert.ok(rec.headers['x-api-key'] || rec.headers.authorization);
  });

  test('max_tokens and stop_sequences', async () => {
    fake.behave({ kind: 'text', text: 'alpha beta gamma delta' });
    const cut = await client.messages.create({ ...base, max_tokens: 2 });
    assert.equal(cut.stop_reason, 'max_tokens');
    assert.deepEqual(cut.content, [{ type: 'text', text: 'alpha be' }]);
    const stopped = await client.messages.create({ ...base, stop_sequences: ['gamma'] });
    assert.equal(stopped.stop_reason, 'stop_sequence');
    assert.equal(stopped.stop_sequence, 'gamma');
  });

  test('streaming: exact event order and finalMessage usage', async () => {
    fake.behave({ kind: 'echo', usage: { cache_read_input_tokens: 40, cache_creation_input_tokens: 8 } });
    const events: string[] = [];
    const s = client.messages.stream(base);
    s.on('streamEvent', (e) => events.push(e.type));
    const msg = await s.finalMessage();
    assert.deepEqual(msg.content, [{ type: 'text', text: 'echo: hi claude' }]);
    assert.equal(msg.stop_reason, 'end_turn');
    assert.equal(msg.usage.output_tokens, 4);
    assert.equal(msg.usage.cache_read_input_tokens, 40);
    assert.equal(msg.usage.cache_creation?.ephemeral_5m_input_tokens, 8);
    // (the SDK swallows ping events, so they don't appear here)
    const deltas = events.filter((t) => t === 'content_block_delta').length;
    assert.ok(deltas > 2);
    assert.deepEqual(events, [
      'message_start',
      'content_block_start',
      ...Array(deltas).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  test('ping frame is on the wire after the first content_block_start', async () => {
    fake.behave({ kind: 'text', text: 'x' });
    const res = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ ...base, stream: true }),
    });
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const types = [...(await res.text()).matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    assert.deepEqual(types, [
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  test('streamed tool_use: SDK accumulates input_json_delta fragments', async () => {
    const input = { query: 'weather in Paris', limit: 3 };
    fake.behave({ kind: 'tool_call', name: 'search', arguments: input, text: 'Let me look.' });
    const msg = await client.messages.stream(base).finalMessage();
    assert.equal(msg.stop_reason, 'tool_use');
    assert.equal(msg.content.length, 2);
    assert.deepEqual(msg.content[0], { type: 'text', text: 'Let me look.' });
    const tool = msg.content[1];
    assert.ok(tool.type === 'tool_use');
    assert.match(tool.id, /^toolu_/);
    assert.equal(tool.name, 'search');
    assert.deepEqual(tool.input, input);
  });

  test('429 raises RateLimitError; 529 is OverloadedError', async () => {
    fake.behave({ kind: 'error', status: 429, retryAfter: 3 });
    const err = await client.messages.create(base).catch((e) => e);
    assert.ok(err instanceof Anthropic.RateLimitError, String(err));
    assert.equal(err.status, 429);
    assert.equal(err.headers.get('retry-after'), '3');
    // err.error is the raw body: {type:"error", error:{type, message}, request_id}
    const body = err.error as any;
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'rate_limit_error');
    assert.equal(body.request_id, err.requestID);
    assert.match(err.requestID ?? '', /^req_/);

    fake.behave({ kind: 'error', status: 529 });
    const over = await client.messages.create(base).catch((e) => e);
    assert.equal(over.status, 529);
    assert.equal(over.error.error.type, 'overloaded_error');
  });

  test('die_mid_stream makes SDK iteration and finalMessage throw', async () => {
    fake.behave({ kind: 'die_mid_stream', afterChunks: 4 });
    const s = await client.messages.create({ ...base, stream: true });
    let got = 0;
    await assert.rejects(async () => {
      for await (const _ of s) got++;
    });
    assert.equal(got, 3, 'message_start, content_block_start, (ping swallowed), first delta');
    await assert.rejects(client.messages.stream(base).finalMessage());
  });

  test('client abort mid-stream (slow chunks) is counted', async () => {
    fake.behave({ kind: 'text', text: 'a slow answer that takes a while', chunkDelayMs: 30 });
    const before = fake.aborted;
    const s = await client.messages.create({ ...base, stream: true });
    for await (const e of s) if (e.type === 'content_block_delta') break; // break aborts the request
    await until(() => fake.aborted === before + 1);
  });

  test("structured output answers the schema's JSON; settings the API refuses are 400s in its words", async () => {
    fake.behave({ kind: 'echo' });
    const schema = {
      type: 'object',
      properties: { a: { type: 'string' }, ok: { type: 'boolean' } },
      required: ['a', 'ok'],
      additionalProperties: false,
    };
    const message = await client.messages.create({
      ...base,
      output_config: { format: { type: 'json_schema', schema } },
    });
    assert.deepEqual(JSON.parse((message.content[0] as { text: string }).text), { a: 'echo: hi claude', ok: true });
    const refused = async (body: object) =>
      ((await client.messages.create({ ...base, ...body } as any).catch((e) => e)).error as any).error
        .message as string;
    assert.equal(
      await refused({ output_config: { format: { type: 'json_object' } } }),
      "output_config.format.type: Input should be 'json_schema'",
    );
    assert.equal(
      await refused({ stop_sequences: ['\n'] }),
      'stop_sequences: each stop sequence must contain non-whitespace',
    );
    assert.match(await refused({ thinking: { type: 'enabled', budget_tokens: 512 } }), /greater than or equal to 1024/);
    assert.match(
      await refused({ max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, temperature: 0 }),
      /temperature/,
    );
    const toolTurn = [
      ...base.messages,
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'x' }] },
    ];
    assert.match(
      await refused({ max_tokens: 2048, messages: toolTurn, thinking: { type: 'enabled', budget_tokens: 1024 } }),
      /must start with a thinking block/,
    );
  });

  test('count_tokens, required max_tokens, missing auth', async () => {
    const { input_tokens } = await client.messages.countTokens({ model: base.model, messages: base.messages });
    assert.equal(input_tokens, Math.ceil('hi claude'.length / 4));
    const calls = fake.calls;
    const noMax = await client.messages.create({ model: base.model, messages: base.messages } as any).catch((e) => e);
    assert.ok(noMax instanceof Anthropic.BadRequestError);
    assert.equal((noMax.error as any).error.message, 'max_tokens: Field required');
    assert.equal(fake.calls, calls + 1);
    const res = await fetch(`${fake.url}/v1/messages`, { method: 'POST', body: JSON.stringify(base) });
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error.type, 'authentication_error');
  });
});
