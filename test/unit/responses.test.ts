// The Responses API converters on their own: body → ChatRequest, chunks → Responses events, and an upstream's
// Responses stream → chunks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatChunk } from '../../proxy/chat.ts';
import { parseResponsesRequest } from '../../proxy/api/openai/responses-request.ts';
import { requestKeys } from '../../proxy/cache/key.ts';
import { ResponseBuilder } from '../../proxy/api/openai/responses-response.ts';
import { fromResponsesJson, fromResponsesStream } from '../../proxy/providers/openai/responses.ts';
import { wireOf } from '../../proxy/wire.ts';

test('a Codex-shaped body becomes internal messages; what has no internal form is listed, not refused', () => {
  const request = parseResponsesRequest({
    model: 'gpt-5.5',
    instructions: 'Be a coding agent.',
    input: [
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'sandbox: read-only' }] },
      { role: 'user', content: 'fix it' },
      { type: 'reasoning', summary: [], encrypted_content: 'gAAA==' },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Looking.' }] },
      { type: 'function_call', call_id: 'c1', name: 'exec_command', arguments: '{"cmd":"ls"}' },
      { type: 'function_call', call_id: 'c2', name: 'exec_command', arguments: '{"cmd":"pwd"}' },
      { type: 'function_call_output', call_id: 'c1', output: 'a.ts' },
      { type: 'function_call_output', call_id: 'c2', output: [{ type: 'input_text', text: '/w' }] },
      { type: 'custom_tool_call', call_id: 'c3', name: 'apply_patch', input: '*** Begin Patch' },
      { type: 'custom_tool_call_output', call_id: 'c3', output: 'Done' },
      { type: 'function_call_output', call_id: 'nowhere', output: 'orphan' },
      { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'x' } },
    ],
    tools: [
      {
        type: 'function',
        name: 'exec_command',
        parameters: { type: 'object', properties: { cmd: { type: 'string' } } },
      },
      { type: 'custom', name: 'apply_patch' },
      { type: 'web_search' },
    ],
    tool_choice: 'auto',
    max_output_tokens: 500,
    text: { format: { type: 'json_schema', name: 'plan', schema: { type: 'object' }, strict: true } },
    store: false,
    include: ['reasoning.encrypted_content'],
    prompt_cache_key: 'k',
  });
  assert.deepEqual(
    request.messages.map(
      (m) =>
        `${m.role}:${m.toolCalls?.map((c) => c.id).join('+') ?? m.toolCallId ?? m.content.map((p) => (p.type === 'text' ? p.text : p.type)).join('')}`,
    ),
    [
      'system:Be a coding agent.',
      'system:sandbox: read-only',
      'user:fix it',
      'assistant:c1+c2',
      'tool:c1',
      'tool:c2',
      'assistant:c3',
      'tool:c3',
    ],
  );
  assert.equal(
    request.messages[3]!.content[0]!.type === 'text' && request.messages[3]!.content[0]!.text,
    'Looking.',
    'calls join the assistant turn before them',
  );
  assert.equal(request.messages[6]!.toolCalls![0]!.arguments, JSON.stringify({ input: '*** Begin Patch' }));
  assert.deepEqual(
    request.tools!.map((t) => t.name),
    ['exec_command'],
  );
  assert.deepEqual(wireOf(request)!.unmapped, [
    'reasoning items',
    'function_call_output without its call',
    'web_search_call items',
    'custom tool "apply_patch"',
    'web_search tool',
  ]);
  assert.deepEqual(
    [request.toolChoice, request.maxTokens, request.responseFormat?.type, request.stream],
    ['auto', 500, 'json_schema', false],
  );
  assert.equal(wireOf(request)!.api, 'responses');
});

test('a string input is one user turn; input of only opaque items is refused', () => {
  assert.deepEqual(parseResponsesRequest({ model: 'local', input: 'hi' }).messages, [
    { role: 'user', content: [{ type: 'text', text: 'hi' }] },
  ]);
  assert.throws(
    () => parseResponsesRequest({ model: 'local', input: [{ type: 'reasoning', summary: [] }] }),
    /input: contains no message/,
  );
});

type Event = { type: string } & Record<string, any>;
function render(chunks: ChatChunk[]) {
  const events: Event[] = [];
  const builder = new ResponseBuilder({ tools: [], store: false }, (type, fields) => events.push({ type, ...fields }));
  for (const chunk of chunks) builder.write(chunk);
  return { events, response: builder.response() as Record<string, any> };
}

test('chunks render as the Responses event sequence, items in the order they came', () => {
  const { events, response } = render([
    { type: 'start', id: 'chatcmpl-1', model: 'm' },
    { type: 'item', item: { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'enc' } },
    { type: 'item', item: { type: 'thinking', thinking: 'hm', signature: 'sig' } },
    { type: 'text', text: 'Hel' },
    { type: 'text', text: 'lo' },
    { type: 'tool_call', index: 0, id: 'call_1', name: 'f' },
    { type: 'tool_arguments', index: 0, arguments: '{"a"' },
    { type: 'tool_arguments', index: 0, arguments: ':1}' },
    {
      type: 'done',
      finishReason: 'tool_calls',
      usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 4, reasoningTokens: 2 },
    },
  ]);
  assert.deepEqual(
    events.map((e) => e.type),
    [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ],
  );
  assert.deepEqual(
    events.filter((e) => e.output_index !== undefined).map((e) => e.output_index),
    [0, 0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2],
  );
  assert.ok(response.id.startsWith('resp_'));
  assert.equal(response.status, 'completed');
  assert.equal(response.output_text, 'Hello');
  assert.deepEqual(
    response.output.map((i: any) => i.type),
    ['reasoning', 'message', 'function_call'],
  );
  assert.deepEqual(
    [response.output[2].call_id, response.output[2].arguments, response.output[2].status],
    ['call_1', '{"a":1}', 'completed'],
  );
  assert.deepEqual(response.usage, {
    input_tokens: 10,
    input_tokens_details: { cached_tokens: 4 },
    output_tokens: 5,
    output_tokens_details: { reasoning_tokens: 2 },
    total_tokens: 15,
  });
  assert.equal(response.store, false);
});

test('a cut answer ends as incomplete; a failure mid-stream as error then response.failed', () => {
  const { events, response } = render([
    { type: 'start', id: 'x', model: 'm' },
    { type: 'text', text: 'a' },
    { type: 'done', finishReason: 'length', usage: { inputTokens: 1, outputTokens: 1 } },
  ]);
  assert.equal(events.at(-1)!.type, 'response.incomplete');
  assert.deepEqual(response.incomplete_details, { reason: 'max_output_tokens' });

  const seen: Event[] = [];
  const builder = new ResponseBuilder({}, (type, fields) => seen.push({ type, ...fields }));
  builder.write({ type: 'start', id: 'x', model: 'm' });
  builder.fail({ message: 'upstream died', type: 'upstream_error', code: null, param: null });
  assert.deepEqual(
    seen.slice(-2).map((e) => e.type),
    ['error', 'response.failed'],
  );
  assert.equal(seen.at(-2)!.message, 'upstream died');
  assert.deepEqual(seen.at(-1)!.response.error, { code: 'upstream_error', message: 'upstream died' });
});

async function chunksOf(events: Record<string, unknown>[]) {
  const out: ChatChunk[] = [];
  for await (const chunk of fromResponsesStream(
    'openai',
    (async function* () {
      for (const e of events) yield { data: JSON.stringify(e) };
    })(),
    'gpt',
  ))
    out.push(chunk);
  return out;
}

test('an upstream Responses stream becomes chunks; unknown items pass as items', async () => {
  const reasoning = { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'enc' };
  const chunks = await chunksOf([
    { type: 'response.created', response: { id: 'resp_1', model: 'gpt-5.5' } },
    { type: 'response.output_item.added', output_index: 0, item: { ...reasoning, encrypted_content: undefined } },
    { type: 'response.output_item.done', output_index: 0, item: reasoning },
    {
      type: 'response.output_item.added',
      output_index: 1,
      item: { type: 'function_call', call_id: 'c1', name: 'f', arguments: '' },
    },
    { type: 'response.function_call_arguments.delta', output_index: 1, delta: '{}' },
    {
      type: 'response.output_item.done',
      output_index: 1,
      item: { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' },
    },
    {
      type: 'response.completed',
      response: {
        status: 'completed',
        usage: {
          input_tokens: 9,
          output_tokens: 3,
          input_tokens_details: { cached_tokens: 8 },
          output_tokens_details: { reasoning_tokens: 1 },
        },
      },
    },
  ]);
  assert.deepEqual(chunks, [
    { type: 'start', id: 'resp_1', model: 'gpt-5.5' },
    { type: 'item', item: reasoning },
    { type: 'tool_call', index: 0, id: 'c1', name: 'f' },
    { type: 'tool_arguments', index: 0, arguments: '{}' },
    {
      type: 'done',
      finishReason: 'tool_calls',
      usage: { inputTokens: 9, outputTokens: 3, cachedInputTokens: 8, reasoningTokens: 1 },
    },
  ]);
  await assert.rejects(
    chunksOf([
      { type: 'response.created', response: {} },
      { type: 'response.failed', response: { error: { code: 'server_error', message: 'boom' } } },
    ]),
    /openai: boom/,
  );
  await assert.rejects(
    chunksOf([
      { type: 'response.created', response: {} },
      { type: 'response.output_text.delta', delta: 'a' },
    ]),
    /without response.completed/,
  );
});

test('a whole upstream Responses object becomes the same chunks', () => {
  const chunks = [
    ...fromResponsesJson(
      'openai',
      {
        id: 'resp_2',
        model: 'g',
        status: 'incomplete',
        incomplete_details: { reason: 'max_output_tokens' },
        output: [{ type: 'message', content: [{ type: 'output_text', text: 'hi' }] }],
        usage: { input_tokens: 1, output_tokens: 2 },
      },
      'g',
    ),
  ];
  assert.deepEqual(
    chunks.map((c) => c.type),
    ['start', 'text', 'done'],
  );
  assert.equal((chunks.at(-1) as { finishReason: string }).finishReason, 'length');
});

test('cache keys: a Responses input is keyed item by item (near-duplicate questions share a semantic context); prompt_cache_key does not count', () => {
  const ask = (input: unknown[]) =>
    requestKeys(
      parseResponsesRequest({
        model: 'gpt-4o-mini',
        instructions: 'Be brief.',
        temperature: 0,
        input,
        prompt_cache_key: `session-${Math.random()}`,
      }),
      'openai',
      'gpt-4o-mini',
    );
  const earlier = { role: 'user', content: 'hello' };
  const a = ask([earlier, { role: 'user', content: 'what is the capital of France?' }]);
  const b = ask([earlier, { role: 'user', content: "what's the capital of France?" }]);
  const c = ask([
    { role: 'user', content: 'hi' },
    { role: 'user', content: 'what is the capital of France?' },
  ]);
  assert.notEqual(a.exact, b.exact);
  assert.equal(a.semantic!.contextKey, b.semantic!.contextKey);
  assert.notEqual(a.semantic!.contextKey, c.semantic!.contextKey);
  assert.equal(a.semantic!.question, 'what is the capital of France?');
  assert.equal(ask([earlier, { role: 'user', content: 'what is the capital of France?' }]).exact, a.exact);
});
