// Chat completions in the shapes Qwen Code, Continue and opencode send: content-parts arrays in system, user and
// tool messages, `content: null` on an assistant tool-call turn, streaming with include_usage; relayed as sent to an
// OpenAI-compatible upstream and translated for Anthropic.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeAnthropic } from '../support/fake-anthropic.ts';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import { startTestProxy } from '../support/proxy.ts';
import { sseJsonOf } from '../support/sse.ts';

let clouds: {
  openai: Awaited<ReturnType<typeof startFakeOpenAI>>;
  anthropic: Awaited<ReturnType<typeof startFakeAnthropic>>;
};
let tw: Awaited<ReturnType<typeof startTestProxy>>;

before(async () => {
  clouds = { openai: await startFakeOpenAI(), anthropic: await startFakeAnthropic() };
  tw = await startTestProxy({
    env: {
      OPENAI_BASE_URL: `${clouds.openai.url}/v1`,
      OPENAI_API_KEY: 'sk-upstream',
      ANTHROPIC_BASE_URL: clouds.anthropic.url,
      ANTHROPIC_API_KEY: 'sk-ant-upstream',
    },
  });
  clouds.openai.behave({ kind: 'text', text: 'done' });
  clouds.anthropic.behave({ kind: 'text', text: 'done' });
});
after(async () => {
  await tw.close();
  await clouds.openai.close();
  await clouds.anthropic.close();
});

const parts = (...texts: string[]) => texts.map((text) => ({ type: 'text', text }));
const agentTurn = (model: string) => ({
  model,
  stream: true,
  stream_options: { include_usage: true },
  messages: [
    { role: 'system', content: parts('You are terse.', 'Use tools.') },
    { role: 'user', content: parts('<env>linux</env>', 'List the files.') },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'run_shell_command', arguments: '{"command":"ls"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: parts('a.txt', 'b.txt') },
  ],
  tools: [
    {
      type: 'function',
      function: {
        name: 'run_shell_command',
        parameters: { type: 'object', properties: { command: { type: 'string' } } },
      },
    },
  ],
});

async function streamed(body: unknown) {
  const response = await tw.fetch('/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'user-agent': 'QwenCode/0.24.4 (linux; x64)' },
  });
  assert.equal(response.status, 200, await response.clone().text());
  const chunks = sseJsonOf(await response.text());
  return { text: chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), usage: chunks.at(-1).usage };
}

test('to an OpenAI-compatible upstream the turn goes as sent; usage comes last', async () => {
  const { text, usage } = await streamed(agentTurn('gpt-4o-mini'));
  assert.equal(text, 'done');
  assert.ok(usage?.prompt_tokens > 0 && usage.completion_tokens > 0);
  assert.deepEqual(clouds.openai.requests.at(-1)!.body.messages, agentTurn('gpt-4o-mini').messages);
});

test('to Anthropic the parts become a system string, a tool_use turn and a tool_result block', async () => {
  const { text, usage } = await streamed(agentTurn('claude-haiku-4-5'));
  assert.equal(text, 'done');
  assert.ok(usage?.prompt_tokens > 0);
  const sent = clouds.anthropic.requests.at(-1)!.body;
  assert.equal(sent.system, 'You are terse.\n\nUse tools.');
  assert.deepEqual(sent.messages, [
    { role: 'user', content: parts('<env>linux</env>', 'List the files.') },
    {
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'call_1', name: 'run_shell_command', input: { command: 'ls' } }],
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: parts('a.txt', 'b.txt') }] },
  ]);
});
