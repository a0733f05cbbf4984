// The real node-llama-cpp on the generated tiny model (one thread), through the real HTTP proxy and the official
// SDKs. The model's output is gibberish by design; what is tested is loading, scheduling, streaming and accounting.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestProxy } from '../support/proxy.ts';
import { ensureTinyModel } from '../support/tiny-model.ts';

let tw: Awaited<ReturnType<typeof startTestProxy>>;

before(async () => {
  const model = await ensureTinyModel();
  // 1024 tokens per sequence: the tool documentation node-llama-cpp adds is ~700 tokens in this character vocab.
  tw = await startTestProxy({
    env: {
      TOKENWISE_LOCAL_MODEL: model,
      TOKENWISE_THREADS: '1',
      TOKENWISE_GPU: 'cpu',
      TOKENWISE_PARALLEL: '4',
      TOKENWISE_CONTEXT_SIZE: '1024',
    },
  });
  await tw.proxy.local!.start();
  assert.equal(tw.proxy.local!.health().state, 'ready');
});
after(() => tw.close());

const local = tw_local();
function tw_local() {
  return (content: string, extra: Record<string, unknown> = {}) => ({
    model: 'local',
    messages: [{ role: 'user' as const, content }],
    ...extra,
  });
}

describe('answers', () => {
  test('non-streaming: text, usage, finish_reason length at max_tokens, route header', async () => {
    const { data, response } = await tw.openai.chat.completions
      .create({ ...local('hello'), max_tokens: 12, temperature: 0 })
      .withResponse();
    assert.equal(data.choices[0]!.finish_reason, 'length');
    assert.equal(data.usage!.completion_tokens, 12);
    assert.ok(data.usage!.prompt_tokens > 5, 'prompt counted with the chat template');
    assert.ok(data.choices[0]!.message.content!.length > 0);
    assert.equal(data.model, 'tiny');
    assert.equal(response.headers.get('x-tokenwise-route'), 'local');
  });

  test('streaming: several chunks whose text equals the non-streamed answer at temperature 0', async () => {
    const request = { ...local('determinism'), max_tokens: 16, temperature: 0 };
    const whole = await tw.openai.chat.completions.create(request);
    const stream = await tw.openai.chat.completions.create({
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let chunks = 0;
    let usage;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta?.content) (text += chunk.choices[0].delta.content), chunks++;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.ok(chunks > 3);
    assert.equal(text, whole.choices[0]!.message.content);
    assert.equal(usage!.completion_tokens, 16);
  });

  test('seed makes sampling repeatable; another seed changes it', async () => {
    const ask = (seed: number) =>
      tw.openai.chat.completions
        .create({ ...local('seeded'), max_tokens: 24, temperature: 1, seed })
        .then((c) => c.choices[0]!.message.content);
    const [a, b, c] = [await ask(11), await ask(11), await ask(12)];
    assert.equal(a, b);
    assert.notEqual(a, c);
  });

  test('stop sequences end the answer before the stop text', async () => {
    const request = { ...local('stop here'), max_tokens: 40, temperature: 0 };
    const full = (await tw.openai.chat.completions.create(request)).choices[0]!.message.content!;
    const stop = full.slice(10, 13);
    const cut = await tw.openai.chat.completions.create({ ...request, stop: [stop] });
    assert.equal(cut.choices[0]!.finish_reason, 'stop');
    assert.equal(cut.choices[0]!.message.content, full.slice(0, full.indexOf(stop)));
  });

  test('response_format json_schema constrains the output to the schema', async () => {
    const schema = { type: 'object', properties: { answer: { enum: ['yes', 'no'] } }, required: ['answer'] };
    const completion = await tw.openai.chat.completions.create({
      ...local('yes or no?'),
      max_tokens: 40,
      response_format: { type: 'json_schema', json_schema: { name: 'a', schema } },
    });
    assert.ok(['yes', 'no'].includes(JSON.parse(completion.choices[0]!.message.content!).answer));
  });

  test('json_object mode: the JSON grammar makes the answer parse', async () => {
    // Seeded: this seed's answer is an object with a key (greedy decoding rambles inside one string past max_tokens).
    const completion = await tw.openai.chat.completions.create({
      ...local('some json'),
      max_tokens: 300,
      temperature: 0.7,
      seed: 2,
      response_format: { type: 'json_object' },
    });
    assert.equal(completion.choices[0]!.finish_reason, 'stop', 'the grammar closed the JSON within max_tokens');
    const answer = JSON.parse(completion.choices[0]!.message.content!);
    assert.ok(typeof answer === 'object' && Object.keys(answer).length > 0);
  });

  test('Messages output_config.format and a nullable (anyOf) field: the answer follows the schema', async () => {
    const schema = {
      type: 'object',
      properties: { verdict: { enum: ['safe', 'unsafe'] }, note: { anyOf: [{ type: 'null' }, { type: 'boolean' }] } },
      required: ['verdict', 'note'],
      additionalProperties: false,
    };
    const message = await tw.anthropic.messages.create({
      model: 'local',
      max_tokens: 60,
      messages: [{ role: 'user', content: 'safe?' }],
      output_config: { format: { type: 'json_schema', schema } },
    });
    const answer = JSON.parse((message.content[0] as { text: string }).text);
    assert.deepEqual(Object.keys(answer), ['verdict', 'note']);
    assert.ok(['safe', 'unsafe'].includes(answer.verdict));
    assert.ok(answer.note === null || typeof answer.note === 'boolean');
  });

  test('a schema the grammar cannot enforce is a 400 naming each caller’s own field, never an unconstrained answer', async () => {
    const schema = {
      type: 'object',
      properties: { code: { type: 'string', pattern: '^[A-Z]{3}$' } },
      required: ['code'],
    };
    const chat = (await tw.openai.chat.completions
      .create({
        ...local('code?'),
        max_tokens: 20,
        response_format: { type: 'json_schema', json_schema: { name: 'c', schema } },
      })
      .catch((e: unknown) => e)) as { status: number; error: { param: string; message: string } };
    assert.deepEqual([chat.status, chat.error.param], [400, 'response_format.json_schema.schema']);
    assert.match(chat.error.message, /cannot enforce "pattern" on a "string" schema at \/properties\/code/);
    const responses = (await tw.openai.responses
      .create({ model: 'local', input: 'code?', text: { format: { type: 'json_schema', name: 'c', schema } } })
      .catch((e: unknown) => e)) as { status: number; error: { param: string } };
    assert.deepEqual([responses.status, responses.error.param], [400, 'text.format.schema']);
    const messages = await tw.fetch('/v1/messages', {
      method: 'POST',
      body: JSON.stringify({
        model: 'local',
        max_tokens: 20,
        messages: [{ role: 'user', content: 'code?' }],
        output_config: { format: { type: 'json_schema', schema } },
      }),
    });
    assert.equal(messages.status, 400);
    assert.match(
      ((await messages.json()) as { error: { message: string } }).error.message,
      /^output_config\.format\.schema: the local model's grammar cannot enforce "pattern"/,
    );
  });

  test('tool_choice required, or tools with a response format, are 400s: the local model could not keep them', async () => {
    const tools = [
      {
        type: 'function' as const,
        function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
      },
    ];
    const forced = (await tw.openai.chat.completions
      .create({ ...local('weather?'), max_tokens: 5, tools, tool_choice: 'required' })
      .catch((e: unknown) => e)) as { status: number; error: { param: string } };
    assert.deepEqual([forced.status, forced.error.param], [400, 'tool_choice']);
    const both = (await tw.openai.chat.completions
      .create({ ...local('weather?'), max_tokens: 5, tools, response_format: { type: 'json_object' } })
      .catch((e: unknown) => e)) as { status: number; error: { param: string } };
    assert.deepEqual([both.status, both.error.param], [400, 'response_format']);
  });

  test('the anthropic SDK gets local answers, streamed and not', async () => {
    // This SDK version's types omit `temperature`; the Messages API still takes it.
    const greedy = { temperature: 0 } as object;
    const message = await tw.anthropic.messages.create({
      model: 'local',
      max_tokens: 10,
      ...greedy,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(message.stop_reason, 'max_tokens');
    assert.equal(message.usage.output_tokens, 10);
    assert.equal(message.content[0]!.type, 'text');
    const streamed = await tw.anthropic.messages
      .stream({ model: 'local', max_tokens: 10, ...greedy, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage();
    assert.equal(streamed.usage.output_tokens, 10);
    assert.ok(streamed.content[0]!.type === 'text' && streamed.content[0].text.length > 0);
  });

  test('tool definitions and a tool-result turn are rendered into the local model’s template', async () => {
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'get_weather',
          description: 'Weather now',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ];
    const plain = await tw.openai.chat.completions.create({ ...local('weather?'), max_tokens: 4 });
    const withTools = await tw.openai.chat.completions.create({
      model: 'local',
      max_tokens: 4,
      tools,
      messages: [
        { role: 'user', content: 'weather?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '-3C' },
      ],
    });
    assert.ok(
      withTools.usage!.prompt_tokens > plain.usage!.prompt_tokens + 300,
      'function docs and the call/result are in the prompt',
    );
  });

  test('a request larger than the local context is a 400 context_length_exceeded, not a crash', async () => {
    await assert.rejects(
      tw.openai.chat.completions.create({ ...local('x '.repeat(1500)), max_tokens: 5 }),
      (e: { status: number; code: string }) => e.status === 400 && e.code === 'context_length_exceeded',
    );
    const ok = await tw.openai.chat.completions.create({ ...local('still fine'), max_tokens: 3, temperature: 0 });
    assert.equal(ok.usage!.completion_tokens, 3);
  });
});

describe('scheduling', () => {
  test('concurrent requests run at once, each on its own sequence', async () => {
    const statsBefore = tw.proxy.local!.stats;
    assert.equal(statsBefore.peakActive, 1, 'earlier tests ran one at a time');
    let generated = 0;
    const texts = await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        const stream = await tw.openai.chat.completions.create({
          ...local(`parallel ${i}`),
          max_tokens: 400,
          stream: true,
          stream_options: { include_usage: true },
        });
        let text = '';
        for await (const chunk of stream) {
          text += chunk.choices[0]?.delta?.content ?? '';
          if (chunk.usage) generated += chunk.usage.completion_tokens;
        }
        return text;
      }),
    );
    // Each sequence holds at most one request, so four active at once means four sequences decoding together.
    assert.equal(tw.proxy.local!.stats.peakActive, 4);
    assert.equal(
      tw.proxy.local!.stats.outputTokens - statsBefore.outputTokens,
      generated,
      'each caller billed for its own tokens',
    );
    assert.equal(new Set(texts).size, 4, 'no request saw another one’s tokens');
  });

  test('a client that disconnects stops its generation and frees the sequence', async () => {
    const before = tw.proxy.local!.stats.outputTokens;
    const controller = new AbortController();
    const stream = await tw.openai.chat.completions.create(
      { ...local('long story'), max_tokens: 900, stream: true },
      { signal: controller.signal },
    );
    let seen = 0;
    try {
      for await (const chunk of stream) if (chunk.choices[0]?.delta?.content && ++seen === 3) controller.abort();
    } catch {
      // the SDK may or may not raise on a user abort; the proxy side is what is checked
    }
    assert.equal(seen, 3);
    for (let i = 0; i < 200 && tw.proxy.local!.stats.active > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(tw.proxy.local!.stats.active, 0);
    const generated = tw.proxy.local!.stats.outputTokens - before;
    assert.ok(generated < 900, `generation stopped early (${generated} of 900 tokens)`);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(tw.proxy.local!.stats.outputTokens - before, generated, 'and stays stopped');
  });
});

test('a full queue answers 503 with retry-after; the queued and running requests still finish', async () => {
  const model = await ensureTinyModel();
  const small = await startTestProxy({
    env: {
      TOKENWISE_LOCAL_MODEL: model,
      TOKENWISE_THREADS: '1',
      TOKENWISE_GPU: 'cpu',
      TOKENWISE_PARALLEL: '1',
      TOKENWISE_CONTEXT_SIZE: '256',
    },
    flags: { 'queue-size': '1' },
  });
  try {
    await small.proxy.local!.start();
    const body = JSON.stringify({ ...local('busy'), max_tokens: 150 });
    const send = () => small.fetch('/v1/chat/completions', { method: 'POST', body });
    const running = send();
    while (small.proxy.local!.stats.active === 0) await new Promise((r) => setTimeout(r, 2));
    const queued = send();
    while (small.proxy.local!.stats.queued === 0) await new Promise((r) => setTimeout(r, 2));
    const rejected = await send();
    assert.equal(rejected.status, 503);
    assert.ok(Number(rejected.headers.get('retry-after')) >= 1);
    assert.match(((await rejected.json()) as { error: { message: string } }).error.message, /local model is busy/);
    assert.deepEqual([(await running).status, (await queued).status], [200, 200]);
  } finally {
    await small.close();
  }
});
