import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addCacheBreakpoints } from '../../proxy/providers/anthropic/prompt-cache.ts';

const long = 'You are a careful assistant. '.repeat(200);
const tools = [
  { name: 'a', input_schema: { type: 'object' } },
  { name: 'b', input_schema: { type: 'object' } },
];
const turns = [
  { role: 'user', content: 'first question' },
  { role: 'assistant', content: [{ type: 'text', text: 'first answer' }] },
  { role: 'user', content: 'second question' },
];

test('a chat: marks the system prompt and the turn before the newest user message', () => {
  const body = addCacheBreakpoints({ model: 'm', system: long, messages: turns });
  assert.deepEqual(body.system, [{ type: 'text', text: long, cache_control: { type: 'ephemeral' } }]);
  const messages = body.messages as { content: unknown }[];
  assert.deepEqual(messages[1]!.content, [
    { type: 'text', text: 'first answer', cache_control: { type: 'ephemeral' } },
  ]);
  assert.equal(messages[2]!.content, 'second question', 'the new turn is not part of the cached prefix');
  assert.equal(JSON.stringify(body).match(/cache_control/g)!.length, 2, 'within Anthropic’s limit of four');
});

test('leaves a client’s own breakpoints alone, and short prompts unmarked', () => {
  const own = {
    model: 'm',
    system: [{ type: 'text', text: long, cache_control: { type: 'ephemeral', ttl: '1h' } }],
    tools,
    messages: turns,
  };
  assert.equal(addCacheBreakpoints(own), own);
  const short = { model: 'm', system: 'brief', messages: turns };
  assert.equal(addCacheBreakpoints(short), short);
});

test('an agent loop (a request offering tools) marks its last message: the new tool output is written once, not paid twice', () => {
  const loop = [
    { role: 'user', content: 'fix the bug' },
    { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'a', input: {} }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'output' }] },
  ];
  const body = addCacheBreakpoints({ model: 'm', system: long, tools, messages: loop });
  assert.deepEqual(body.tools, [tools[0], { ...tools[1], cache_control: { type: 'ephemeral' } }]);
  const messages = body.messages as { content: Record<string, unknown>[] }[];
  assert.deepEqual(messages[2]!.content, [
    { type: 'tool_result', tool_use_id: 't1', content: 'output', cache_control: { type: 'ephemeral' } },
  ]);
  assert.equal(JSON.stringify(messages[1]), JSON.stringify(loop[1]), 'earlier turns are left as they were');
  assert.equal(JSON.stringify(body).match(/cache_control/g)!.length, 3);
  const first = addCacheBreakpoints({
    model: 'm',
    system: long,
    tools,
    messages: [{ role: 'user', content: 'fix the bug' }],
  });
  assert.deepEqual(
    (first.messages as { content: unknown }[])[0]!.content,
    [{ type: 'text', text: 'fix the bug', cache_control: { type: 'ephemeral' } }],
    'the first turn too',
  );
});
