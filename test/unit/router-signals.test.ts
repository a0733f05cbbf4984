import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatMessage, ChatRequest } from '../../proxy/chat.ts';
import { readSignals } from '../../proxy/router/signals.ts';

const text = (role: ChatMessage['role'], body: string): ChatMessage => ({
  role,
  content: [{ type: 'text', text: body }],
});
const request = (messages: ChatMessage[], extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'auto',
  messages,
  stream: false,
  ...extra,
});

test('a plain short question has no cues', () => {
  const s = readSignals(request([text('user', 'Hi there, how are you')]));
  assert.deepEqual(
    [
      s.promptTokens,
      s.lastMessageTokens,
      s.messages,
      s.userTurns,
      s.codeBlocks,
      s.codeLines,
      s.mathCues,
      s.numbers,
      s.reasoningCues,
      s.steps,
      s.constraints,
      s.questions,
      s.tools,
      s.responseFormat,
      s.systemPrompt,
    ],
    [6, 6, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'text', false],
  );
});

test('code, maths, reasoning, steps and constraints in the last user message are counted', () => {
  const ask = [
    'Debug this and explain why it fails, step by step:',
    '```python',
    'def area(r):',
    '    return 3.14 * r ** 2',
    '```',
    '1. First find the bug',
    '2. Then prove the fix is correct for r = 2',
    'You must keep the signature and do not use numpy. Is the integral right?',
  ].join('\n');
  const s = readSignals(request([text('user', ask)]));
  assert.equal(s.codeBlocks, 1);
  assert.ok(s.codeLines >= 2, `code lines ${s.codeLines}`);
  assert.ok(s.mathCues >= 2, `math ${s.mathCues}`);
  assert.equal(s.reasoningCues, 4); // debug, explain why, step by step, prove
  assert.ok(s.steps >= 4, `steps ${s.steps}`); // two numbered items, first, then
  assert.equal(s.constraints, 2); // must, do not
  assert.equal(s.questions, 1);
  assert.ok(s.numbers >= 4);
});

test('conversation depth, tools, images, response format and the requested model', () => {
  const s = readSignals(
    request(
      [
        text('system', 'You are terse.'),
        text('user', 'Weather in Oslo?'),
        { role: 'assistant', content: [], toolCalls: [{ id: 'c1', name: 'weather', arguments: '{"city":"Oslo"}' }] },
        { role: 'tool', toolCallId: 'c1', content: [{ type: 'text', text: '-3C' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'And this photo?' },
            { type: 'image', url: 'data:image/png;base64,AA' },
          ],
        },
      ],
      {
        model: 'gpt-4o',
        tools: [{ name: 'weather', parameters: { type: 'object' } }],
        toolChoice: 'required',
        responseFormat: { type: 'json_object' },
        maxTokens: 50,
      },
    ),
  );
  assert.deepEqual(
    [
      s.requestedModel,
      s.messages,
      s.userTurns,
      s.toolResults,
      s.systemPrompt,
      s.images,
      s.tools,
      s.toolRequired,
      s.responseFormat,
      s.maxTokens,
      s.lastMessageTokens,
    ],
    ['gpt-4o', 5, 2, 1, true, 1, 1, true, 'json_object', 50, 4],
  );
  assert.ok(s.promptTokens > s.lastMessageTokens);
});

test('a huge last message is read only at its ends', () => {
  const huge = `Prove this. ${'word '.repeat(200_000)} Must it hold?`;
  const started = performance.now();
  const s = readSignals(request([text('user', huge)]));
  assert.ok(performance.now() - started < 50);
  assert.equal(s.lastMessageTokens, Math.ceil(huge.length / 4));
  assert.deepEqual([s.reasoningCues, s.constraints, s.questions], [1, 1, 1]);
});
