// POST /v1/responses (the OpenAI Responses API, all Codex speaks) through the real proxy with the official openai SDK:
// to an OpenAI upstream the caller's body goes unchanged and opaque items come back intact; the local model and
// Anthropic answer it through the internal shape.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startFakeAnthropic } from '../support/fake-anthropic.ts';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import { FAKE_ENCRYPTED_REASONING } from '../support/fake-openai-responses.ts';
import { startTestProxy } from '../support/proxy.ts';
import { ensureTinyModel } from '../support/tiny-model.ts';

let openai: Awaited<ReturnType<typeof startFakeOpenAI>>;
let anthropic: Awaited<ReturnType<typeof startFakeAnthropic>>;
let tw: Awaited<ReturnType<typeof startTestProxy>>;
const logged: string[] = [];

before(async () => {
  openai = await startFakeOpenAI();
  anthropic = await startFakeAnthropic();
  tw = await startTestProxy({
    config: {
      // A rule routes forced tool calls to the local model: with no audits yet, the classifier alone would keep a
      // tools prompt in the cloud, and the fallback test needs a request the router sent to the local model.
      router: {
        retries: 0,
        lastResortLocal: false,
        rules: [
          {
            name: 'forced tool calls try the local model',
            when: { requestedModel: 'auto', toolRequired: true },
            route: 'local',
          },
        ],
      },
    },
    env: {
      OPENAI_BASE_URL: `${openai.url}/v1`,
      OPENAI_API_KEY: 'sk-upstream',
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_API_KEY: 'k',
      TOKENWISE_LOCAL_MODEL: await ensureTinyModel(),
      TOKENWISE_THREADS: '1',
      TOKENWISE_CONTEXT_SIZE: '1024',
    },
    log: (line: string) => logged.push(line),
  });
  await tw.proxy.local!.start();
});
after(async () => {
  await tw.close();
  await openai.close();
  await anthropic.close();
});
beforeEach(() => {
  openai.behave({ kind: 'echo' });
  anthropic.behave({ kind: 'echo' });
});

const shell = {
  type: 'function',
  name: 'shell',
  description: 'Runs a command',
  strict: false,
  parameters: {
    type: 'object',
    properties: { command: { type: 'array', items: { type: 'string' } } },
    required: ['command'],
  },
};
// The tool kinds Codex sends besides functions: only OpenAI understands them.
const codexOnlyTools = [
  {
    type: 'custom',
    name: 'apply_patch',
    description: 'Edits files',
    format: { type: 'grammar', syntax: 'lark', definition: 'start: /.+/' },
  },
  { type: 'web_search', external_web_access: false },
  { type: 'tool_search' },
  {
    type: 'namespace',
    name: 'mcp__files',
    description: 'file tools',
    tools: [{ type: 'function', name: 'read', parameters: { type: 'object', properties: {} } }],
  },
];

/** A Codex-shaped body: developer messages, a reasoning item from an earlier turn, one tool round trip. */
function codexBody(question: string, extra: Record<string, unknown> = {}) {
  return {
    model: 'gpt-4o-mini',
    instructions: 'You are a coding agent.',
    input: [
      {
        type: 'message',
        role: 'developer',
        content: [{ type: 'input_text', text: '<permissions>read-only</permissions>' }],
      },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'list the files' }] },
      { type: 'reasoning', summary: [], content: null, encrypted_content: 'gAAAAABearlierTurn==' },
      { type: 'function_call', name: 'shell', arguments: '{"command":["ls"]}', call_id: 'call_1' },
      { type: 'function_call_output', call_id: 'call_1', output: 'README.md\nsrc' },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Two entries.' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: question }] },
    ],
    tools: [shell, ...codexOnlyTools],
    tool_choice: 'auto',
    parallel_tool_calls: false,
    reasoning: { effort: 'medium', summary: 'auto' },
    store: false,
    stream: false,
    include: ['reasoning.encrypted_content'],
    prompt_cache_key: 'session-1234',
    text: { verbosity: 'low' },
    ...extra,
  };
}

/** Every event of a streamed response, in order. */
async function events(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const { data, response } = await tw.openai.responses
    .create({ ...body, stream: true } as never, { headers })
    .withResponse();
  const seen: Record<string, any>[] = [];
  for await (const event of data as unknown as AsyncIterable<Record<string, any>>) seen.push(event);
  return { seen, headers: response.headers };
}

describe('to an OpenAI upstream', () => {
  test('the caller body reaches /v1/responses unchanged but for the model; reasoning comes back with its encrypted_content', async () => {
    const body = codexBody('and now?', { model: 'openai/gpt-4o-mini' });
    const { data, response } = await tw.openai.responses.create(body as never).withResponse();
    const forwarded = openai.requests.at(-1)!;
    assert.equal(forwarded.path, '/v1/responses');
    assert.equal(forwarded.headers.authorization, 'Bearer sk-upstream');
    assert.deepEqual(forwarded.body, { ...body, model: 'gpt-4o-mini' });
    assert.equal(response.headers.get('x-tokenwise-route'), 'cloud');

    const answer = data as unknown as Record<string, any>;
    assert.equal(answer.object, 'response');
    assert.equal(answer.status, 'completed');
    assert.deepEqual(
      answer.output.map((i: any) => i.type),
      ['reasoning', 'message'],
    );
    assert.equal(answer.output[0].encrypted_content, FAKE_ENCRYPTED_REASONING);
    assert.equal(answer.output_text, 'echo: and now?');
    assert.ok(
      answer.usage.input_tokens > 0 && answer.usage.output_tokens > answer.usage.output_tokens_details.reasoning_tokens,
    );
    assert.equal(answer.usage.total_tokens, answer.usage.input_tokens + answer.usage.output_tokens);
    assert.equal(answer.prompt_cache_key, 'session-1234');
  });

  test('streamed: the full event sequence, numbered, with usage at the end and the ledger recording it', async () => {
    openai.behave({ kind: 'echo', usage: { prompt_tokens: 7000, cached_tokens: 6000, reasoning_tokens: 30 } });
    const { seen } = await events(codexBody('stream it'), { 'x-tokenwise-client': 'codex-stream-test' });
    assert.equal(openai.requests.at(-1)!.body.stream, true);
    assert.deepEqual(
      seen.map((e) => e.sequence_number),
      seen.map((_, i) => i),
    );
    const types = seen.map((e) => e.type);
    assert.deepEqual(types.slice(0, 2), ['response.created', 'response.in_progress']);
    assert.equal(types.at(-1), 'response.completed');
    for (const type of ['response.content_part.added', 'response.output_text.done', 'response.content_part.done'])
      assert.ok(types.includes(type), type);
    const reasoning = seen.find((e) => e.type === 'response.output_item.done' && e.item.type === 'reasoning');
    assert.equal(reasoning?.item.encrypted_content, FAKE_ENCRYPTED_REASONING);
    const deltas = seen.filter((e) => e.type === 'response.output_text.delta');
    assert.ok(deltas.length > 1, 'relayed piece by piece');
    assert.equal(deltas.map((e) => e.delta).join(''), 'echo: stream it');
    const done = seen.at(-1)!.response;
    assert.deepEqual(done.usage, {
      input_tokens: 7000,
      input_tokens_details: { cached_tokens: 6000 },
      output_tokens: done.usage.output_tokens,
      output_tokens_details: { reasoning_tokens: 30 },
      total_tokens: 7000 + done.usage.output_tokens,
    });
    assert.equal(done.output.length, 2);

    const usage = await (await tw.fetch('/tokenwise/usage?groupBy=client')).json();
    const mine = usage.groups.find((g: any) => g.key === 'codex-stream-test');
    assert.deepEqual(
      [mine.requests, mine.errors, mine.inputTokens, mine.cachedTokens, mine.outputTokens],
      [1, 0, 7000, 6000, done.usage.output_tokens],
    );
    assert.ok(mine.costUsd > 0);
  });

  test('two-turn tool use: a function_call streams out, its output goes back with the history', async () => {
    openai.behave({ kind: 'tool_call', name: 'shell', arguments: { command: ['cat', 'README.md'] } });
    const first = await events({ model: 'gpt-4o-mini', input: 'read the readme', tools: [shell] });
    const call = first.seen.find(
      (e) => e.type === 'response.output_item.done' && e.item.type === 'function_call',
    )!.item;
    assert.equal(call.name, 'shell');
    assert.deepEqual(JSON.parse(call.arguments), { command: ['cat', 'README.md'] });
    const argsDone = first.seen.find((e) => e.type === 'response.function_call_arguments.done')!;
    assert.equal(argsDone.arguments, call.arguments);
    assert.ok(first.seen.some((e) => e.type === 'response.function_call_arguments.delta'));

    openai.behave({ kind: 'echo' });
    const history = [
      { role: 'user', content: 'read the readme' },
      { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
      { type: 'function_call_output', call_id: call.call_id, output: '# Tokenwise' },
      { role: 'user', content: 'summarise' },
    ];
    const second = await tw.openai.responses.create({ model: 'gpt-4o-mini', input: history, tools: [shell] } as never);
    assert.equal(second.output_text, 'echo: summarise');
    assert.deepEqual(openai.requests.at(-1)!.body.input, history);
  });

  test('a stream cut upstream ends in response.failed and is not cached; a complete one is, with its reasoning item', async () => {
    const body = { ...codexBody('cache me'), temperature: 0 };
    openai.behave({ kind: 'die_mid_stream', afterChunks: 6 });
    const response = await tw.fetch('/v1/responses', {
      method: 'POST',
      body: JSON.stringify({ ...body, stream: true }),
    });
    const text = await response.text();
    assert.match(text, /event: error\n/);
    assert.match(text, /event: response\.failed\ndata: .*"status":"failed"/);
    assert.doesNotMatch(text, /response\.completed/);

    openai.behave({ kind: 'echo' });
    const calls = openai.calls;
    const live = await events(body);
    assert.equal(live.headers.get('x-tokenwise-cache'), 'miss', 'the cut stream was not stored');
    const replay = await events(body);
    assert.equal(replay.headers.get('x-tokenwise-cache'), 'exact');
    assert.equal(openai.calls, calls + 1);
    const items = (r: typeof live) =>
      r.seen.at(-1)!.response.output.map((i: any) => i.encrypted_content ?? i.content?.[0]?.text);
    assert.deepEqual(items(replay), items(live));
  });

  test('an upstream error before the stream is an HTTP error in OpenAI shape', async () => {
    openai.behave({ kind: 'error', status: 429, retryAfter: 1 });
    const response = await tw.fetch('/v1/responses', {
      method: 'POST',
      body: JSON.stringify({ model: 'gpt-4o-mini', input: 'hi', stream: true }),
    });
    assert.equal(response.status, 429);
    const body = await response.json();
    assert.equal(body.error.type, 'rate_limit_error');
  });
});

describe('to other targets', () => {
  test('the local model answers from the internal shape, JSON and streamed', async () => {
    const ask = { model: 'local', instructions: 'Be brief.', input: 'hello', max_output_tokens: 8, temperature: 0 };
    const { data, response } = await tw.openai.responses.create(ask).withResponse();
    assert.equal(response.headers.get('x-tokenwise-route'), 'local');
    assert.equal(data.status, 'incomplete');
    assert.equal(data.incomplete_details?.reason, 'max_output_tokens');
    assert.equal(data.usage!.output_tokens, 8);
    assert.ok(data.output_text.length > 0);
    assert.equal(data.model, 'tiny');

    const { seen } = await events(ask);
    assert.equal(seen.at(-1)!.type, 'response.incomplete');
    assert.equal(
      seen
        .filter((e) => e.type === 'response.output_text.delta')
        .map((e) => e.delta)
        .join(''),
      data.output_text,
      'same greedy answer both ways',
    );
  });

  test('text.format json_schema on the local model: the grammar holds the answer to it, and the reply echoes the format it applied', async () => {
    const text = {
      format: {
        type: 'json_schema' as const,
        name: 'v',
        schema: {
          type: 'object',
          properties: { ok: { type: 'boolean' } },
          required: ['ok'],
          additionalProperties: false,
        },
      },
    };
    const data = await tw.openai.responses.create({ model: 'local', input: 'ok?', max_output_tokens: 30, text });
    assert.equal(typeof JSON.parse(data.output_text).ok, 'boolean');
    assert.deepEqual(data.text, text);
  });

  test('too long for the local model, untrimmed: a 400 naming input, the field a Responses caller sent', async () => {
    const response = await tw.fetch('/v1/responses', {
      method: 'POST',
      headers: { 'x-tokenwise-trim': 'off' },
      body: JSON.stringify({ model: 'local', input: 'word '.repeat(3000), max_output_tokens: 8 }),
    });
    assert.equal(response.status, 400);
    const { error } = (await response.json()) as { error: { param: string; code: string } };
    assert.deepEqual([error.param, error.code], ['input', 'context_length_exceeded']);
  });

  test('routed to the local model, a constraint it cannot keep sends the request to the cloud, which keeps it', async () => {
    const tool = {
      type: 'function' as const,
      name: 'get_weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
      strict: false,
    };
    openai.behave({ kind: 'tool_call', name: 'get_weather', arguments: { city: 'Oslo' } });
    const { data, response } = await tw.openai.responses
      .create({ model: 'auto', input: 'weather?', tools: [tool], tool_choice: 'required' })
      .withResponse();
    assert.equal(response.headers.get('x-tokenwise-route'), 'cloud');
    assert.match(
      response.headers.get('x-tokenwise-reason')!,
      /local failed: tool_choice: the local model cannot be forced/,
    );
    assert.equal(openai.requests.at(-1)!.body.tool_choice, 'required');
    assert.equal(data.output[0]!.type, 'function_call');
  });

  test('Anthropic gets function tools mapped, the others dropped (and logged), and the tool round trip as tool_use / tool_result', async () => {
    anthropic.behave({ kind: 'tool_call', name: 'shell', arguments: { command: ['ls'] } });
    const body = { ...codexBody('what next?'), model: 'claude-haiku-4-5' };
    const first = await tw.openai.responses.create(body as never);
    const call = first.output.find((i) => i.type === 'function_call')!;
    assert.ok(call.type === 'function_call' && call.name === 'shell' && call.call_id.length > 0);
    assert.deepEqual(JSON.parse((call as { arguments: string }).arguments), { command: ['ls'] });

    const sent = anthropic.requests.at(-1)!.body;
    assert.deepEqual(
      sent.tools.map((t: any) => t.name),
      ['shell'],
    );
    assert.deepEqual(sent.tools[0].input_schema, shell.parameters);
    assert.equal(sent.system, 'You are a coding agent.\n\n<permissions>read-only</permissions>');
    const blocks = sent.messages.flatMap((m: any) =>
      (Array.isArray(m.content) ? m.content : []).map((b: any) => `${m.role}:${b.type}`),
    );
    assert.deepEqual(blocks, ['user:text', 'assistant:tool_use', 'user:tool_result', 'assistant:text', 'user:text']);
    const note = logged.find((l) => l.startsWith('anthropic answers a Responses request without: '));
    for (const dropped of [
      'custom tool "apply_patch"',
      'web_search tool',
      'tool_search tool',
      'namespace tool "mcp__files"',
      'reasoning items',
    ])
      assert.ok(note?.includes(dropped), `${dropped} in: ${note}`);
  });

  test('documents in a Responses request are trimmed for Anthropic, which answers from the internal shape; OpenAI gets the body as sent', async () => {
    anthropic.behave({ kind: 'echo' });
    const filler = (topic: string) => `${topic} `.repeat(60);
    const documents = [
      '<document title="Vitamin C"><content>Vitamin C, also called ascorbic acid, is found in citrus fruit such as oranges and lemons.</content></document>',
      ...Array.from(
        { length: 14 },
        (_, i) =>
          `<document title="Unrelated ${i}"><content>${filler(`gearbox turbine shipping ledger ${i}`)}</content></document>`,
      ),
    ].join('\n');
    const input = `${documents}\n\nQuestion: Which fruits contain vitamin C?`;
    await tw.openai.responses.create({ model: 'claude-haiku-4-5', input, max_output_tokens: 16 });
    const toAnthropic = JSON.stringify(anthropic.requests.at(-1)!.body.messages);
    assert.ok(
      toAnthropic.includes('ascorbic acid') && !toAnthropic.includes('Unrelated 7'),
      'the unrelated documents went',
    );
    await tw.openai.responses.create({ model: 'gpt-4o-mini', input, max_output_tokens: 16 });
    assert.equal(openai.requests.at(-1)!.body.input, input, 'an OpenAI upstream gets the Responses body untouched');
  });

  test('Anthropic answers stream as Responses events', async () => {
    const { seen, headers } = await events({
      model: 'claude-haiku-4-5',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'hi there' }] }],
    });
    assert.equal(headers.get('x-tokenwise-route'), 'cloud');
    assert.equal(
      seen
        .filter((e) => e.type === 'response.output_text.delta')
        .map((e) => e.delta)
        .join(''),
      'echo: hi there',
    );
    assert.ok(seen.at(-1)!.response.usage.input_tokens > 0);
  });
});

describe('bad input', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['missing input', { model: 'gpt-4o-mini' }, 'input'],
    ['input of the wrong type', { model: 'gpt-4o-mini', input: 42 }, 'input'],
    ['empty input', { model: 'gpt-4o-mini', input: [] }, 'input'],
    ['missing model', { input: 'hi' }, 'model'],
    ['unknown role', { model: 'gpt-4o-mini', input: [{ role: 'robot', content: 'hi' }] }, 'input[0].role'],
    [
      'content part without text',
      { model: 'gpt-4o-mini', input: [{ role: 'user', content: [{ type: 'input_text' }] }] },
      'input[0].content[0].text',
    ],
    [
      'function_call without call_id',
      { model: 'gpt-4o-mini', input: [{ type: 'function_call', name: 'f', arguments: '{}' }] },
      'input[0].call_id',
    ],
    ['tool without a type', { model: 'gpt-4o-mini', input: 'hi', tools: [{ name: 'f' }] }, 'tools[0].type'],
    [
      'max_output_tokens not a number',
      { model: 'gpt-4o-mini', input: 'hi', max_output_tokens: 'many' },
      'max_output_tokens',
    ],
    ['stream not a boolean', { model: 'gpt-4o-mini', input: 'hi', stream: 'yes' }, 'stream'],
  ];
  for (const [name, body, param] of cases) {
    test(`${name} → 400 naming ${param}`, async () => {
      const calls = openai.calls;
      const response = await tw.fetch('/v1/responses', { method: 'POST', body: JSON.stringify(body) });
      assert.equal(response.status, 400);
      const error = (await response.json()).error;
      assert.equal(error.type, 'invalid_request_error');
      assert.equal(error.param, param);
      assert.ok(error.message.startsWith(param), error.message);
      assert.equal(openai.calls, calls, 'never forwarded');
    });
  }

  test('the SDK raises a BadRequestError', async () => {
    await assert.rejects(
      tw.openai.responses.create({ model: 'gpt-4o-mini' } as never),
      (error: any) => error.status === 400 && error.error?.param === 'input',
    );
  });
});
