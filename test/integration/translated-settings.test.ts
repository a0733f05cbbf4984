// Settings that cross APIs: a structured-output request translated to another API keeps its format or is refused
// with a 400 in the caller's shape naming the caller's field — never answered in plain text. Through the real proxy
// with the official SDKs; the loopback clouds check the settings the way the real APIs do.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startFakeAnthropic } from '../support/fake-anthropic.ts';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import { startTestProxy } from '../support/proxy.ts';

let openai: Awaited<ReturnType<typeof startFakeOpenAI>>;
let anthropic: Awaited<ReturnType<typeof startFakeAnthropic>>;
let tw: Awaited<ReturnType<typeof startTestProxy>>;

before(async () => {
  openai = await startFakeOpenAI();
  anthropic = await startFakeAnthropic();
  tw = await startTestProxy({
    config: { router: { retries: 0, lastResortLocal: false } },
    env: {
      OPENAI_BASE_URL: `${openai.url}/v1`,
      OPENAI_API_KEY: 'sk-upstream',
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_API_KEY: 'k',
    },
  });
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

// A schema OpenAI's strict mode accepts: closed objects, every property required.
const verdict = {
  type: 'object',
  properties: { answer: { type: 'string' }, confidence: { type: 'number' } },
  required: ['answer', 'confidence'],
  additionalProperties: false,
};
const weather = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: weather } }];

/** The OpenAI SDK's error for a refused call: status, param and message. */
async function refusal(call: Promise<unknown>): Promise<{ status: number; param: string; message: string }> {
  const error = (await call.then(
    () => assert.fail('expected a 400'),
    (e: unknown) => e,
  )) as { status: number; error: { param: string; message: string } };
  return { status: error.status, param: error.error.param, message: error.error.message };
}

describe('output format', () => {
  test('chat completions json_schema → Claude: output_config.format carries the schema; the answer follows it, streamed or not', async () => {
    const request = {
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user' as const, content: 'is it safe?' }],
      response_format: {
        type: 'json_schema' as const,
        json_schema: { name: 'verdict', schema: verdict, strict: true },
      },
    };
    const completion = await tw.openai.chat.completions.create(request);
    const sent = anthropic.requests.at(-1)!.body;
    assert.deepEqual(sent.output_config, { format: { type: 'json_schema', schema: verdict } });
    assert.equal(sent.response_format, undefined);
    assert.deepEqual(JSON.parse(completion.choices[0]!.message.content!), {
      answer: 'echo: is it safe?',
      confidence: 1,
    });
    const streamed = await tw.openai.chat.completions
      .stream({ ...request, messages: [{ role: 'user', content: 'streamed?' }] })
      .finalChatCompletion();
    assert.deepEqual(JSON.parse(streamed.choices[0]!.message.content!), { answer: 'echo: streamed?', confidence: 1 });
  });

  test('chat completions json_object → Claude is a 400 naming response_format; Claude is never called', async () => {
    const calls = anthropic.calls;
    const error = await refusal(
      tw.openai.chat.completions.create({
        model: 'claude-haiku-4-5',
        messages: [{ role: 'user', content: 'json' }],
        response_format: { type: 'json_object' },
      }),
    );
    assert.equal(error.status, 400);
    assert.equal(error.param, 'response_format');
    assert.match(error.message, /^response_format: Anthropic has no JSON mode without a schema/);
    assert.equal(anthropic.calls, calls);
  });

  test('Responses text.format json_schema → Claude: applied, so the echoed text.format is true; json_object is a 400 naming text.format', async () => {
    const text = { format: { type: 'json_schema' as const, name: 'verdict', schema: verdict, strict: true } };
    const response = await tw.openai.responses.create({ model: 'claude-haiku-4-5', input: 'is it safe?', text });
    assert.deepEqual(anthropic.requests.at(-1)!.body.output_config, {
      format: { type: 'json_schema', schema: verdict },
    });
    assert.deepEqual(JSON.parse(response.output_text), { answer: 'echo: is it safe?', confidence: 1 });
    assert.deepEqual(response.text, text);
    const error = await refusal(
      tw.openai.responses.create({
        model: 'claude-haiku-4-5',
        input: 'json',
        text: { format: { type: 'json_object' } },
      }),
    );
    assert.equal(error.status, 400);
    assert.equal(error.param, 'text.format');
    assert.match(error.message, /^text\.format: Anthropic has no JSON mode/);
  });

  test('Messages output_config.format → OpenAI: a strict json_schema response_format; the answer follows it', async () => {
    const message = await tw.anthropic.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 200,
      messages: [{ role: 'user', content: 'is it safe?' }],
      output_config: { format: { type: 'json_schema', schema: verdict } },
    });
    const sent = openai.requests.at(-1)!.body;
    assert.deepEqual(sent.response_format, {
      type: 'json_schema',
      json_schema: { name: 'response', schema: verdict, strict: true },
    });
    assert.equal(sent.output_config, undefined);
    assert.equal(message.content[0]!.type, 'text');
    assert.deepEqual(JSON.parse((message.content[0] as { text: string }).text), {
      answer: 'echo: is it safe?',
      confidence: 1,
    });
  });

  test('Messages output_config.format with a schema OpenAI cannot hold strictly: a clean 400 in Anthropic’s shape, no plain-text answer', async () => {
    const error = (await tw.anthropic.messages
      .create({
        model: 'gpt-4o-mini',
        max_tokens: 200,
        messages: [{ role: 'user', content: 'hi' }],
        output_config: { format: { type: 'json_schema', schema: weather } },
      })
      .catch((e: unknown) => e)) as {
      status: number;
      error: { type: string; error: { type: string; message: string } };
    };
    assert.equal(error.status, 400);
    assert.equal(error.error.type, 'error');
    assert.equal(error.error.error.type, 'invalid_request_error');
    assert.match(error.error.error.message, /additionalProperties/);
  });

  test('an Anthropic caller’s output_config.format that is not json_schema is a 400 naming it', async () => {
    const response = await tw.fetch('/v1/messages', {
      method: 'POST',
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
        output_config: { format: { type: 'json_object' } },
      }),
    });
    assert.equal(response.status, 400);
    assert.match(
      ((await response.json()) as { error: { message: string } }).error.message,
      /^output_config\.format\.type: expected "json_schema"/,
    );
  });
});

describe('tools, stop, reasoning and user', () => {
  test('chat completions → Claude: tool_choice required and parallel_tool_calls false become any + disable_parallel_tool_use; none stays none', async () => {
    anthropic.behave({ kind: 'tool_call', name: 'get_weather', arguments: { city: 'Oslo' } });
    await tw.openai.chat.completions.create({
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: 'weather?' }],
      tools,
      tool_choice: 'required',
      parallel_tool_calls: false,
      user: 'u-7',
    });
    const sent = anthropic.requests.at(-1)!.body;
    assert.deepEqual(sent.tool_choice, { type: 'any', disable_parallel_tool_use: true });
    assert.deepEqual(sent.metadata, { user_id: 'u-7' });
    anthropic.behave({ kind: 'echo' });
    await tw.openai.chat.completions.create({
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: 'no tools now' }],
      tools,
      tool_choice: 'none',
    });
    assert.deepEqual(anthropic.requests.at(-1)!.body.tool_choice, { type: 'none' });
    assert.equal(anthropic.requests.at(-1)!.body.tools.length, 1, 'tools stay defined: earlier turns may use them');
  });

  test('chat completions → Claude: a whitespace-only stop sequence is a 400 naming stop', async () => {
    const error = await refusal(
      tw.openai.chat.completions.create({
        model: 'claude-haiku-4-5',
        messages: [{ role: 'user', content: 'one line' }],
        stop: ['\n'],
      }),
    );
    assert.deepEqual([error.status, error.param], [400, 'stop']);
  });

  test('reasoning_effort → Claude: a thinking budget under max_tokens; settings thinking cannot keep are 400s', async () => {
    await tw.openai.chat.completions.create({
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: 'think' }],
      reasoning_effort: 'high',
    });
    const sent = anthropic.requests.at(-1)!.body;
    assert.deepEqual(sent.thinking, { type: 'enabled', budget_tokens: 16384 });
    assert.ok(sent.max_tokens > 16384, 'room for the answer after the thinking');
    await tw.openai.chat.completions.create({
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: 'think' }],
      reasoning_effort: 'medium',
      max_completion_tokens: 3000,
    });
    assert.deepEqual(
      [anthropic.requests.at(-1)!.body.thinking.budget_tokens, anthropic.requests.at(-1)!.body.max_tokens],
      [2999, 3000],
    );
    await tw.openai.chat.completions.create({
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: 'quick' }],
      reasoning_effort: 'none',
    });
    assert.equal(anthropic.requests.at(-1)!.body.thinking, undefined);
    const cold = await refusal(
      tw.openai.chat.completions.create({
        model: 'claude-haiku-4-5',
        messages: [{ role: 'user', content: 'think' }],
        reasoning_effort: 'low',
        temperature: 0,
      }),
    );
    assert.deepEqual([cold.status, cold.param], [400, 'temperature']);
    const short = await refusal(
      tw.openai.chat.completions.create({
        model: 'claude-haiku-4-5',
        messages: [{ role: 'user', content: 'think' }],
        reasoning_effort: 'low',
        max_completion_tokens: 500,
      }),
    );
    assert.deepEqual([short.status, short.param], [400, 'reasoning_effort']);
    const forced = await refusal(
      tw.openai.chat.completions.create({
        model: 'claude-haiku-4-5',
        messages: [{ role: 'user', content: 'think' }],
        reasoning_effort: 'low',
        tools,
        tool_choice: 'required',
      }),
    );
    assert.deepEqual([forced.status, forced.param], [400, 'tool_choice']);
  });

  test('Responses → Claude: reasoning.effort becomes thinking, parallel_tool_calls false becomes disable_parallel_tool_use; the next turn of the tool loop goes without thinking', async () => {
    const tool = { type: 'function' as const, name: 'get_weather', parameters: weather, strict: false };
    anthropic.behave({ kind: 'tool_call', name: 'get_weather', arguments: { city: 'Oslo' } });
    const first = await tw.openai.responses.create({
      model: 'claude-haiku-4-5',
      input: 'weather?',
      reasoning: { effort: 'low' },
      tools: [tool],
      parallel_tool_calls: false,
    });
    const sent = anthropic.requests.at(-1)!.body;
    assert.deepEqual(sent.thinking, { type: 'enabled', budget_tokens: 2048 });
    assert.deepEqual(sent.tool_choice, { type: 'auto', disable_parallel_tool_use: true });
    // Claude would want its signed thinking back before the tool_use; a Responses caller never had it.
    const call = first.output.find((item) => item.type === 'function_call')!;
    anthropic.behave({ kind: 'echo' });
    const second = await tw.openai.responses.create({
      model: 'claude-haiku-4-5',
      reasoning: { effort: 'low' },
      tools: [tool],
      input: [
        'weather?',
        call,
        { type: 'function_call_output', call_id: (call as { call_id: string }).call_id, output: '-3C' },
      ].map((item) => (typeof item === 'string' ? { role: 'user' as const, content: item } : item)) as never,
    });
    assert.equal(second.status, 'completed');
    assert.equal(anthropic.requests.at(-1)!.body.thinking, undefined);
  });

  test('Messages → OpenAI: a named tool with disable_parallel_tool_use, metadata.user_id and stop_sequences map; more than 4 stops is a 400 naming stop_sequences', async () => {
    openai.behave({ kind: 'tool_call', name: 'get_weather', arguments: { city: 'Rome' } });
    await tw.anthropic.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'weather?' }],
      stop_sequences: ['END'],
      metadata: { user_id: 'u-9' },
      tools: [{ name: 'get_weather', input_schema: weather as never }],
      tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true },
    });
    const sent = openai.requests.at(-1)!.body;
    assert.deepEqual(sent.tool_choice, { type: 'function', function: { name: 'get_weather' } });
    assert.equal(sent.parallel_tool_calls, false);
    assert.deepEqual([sent.user, sent.stop], ['u-9', ['END']]);
    const calls = openai.calls;
    const error = (await tw.anthropic.messages
      .create({
        model: 'gpt-4o-mini',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'hi' }],
        stop_sequences: ['a', 'b', 'c', 'd', 'e'],
      })
      .catch((e: unknown) => e)) as { status: number; error: { error: { message: string } } };
    assert.equal(error.status, 400);
    assert.match(error.error.error.message, /^stop_sequences: OpenAI-compatible models take at most 4 stop sequences/);
    assert.equal(openai.calls, calls, 'refused before the upstream');
  });
});
