// The official SDKs, pointed at the proxy, reach loopback clouds that speak the exact OpenAI and Anthropic wire
// formats: if either SDK cannot parse what the proxy sends, these fail.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startFakeAnthropic } from '../support/fake-anthropic.ts';
import { startFakeOpenAI, SYSTEM_FINGERPRINT } from '../support/fake-openai.ts';
import { startTestProxy } from '../support/proxy.ts';

type Fakes = {
  openai: Awaited<ReturnType<typeof startFakeOpenAI>>;
  anthropic: Awaited<ReturnType<typeof startFakeAnthropic>>;
};
let clouds: Fakes;
let tw: Awaited<ReturnType<typeof startTestProxy>>;

before(async () => {
  clouds = { openai: await startFakeOpenAI(), anthropic: await startFakeAnthropic() };
  tw = await startTestProxy({
    // Errors pass straight through here; retries and fallbacks have their own tests.
    config: { router: { retries: 0 } },
    env: {
      OPENAI_BASE_URL: `${clouds.openai.url}/v1`,
      OPENAI_API_KEY: 'sk-upstream',
      ANTHROPIC_BASE_URL: clouds.anthropic.url,
      ANTHROPIC_API_KEY: 'sk-ant-upstream',
    },
  });
});
after(async () => {
  await tw.close();
  await clouds.openai.close();
  await clouds.anthropic.close();
});
beforeEach(() => {
  clouds.openai.behave({ kind: 'echo' });
  clouds.anthropic.behave({ kind: 'echo' });
});

const weather = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

describe('OpenAI chat completions → OpenAI-compatible upstream', () => {
  test('non-streaming answer, usage and route headers', async () => {
    const { data, response } = await tw.openai.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }] })
      .withResponse();
    assert.equal(data.choices[0]!.message.content, 'echo: hello there');
    assert.equal(data.choices[0]!.finish_reason, 'stop');
    assert.ok(data.usage!.prompt_tokens > 0 && data.usage!.completion_tokens > 0);
    assert.equal(response.headers.get('x-tokenwise-route'), 'cloud');
    assert.ok(Number(response.headers.get('x-tokenwise-overhead-ms')) >= 0);
    const forwarded = clouds.openai.requests.at(-1)!;
    assert.equal(forwarded.headers.authorization, 'Bearer sk-upstream', 'the upstream key replaces the local token');
    assert.equal(forwarded.body.model, 'gpt-4o-mini');
  });

  test('streaming with include_usage: text arrives in pieces, usage last, then [DONE]', async () => {
    const stream = await tw.openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'stream this please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let pieces = 0;
    let usage;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta?.content;
      if (delta) (text += delta), pieces++;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'echo: stream this please');
    assert.ok(pieces > 1, 'relayed chunk by chunk');
    assert.ok(usage && usage.completion_tokens > 0);
  });

  test('a streaming caller that did not ask for usage gets none, though the upstream was asked for it', async () => {
    const response = await tw.fetch('/v1/chat/completions', {
      method: 'POST',
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const body = await response.text();
    assert.equal(clouds.openai.requests.at(-1)!.body.stream_options.include_usage, true);
    assert.ok(!body.includes('"prompt_tokens"'), 'usage stripped for the caller');
    assert.ok(body.trimEnd().endsWith('data: [DONE]'));
  });

  test('tool calls stream through and the SDK assembles them', async () => {
    clouds.openai.behave({ kind: 'tool_call', name: 'get_weather', arguments: { city: 'Paris' } });
    const stream = tw.openai.chat.completions.stream({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'weather?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: weather } }],
    });
    const completion = await stream.finalChatCompletion();
    const call = completion.choices[0]!.message.tool_calls![0]!;
    assert.equal(completion.choices[0]!.finish_reason, 'tool_calls');
    assert.equal(call.type === 'function' && call.function.name, 'get_weather');
    assert.deepEqual(call.type === 'function' && JSON.parse(call.function.arguments), { city: 'Paris' });
  });

  test('an OpenAI caller gets the upstream’s answer as it came, and a cached replay of it too, with its own id', async () => {
    const ask = () =>
      tw.fetch('/v1/chat/completions', {
        method: 'POST',
        body: JSON.stringify({
          model: 'gpt-4o-mini',
          temperature: 0,
          messages: [{ role: 'user', content: 'keep every field' }],
        }),
      });
    const first = (await (await ask()).json()) as any;
    // Fields the proxy has no model of reach the caller: it is the upstream's answer, not one rebuilt from it.
    assert.equal(first.system_fingerprint, SYSTEM_FINGERPRINT);
    assert.equal(first.service_tier, 'default');
    assert.deepEqual(first.choices[0].message.annotations, []);
    assert.equal(first.usage.completion_tokens_details.accepted_prediction_tokens, 0);
    const calls = clouds.openai.calls;
    const again = await ask();
    const second = (await again.json()) as any;
    assert.equal(again.headers.get('x-tokenwise-cache'), 'exact');
    assert.equal(clouds.openai.calls, calls, 'answered from the cache');
    assert.equal(second.choices[0].message.content, first.choices[0].message.content);
    assert.notEqual(second.id, first.id, 'a replay is a fresh answer with its own id');
    assert.deepEqual({ ...second, id: first.id, created: first.created }, first);
  });

  test('unknown fields and response_format reach an OpenAI upstream untouched', async () => {
    await tw.openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'json please' }],
      response_format: { type: 'json_object' },
      seed: 7,
      temperature: 0,
      stop: ['END'],
      max_tokens: 50,
      frequency_penalty: 0.5,
    });
    const body = clouds.openai.requests.at(-1)!.body;
    assert.deepEqual(body.response_format, { type: 'json_object' });
    assert.equal(body.frequency_penalty, 0.5);
    assert.equal(body.seed, 7);
    assert.deepEqual(body.stop, ['END']);
    assert.equal(body.max_tokens, 50);
  });

  test('upstream 429 reaches the caller as 429 with retry-after, in OpenAI shape', async () => {
    clouds.openai.behave({ kind: 'error', status: 429, retryAfter: 7, message: 'slow down' });
    const response = await tw.fetch('/v1/chat/completions', {
      method: 'POST',
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(response.status, 429);
    assert.equal(response.headers.get('retry-after'), '7');
    const body = (await response.json()) as { error: { message: string; type: string } };
    assert.match(body.error.message, /slow down/);
  });

  test('an upstream that rejects our key is a 502 for the caller, not a 401 about their token', async () => {
    clouds.openai.behave({ kind: 'error', status: 401, message: 'Incorrect API key provided' });
    await assert.rejects(
      tw.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      (e: { status: number; message: string }) => e.status === 502 && /rejected the configured API key/.test(e.message),
    );
  });

  test('a stream the upstream cuts mid-way is an error for the SDK, never a silent short answer', async () => {
    clouds.openai.behave({ kind: 'die_mid_stream', afterChunks: 3 });
    const stream = await tw.openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'a long answer please' }],
      stream: true,
    });
    await assert.rejects(async () => {
      for await (const _ of stream);
    }, /cut mid-way|ended without/);
    // and the proxy keeps serving
    clouds.openai.behave({ kind: 'echo' });
    const ok = await tw.openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'still there?' }],
    });
    assert.equal(ok.choices[0]!.message.content, 'echo: still there?');
  });

  test('a non-streaming upstream that dies before answering is a 502', async () => {
    clouds.openai.behave({ kind: 'die_mid_stream', afterChunks: 0 });
    await assert.rejects(
      tw.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      (e: { status: number }) => e.status === 502,
    );
  });

  test('the caller disconnecting aborts the upstream call', async () => {
    clouds.openai.behave({ kind: 'hang' });
    const before = clouds.openai.aborted;
    const controller = new AbortController();
    const pending = tw.openai.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
      { signal: controller.signal },
    );
    while (clouds.openai.calls === 0 || clouds.openai.requests.at(-1)!.body.messages[0].content !== 'hi')
      await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    await assert.rejects(pending);
    for (let i = 0; i < 100 && clouds.openai.aborted === before; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(clouds.openai.aborted, before + 1);
  });

  test('provider/model names pick the provider and strip the prefix', async () => {
    await tw.openai.chat.completions.create({
      model: 'openai/gpt-4.1-nano',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(clouds.openai.requests.at(-1)!.body.model, 'gpt-4.1-nano');
  });
});

describe('translation between the two APIs', () => {
  test('OpenAI-shaped request reaches Claude (system moved, tools translated) and comes back OpenAI-shaped', async () => {
    clouds.anthropic.behave({ kind: 'tool_call', name: 'get_weather', arguments: { city: 'Oslo' } });
    const completion = await tw.openai.chat.completions.create({
      model: 'claude-haiku-4-5',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'weather in Oslo?' },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters: weather } }],
    });
    const sent = clouds.anthropic.requests.at(-1)!;
    assert.equal(sent.headers['x-api-key'], 'sk-ant-upstream');
    assert.equal(sent.body.system, 'You are terse.');
    assert.deepEqual(sent.body.tools, [{ name: 'get_weather', description: 'Weather now', input_schema: weather }]);
    assert.equal(typeof sent.body.max_tokens, 'number');
    const call = completion.choices[0]!.message.tool_calls![0]!;
    assert.equal(completion.choices[0]!.finish_reason, 'tool_calls');
    assert.deepEqual(call.type === 'function' && JSON.parse(call.function.arguments), { city: 'Oslo' });
  });

  test('an OpenAI tool turn becomes tool_use / tool_result blocks for Claude', async () => {
    await tw.openai.chat.completions.create({
      model: 'claude-haiku-4-5',
      messages: [
        { role: 'user', content: 'weather in Oslo?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '-3°C' },
      ],
    });
    const messages = clouds.anthropic.requests.at(-1)!.body.messages;
    assert.deepEqual(messages[1], {
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Oslo' } }],
    });
    assert.deepEqual(messages[2], {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'call_1', content: [{ type: 'text', text: '-3°C' }] }],
    });
  });

  test('OpenAI streaming from Claude', async () => {
    const stream = await tw.openai.chat.completions.create({
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: 'stream from claude' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'echo: stream from claude');
    assert.ok(usage!.prompt_tokens > 0);
  });

  test('Anthropic-shaped request reaches an OpenAI upstream, streamed back as Anthropic events', async () => {
    clouds.openai.behave({
      kind: 'tool_call',
      name: 'get_weather',
      arguments: { city: 'Rome' },
      text: 'Let me check.',
    });
    const message = await tw.anthropic.messages
      .stream({
        model: 'gpt-4o-mini',
        max_tokens: 200,
        system: [{ type: 'text', text: 'Be brief.' }],
        messages: [{ role: 'user', content: 'weather in Rome?' }],
        tools: [{ name: 'get_weather', input_schema: weather as never }],
      })
      .finalMessage();
    const sent = clouds.openai.requests.at(-1)!.body;
    assert.deepEqual(sent.messages[0], { role: 'system', content: 'Be brief.' });
    assert.equal(sent.tools[0].function.name, 'get_weather');
    assert.equal(message.stop_reason, 'tool_use');
    assert.deepEqual(message.content[0], { type: 'text', text: 'Let me check.' });
    const toolUse = message.content[1]!;
    assert.equal(toolUse.type, 'tool_use');
    assert.deepEqual(toolUse.type === 'tool_use' && toolUse.input, { city: 'Rome' });
  });

  test('Anthropic tool_result blocks become OpenAI tool messages', async () => {
    await tw.anthropic.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'weather?' },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Rome' } }],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: '21°C' },
            { type: 'text', text: 'thanks' },
          ],
        },
      ],
    });
    const messages = clouds.openai.requests.at(-1)!.body.messages;
    assert.deepEqual(messages[1], {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
      ],
    });
    assert.deepEqual(messages[2], { role: 'tool', tool_call_id: 'toolu_1', content: '21°C' });
    assert.deepEqual(messages[3], { role: 'user', content: 'thanks' });
  });
});

describe('Anthropic Messages → Anthropic upstream', () => {
  test('non-streaming and streaming, body forwarded as sent', async () => {
    const message = await tw.anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      system: 'sys',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi claude', cache_control: { type: 'ephemeral' } }] },
      ],
    });
    assert.deepEqual(message.content, [{ type: 'text', text: 'echo: hi claude' }]);
    assert.deepEqual(
      clouds.anthropic.requests.at(-1)!.body.messages[0].content[0].cache_control,
      { type: 'ephemeral' },
      'client cache_control kept',
    );
    const streamed = await tw.anthropic.messages
      .stream({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'stream it' }] })
      .finalMessage();
    assert.deepEqual(streamed.content, [{ type: 'text', text: 'echo: stream it' }]);
    assert.ok(streamed.usage.output_tokens > 0);
  });

  test('cache read and write tokens are reported without double counting', async () => {
    clouds.anthropic.behave({
      kind: 'echo',
      usage: { input_tokens: 10, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200 },
    });
    const message = await tw.anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(message.usage.input_tokens, 10);
    assert.equal(message.usage.cache_read_input_tokens, 1000);
    assert.equal(message.usage.cache_creation_input_tokens, 200);
    const viaOpenAI = await tw.openai.chat.completions.create({
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(viaOpenAI.usage!.prompt_tokens, 1210);
    assert.equal(viaOpenAI.usage!.prompt_tokens_details!.cached_tokens, 1000);
  });

  test('overloaded (529) becomes 503 overloaded_error; a mid-stream death raises in the SDK', async () => {
    clouds.anthropic.behave({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' });
    await assert.rejects(
      tw.anthropic.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (e: { status: number; error: { error: { type: string } } }) =>
        e.status === 503 && e.error.error.type === 'overloaded_error',
    );
    clouds.anthropic.behave({ kind: 'die_mid_stream', afterChunks: 4 });
    await assert.rejects(
      tw.anthropic.messages
        .stream({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'a long one' }] })
        .finalMessage(),
    );
  });
});

test('GET /v1/models lists auto and the configured cloud models', async () => {
  const models = await tw.openai.models.list();
  const ids = models.data.map((m) => m.id);
  assert.ok(ids.includes('auto') && ids.includes('gpt-4o-mini') && ids.includes('claude-haiku-4-5'));
  assert.ok(!ids.includes('local'), 'local tier is off in this proxy');
});

test('an upstream that never answers times out as 504; one that goes quiet mid-stream is an error event', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-timeout-'));
  const configFile = path.join(dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify({ upstream: { timeoutMs: 300, idleTimeoutMs: 300 } }));
  const impatient = await startTestProxy({
    env: { OPENAI_BASE_URL: `${clouds.openai.url}/v1`, OPENAI_API_KEY: 'k', TOKENWISE_CONFIG: configFile },
  });
  try {
    clouds.openai.behave({ kind: 'hang' });
    await assert.rejects(
      impatient.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      (e: { status: number; message: string }) => e.status === 504 && /did not answer within 300 ms/.test(e.message),
    );
    clouds.openai.behave({ kind: 'text', text: 'slow and then silent', chunkDelayMs: 1000 });
    const stream = await impatient.openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    await assert.rejects(async () => {
      for await (const _ of stream);
    }, /went quiet for 300 ms/);
  } finally {
    await impatient.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('prompt caching: Claude gets cache_control on a long stable prefix; a client’s own breakpoints pass byte for byte', async () => {
  const system = 'You follow the house style guide to the letter. '.repeat(120);
  await tw.openai.chat.completions.create({
    model: 'claude-haiku-4-5',
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'q2' },
    ],
  });
  const marked = clouds.anthropic.requests.at(-1)!.body;
  assert.deepEqual(marked.system, [{ type: 'text', text: system, cache_control: { type: 'ephemeral' } }]);
  assert.deepEqual(marked.messages[1].content, [{ type: 'text', text: 'a1', cache_control: { type: 'ephemeral' } }]);

  const own = {
    model: 'claude-haiku-4-5',
    max_tokens: 50,
    system: [{ type: 'text', text: system, cache_control: { type: 'ephemeral', ttl: '1h' } }],
    messages: [{ role: 'user', content: 'q' }],
  };
  await tw.fetch('/v1/messages', { method: 'POST', body: JSON.stringify(own) });
  const forwarded = clouds.anthropic.requests.at(-1)!.body;
  assert.deepEqual(forwarded.system, own.system);
  assert.equal(
    JSON.stringify(forwarded).match(/cache_control/g)!.length,
    1,
    'nothing added on top of the client’s own',
  );
});
