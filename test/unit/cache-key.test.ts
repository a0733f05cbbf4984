import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseChatCompletionRequest } from '../../proxy/api/openai/chat-request.ts';
import { parseMessagesRequest } from '../../proxy/api/anthropic/messages-request.ts';
import { parseResponsesRequest } from '../../proxy/api/openai/responses-request.ts';
import { canonicalJson, exactKey, isDeterministic, requestKeys } from '../../proxy/cache/key.ts';

const openai = (body: Record<string, unknown>) =>
  exactKey(parseChatCompletionRequest(JSON.parse(JSON.stringify(body))), 'openai', 'gpt-4o-mini');
const base = {
  model: 'gpt-4o-mini',
  temperature: 0,
  messages: [
    { role: 'system', content: 'sys' },
    { role: 'user', content: 'hi' },
  ],
};

test('key order, whitespace, stream flags and the user id do not change the key', () => {
  const reordered = {
    messages: base.messages.map((m) => ({ content: m.content, role: m.role })),
    temperature: 0,
    model: 'gpt-4o-mini',
  };
  assert.equal(openai(base), openai(reordered));
  assert.equal(
    openai(base),
    exactKey(parseChatCompletionRequest(JSON.parse(JSON.stringify(base, null, 4))), 'openai', 'gpt-4o-mini'),
  );
  assert.equal(
    openai(base),
    openai({ ...base, stream: true, stream_options: { include_usage: true }, user: 'someone' }),
  );
  assert.equal(
    canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } }),
    '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}',
  );
});

test('anything that can change the answer changes the key', () => {
  const variants: Record<string, unknown>[] = [
    { ...base, temperature: 0.1 },
    { ...base, seed: 1 },
    { ...base, max_tokens: 10 },
    { ...base, stop: ['x'] },
    { ...base, top_p: 0.5 },
    { ...base, messages: [...base.messages.slice(0, 1), { role: 'user', content: 'hi!' }] },
    { ...base, messages: [{ role: 'system', content: 'other' }, base.messages[1]] },
    { ...base, tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }] },
    { ...base, response_format: { type: 'json_object' } },
    { ...base, logit_bias: { '50256': -100 } },
  ];
  const keys = new Set([openai(base), ...variants.map(openai)]);
  assert.equal(keys.size, variants.length + 1);
  const request = parseChatCompletionRequest(base);
  assert.notEqual(
    exactKey(request, 'openai', 'gpt-4o-mini'),
    exactKey(request, 'openai', 'gpt-4o'),
    'the resolved model is part of the key',
  );
  assert.notEqual(exactKey(request, 'openai', 'm'), exactKey(request, 'groq', 'm'), 'and so is the provider');
  const anthropic = parseMessagesRequest({
    model: 'gpt-4o-mini',
    max_tokens: 100,
    temperature: 0,
    system: 'sys',
    messages: [{ role: 'user', content: 'hi' }],
  });
  assert.notEqual(exactKey(anthropic, 'openai', 'gpt-4o-mini'), openai(base), 'the two APIs never share keys');
});

test('deterministic means temperature 0 or a seed', () => {
  assert.equal(isDeterministic(parseChatCompletionRequest(base)), true);
  assert.equal(isDeterministic(parseChatCompletionRequest({ ...base, temperature: 0.7, seed: 3 })), true);
  assert.equal(isDeterministic(parseChatCompletionRequest({ ...base, temperature: undefined })), false);
});

test('the semantic context key covers everything but the final user message', () => {
  const keys = (body: Record<string, unknown>) =>
    requestKeys(parseChatCompletionRequest(body), 'openai', 'gpt-4o-mini');
  const a = keys(base);
  const b = keys({ ...base, messages: [base.messages[0], { role: 'user', content: 'hello' }] });
  assert.equal(a.semantic!.contextKey, b.semantic!.contextKey);
  assert.notEqual(a.exact, b.exact);
  assert.deepEqual([a.semantic!.question, b.semantic!.question], ['hi', 'hello']);
  assert.notEqual(
    keys({ ...base, messages: [{ role: 'system', content: 'other' }, base.messages[1]] }).semantic!.contextKey,
    a.semantic!.contextKey,
  );
  assert.notEqual(keys({ ...base, temperature: 0, seed: 1 }).semantic!.contextKey, a.semantic!.contextKey);
  const withTool = keys({
    ...base,
    messages: [
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'c', content: 'x' },
      { role: 'user', content: 'hi' },
    ],
  });
  assert.equal(withTool.semantic, undefined, 'never for requests carrying tool results');
});

test('the output format is part of the key in every API: a JSON answer never serves a plain-text request', () => {
  const schema = {
    type: 'object',
    properties: { a: { type: 'string' } },
    required: ['a'],
    additionalProperties: false,
  };
  const chat = [undefined, { type: 'json_object' }, { type: 'json_schema', json_schema: { name: 'a', schema } }].map(
    (response_format) => openai({ ...base, response_format }),
  );
  assert.equal(new Set(chat).size, 3);
  const context = (extra: Record<string, unknown>) =>
    requestKeys(parseChatCompletionRequest({ ...base, ...extra }), 'openai', 'gpt-4o-mini').semantic!.contextKey;
  assert.notEqual(
    context({}),
    context({ response_format: { type: 'json_object' } }),
    'nor a near-duplicate question asked without the format',
  );
  const messages = (extra: Record<string, unknown>) =>
    exactKey(
      parseMessagesRequest({
        model: 'claude-haiku-4-5',
        max_tokens: 100,
        temperature: 0,
        messages: [{ role: 'user', content: 'hi' }],
        ...extra,
      }),
      'anthropic',
      'claude-haiku-4-5',
    );
  assert.notEqual(messages({}), messages({ output_config: { format: { type: 'json_schema', schema } } }));
  const responses = (extra: Record<string, unknown>) =>
    exactKey(
      parseResponsesRequest({ model: 'gpt-4o-mini', temperature: 0, input: 'hi', ...extra }),
      'anthropic',
      'claude-haiku-4-5',
    );
  assert.notEqual(responses({}), responses({ text: { format: { type: 'json_object' } } }));
  assert.notEqual(
    responses({ text: { format: { type: 'json_object' } } }),
    responses({ text: { format: { type: 'json_schema', name: 'a', schema } } }),
  );
  // A request a lever rebuilt (no caller body) is keyed from its encoding, which carries the format too.
  const plain = { ...parseChatCompletionRequest(base) };
  const json = { ...parseChatCompletionRequest({ ...base, response_format: { type: 'json_object' } }) };
  assert.notEqual(exactKey(plain, 'openai', 'gpt-4o-mini'), exactKey(json, 'openai', 'gpt-4o-mini'));
});
