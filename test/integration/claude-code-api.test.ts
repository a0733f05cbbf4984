// The Anthropic Messages API as Claude Code uses it, through the real proxy to a loopback Anthropic: its query
// string, either auth header, beta headers, its own cache breakpoints and fields the proxy does not interpret,
// signed thinking blocks back to the caller, and count_tokens (forwarded, or counted locally).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFakeAnthropic } from '../support/fake-anthropic.ts';
import { startTestProxy, TEST_TOKEN } from '../support/proxy.ts';
import { sseJsonOf } from '../support/sse.ts';

let anthropic: Awaited<ReturnType<typeof startFakeAnthropic>>;
let tw: Awaited<ReturnType<typeof startTestProxy>>;

before(async () => {
  anthropic = await startFakeAnthropic({ thinking: 'Let me think.' });
  tw = await startTestProxy({ env: { ANTHROPIC_BASE_URL: anthropic.url, ANTHROPIC_API_KEY: 'sk-ant-upstream' } });
});
after(async () => {
  await tw.close();
  await anthropic.close();
});

const beta = 'interleaved-thinking-2025-05-14,context-management-2025-06-27,claude-code-20250219';
// The shape of Claude Code 2.1's requests, shortened: billing header block, its own breakpoints, a role:"system"
// entry inside messages, and fields the proxy passes through without interpreting.
const claudeCodeBody = (stream: boolean) => ({
  model: 'claude-haiku-4-5',
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: '<system-reminder>ctx</system-reminder>' },
        { type: 'text', text: 'say hi', cache_control: { type: 'ephemeral' } },
      ],
    },
    { role: 'system', content: [{ type: 'text', text: '# Environment\nlinux' }] },
  ],
  system: [
    { type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.332.0b8; cc_entrypoint=sdk-cli;' },
    {
      type: 'text',
      text: "You are a Claude agent, built on Anthropic's Claude Agent SDK.",
      cache_control: { type: 'ephemeral' },
    },
    { type: 'text', text: 'Answer briefly.', cache_control: { type: 'ephemeral', ttl: '1h' } },
  ],
  tools: [
    {
      name: 'Bash',
      description: 'Run a command',
      input_schema: { type: 'object', properties: { command: { type: 'string' } } },
    },
    { name: 'WebFetch', description: 'Fetch', input_schema: { type: 'object', properties: {} }, defer_loading: true },
    { type: 'web_search_20250305', name: 'web_search', max_uses: 5 },
  ],
  metadata: { user_id: JSON.stringify({ device_id: 'd', account_uuid: '', session_id: 'cc2f20e8' }) },
  max_tokens: 32000,
  thinking: { type: 'adaptive', display: 'omitted' },
  context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
  output_config: { effort: 'high' },
  stream,
});

function post(path: string, body: unknown, headers: Record<string, string>) {
  return fetch(`${tw.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'anthropic-beta': beta,
      'user-agent': 'claude-cli/2.1.332 (external, sdk-cli)',
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

describe('Messages as Claude Code sends them', () => {
  test('?beta=true with x-api-key: body forwarded byte for byte, beta headers passed on, no proxy breakpoints added', async () => {
    anthropic.behave({ kind: 'text', text: 'hi there' });
    const response = await post('/v1/messages?beta=true', claudeCodeBody(false), { 'x-api-key': TEST_TOKEN });
    assert.equal(response.status, 200, await response.clone().text());
    const forwarded = anthropic.requests.at(-1)!;
    assert.equal(forwarded.headers['anthropic-beta'], beta);
    assert.equal(forwarded.headers['anthropic-version'], '2023-06-01');
    assert.equal(forwarded.headers['x-api-key'], 'sk-ant-upstream');
    assert.equal(
      JSON.stringify(forwarded.body),
      JSON.stringify(claudeCodeBody(false)),
      'system blocks, breakpoints and unknown fields unchanged',
    );
    const message = await response.json();
    assert.deepEqual(
      message.content.map((b: { type: string }) => b.type),
      ['thinking', 'text'],
    );
    assert.equal(message.content[0].thinking, 'Let me think.');
    assert.match(message.content[0].signature, /^sig_/);
  });

  test('streamed with a Bearer token: the signed thinking block reaches the caller, then the text', async () => {
    anthropic.behave({ kind: 'text', text: 'streamed answer' });
    const response = await post('/v1/messages?beta=true', claudeCodeBody(true), {
      authorization: `Bearer ${TEST_TOKEN}`,
    });
    assert.equal(response.status, 200);
    const events = sseJsonOf(await response.text());
    const starts = events.filter((e) => e.type === 'content_block_start').map((e) => e.content_block.type);
    assert.deepEqual(starts, ['thinking', 'text']);
    const deltas = events.filter((e) => e.type === 'content_block_delta');
    assert.equal(
      deltas
        .filter((e) => e.delta.type === 'thinking_delta')
        .map((e) => e.delta.thinking)
        .join(''),
      'Let me think.',
    );
    const signature = deltas.find((e) => e.delta.type === 'signature_delta')?.delta.signature;
    assert.match(signature, /^sig_/);
    assert.equal(
      deltas
        .filter((e) => e.delta.type === 'text_delta')
        .map((e) => e.delta.text)
        .join(''),
      'streamed answer',
    );
    assert.deepEqual(
      events.filter((e) => e.type === 'content_block_start').map((e) => e.index),
      [0, 1],
    );
  });

  test('the next turn may carry thinking, tool_use, server-tool and tool_result blocks', async () => {
    anthropic.behave({ kind: 'text', text: 'done' });
    const body = claudeCodeBody(false);
    body.messages.push(
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: '', signature: 'sig_x' },
          { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'q' } },
          { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] },
          { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'echo hi' } },
        ],
      } as never,
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 'toolu_1',
            content: 'hi\n',
            is_error: false,
            cache_control: { type: 'ephemeral' },
          },
        ],
      } as never,
    );
    const response = await post('/v1/messages?beta=true', body, { 'x-api-key': TEST_TOKEN });
    assert.equal(response.status, 200, await response.clone().text());
    assert.deepEqual(anthropic.requests.at(-1)!.body.messages, body.messages);
  });
});

test("a tool loop gets a final 429 in Anthropic's shape, recorded in the ledger", async () => {
  const before = anthropic.calls;
  const body = claudeCodeBody(false);
  for (let i = 0; i < 20; i++) {
    body.messages.push({
      role: 'assistant',
      content: [{ type: 'tool_use', id: `toolu_${i}`, name: 'Bash', input: { command: 'ls' } }],
    } as never);
    body.messages.push({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: `toolu_${i}`, content: 'a.txt' }],
    } as never);
  }
  const response = await post('/v1/messages?beta=true', body, { 'x-api-key': TEST_TOKEN });
  assert.equal(response.status, 429);
  assert.equal(response.headers.get('x-should-retry'), 'false', 'the SDKs must not retry a loop');
  const error = await response.json();
  assert.equal(error.error.type, 'rate_limit_error');
  assert.match(error.error.message, /Bash with the same arguments 20 times in a row/);
  assert.equal(anthropic.calls, before);
  const refused = tw.proxy.usage.summary(0, Date.now() + 1, 'client');
  assert.ok(refused.totals.requests > 0);
  assert.equal(tw.proxy.usage.live.since(0).at(-1)!.status, 429);
});

describe('count_tokens', () => {
  test('forwarded to Anthropic for a Claude model, with the beta headers', async () => {
    const before = anthropic.requests.length;
    const body = {
      model: 'claude-haiku-4-5',
      messages: claudeCodeBody(false).messages,
      system: claudeCodeBody(false).system,
      tools: claudeCodeBody(false).tools,
    };
    const response = await post('/v1/messages/count_tokens?beta=true', body, { 'x-api-key': TEST_TOKEN });
    assert.equal(response.status, 200, await response.clone().text());
    const { input_tokens } = await response.json();
    const forwarded = anthropic.requests.at(-1)!;
    assert.equal(anthropic.requests.length, before + 1);
    assert.equal(forwarded.path, '/v1/messages/count_tokens');
    assert.equal(forwarded.headers['anthropic-beta'], beta);
    assert.deepEqual(forwarded.body, body);
    assert.ok(input_tokens > 0);
  });

  test('counted locally for a model no Anthropic provider serves; 34 at once stay cheap', async () => {
    const before = anthropic.requests.length;
    const body = (i: number) => ({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: `count me ${i} `.repeat(2000) }],
      system: 'You are terse.',
    });
    const one = await (await post('/v1/messages/count_tokens', body(0), { 'x-api-key': TEST_TOKEN })).json();
    assert.ok(
      one.input_tokens > 6000 && one.input_tokens < 10_000,
      `o200k count of ~8k tokens, got ${one.input_tokens}`,
    );
    const started = performance.now();
    const all = await Promise.all(
      Array.from({ length: 34 }, (_, i) =>
        post('/v1/messages/count_tokens?beta=true', body(i), { 'x-api-key': TEST_TOKEN }),
      ),
    );
    const elapsed = performance.now() - started;
    assert.ok(all.every((r) => r.status === 200));
    assert.equal(anthropic.requests.length, before, 'nothing went upstream');
    console.log(`# 34 parallel local count_tokens (~8k tokens each): ${elapsed.toFixed(0)} ms`);
    assert.ok(elapsed < 3000, `took ${elapsed} ms`);
  });

  test('bad input gets an Anthropic-shaped 400', async () => {
    const response = await post(
      '/v1/messages/count_tokens',
      { model: 'claude-haiku-4-5' },
      { 'x-api-key': TEST_TOKEN },
    );
    assert.equal(response.status, 400);
    const error = await response.json();
    assert.equal(error.type, 'error');
    assert.match(error.error.message, /messages/);
  });
});
