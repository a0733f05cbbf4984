import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toChatHistory, toFunctions } from '../../proxy/providers/local/history.ts';

test('tool results fold into the function call they answer; history ends with a model turn', () => {
  const history = toChatHistory([
    { role: 'system', content: [{ type: 'text', text: 'sys' }] },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'weather? ' },
        { type: 'image', url: 'data:image/png;base64,AA' },
      ],
    },
    {
      role: 'assistant',
      content: [],
      toolCalls: [
        { id: 'c1', name: 'get_weather', arguments: '{"city":"Oslo"}' },
        { id: 'c2', name: 'get_time', arguments: 'not json' },
      ],
    },
    { role: 'tool', toolCallId: 'c1', content: [{ type: 'text', text: '-3C' }] },
    { role: 'tool', toolCallId: 'c2', content: [{ type: 'text', text: '12:00' }] },
  ]);
  assert.deepEqual(history, [
    { type: 'system', text: 'sys' },
    { type: 'user', text: 'weather? [image omitted]' },
    {
      type: 'model',
      response: [
        { type: 'functionCall', name: 'get_weather', params: { city: 'Oslo' }, result: '-3C' },
        { type: 'functionCall', name: 'get_time', params: 'not json', result: '12:00' },
      ],
    },
  ]);
});

test('a trailing user turn gets an empty model turn to continue; an orphan tool result becomes user text', () => {
  const history = toChatHistory([{ role: 'tool', toolCallId: 'nowhere', content: [{ type: 'text', text: 'out' }] }]);
  assert.deepEqual(history, [
    { type: 'user', text: 'Tool result: out' },
    { type: 'model', response: [] },
  ]);
});

test('toFunctions turns every tool into a function without a handler', () => {
  const tools = [
    { name: 'a', parameters: { type: 'object' } },
    { name: 'b', description: 'B', parameters: { type: 'object' } },
  ];
  assert.deepEqual(toFunctions(tools), {
    a: { description: undefined, params: { type: 'object' } },
    b: { description: 'B', params: { type: 'object' } },
  });
  assert.equal(toFunctions([]), undefined);
});
