// Agent-aware routing: the per-client model map, side-call recognition and the per-session breaker.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatRequest } from '../../proxy/chat.ts';
import { ProxyError } from '../../proxy/errors.ts';
import { isSideCall, mappedModel } from '../../proxy/router/agents.ts';
import { SessionBreaker, sessionId, trailingRepeats } from '../../proxy/router/session.ts';
import { clientName } from '../../proxy/usage/client.ts';
import { parsedFrom } from '../../proxy/wire.ts';

const text = (t: string) => [{ type: 'text' as const, text: t }];
const ask = (system: string, user: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'claude-haiku-4-5',
  stream: false,
  messages: [
    { role: 'system', content: text(system) },
    { role: 'user', content: text(user) },
  ],
  ...extra,
});

test('the client map names a replacement per client, with * for any client', () => {
  const map = { 'claude-code': { 'claude-haiku-4-5': 'local' }, '*': { 'gpt-4o': 'gpt-4o-mini' } };
  assert.equal(mappedModel(map, 'claude-code', 'claude-haiku-4-5'), 'local');
  assert.equal(mappedModel(map, 'opencode', 'claude-haiku-4-5'), undefined);
  assert.equal(mappedModel(map, 'opencode', 'gpt-4o'), 'gpt-4o-mini');
});

test('side calls: a title or summary prompt without tools; an agent turn with tools is not one', () => {
  assert.ok(isSideCall(ask('You are a title generator. You output ONLY a thread title.', 'fix the login bug')));
  assert.ok(
    isSideCall({
      ...ask('', 'x'),
      messages: [
        {
          role: 'system',
          content: [
            ...text('x-anthropic-billing-header: cc_version=2.1'),
            ...text('Summarize this coding conversation in under 50 characters.'),
          ],
        },
        { role: 'user', content: text('hi') },
      ],
    }),
  );
  assert.ok(
    !isSideCall(ask('You are a title generator.', 'fix it', { tools: [{ name: 'Bash', parameters: {} }] })),
    'tools mean real work',
  );
  assert.ok(
    !isSideCall(ask('You are a coding agent.', 'write a title for my blog post')),
    'the user asking for a title is not a side call',
  );
  assert.ok(!isSideCall(ask('Generate a title.', 'x'.repeat(30_000))), 'too big to be a side call');
});

test('session ids: Claude Code metadata, Codex prompt_cache_key, else the first user message', () => {
  const claude = ask('s', 'hi', { user: JSON.stringify({ device_id: 'd', session_id: 'cc2f20e8-293e' }) });
  assert.equal(sessionId(claude), 'cc2f20e8-293e');
  assert.equal(
    sessionId(parsedFrom(ask('s', 'hi'), { api: 'openai', body: { prompt_cache_key: 'conv-1' } })),
    'conv-1',
  );
  assert.equal(
    sessionId(ask('s', 'same start')),
    sessionId({
      ...ask('s', 'same start'),
      messages: [
        ...ask('s', 'same start').messages,
        { role: 'assistant', content: text('ok') },
        { role: 'user', content: text('more') },
      ],
    }),
  );
  assert.notEqual(sessionId(ask('s', 'one')), sessionId(ask('s', 'two')));
});

function loop(times: number, args = '{"command":"ls"}'): ChatRequest {
  const messages: ChatRequest['messages'] = [{ role: 'user', content: text('go') }];
  for (let i = 0; i < times; i++) {
    messages.push({ role: 'assistant', content: [], toolCalls: [{ id: `c${i}`, name: 'Bash', arguments: args }] });
    messages.push({ role: 'tool', content: text('out'), toolCallId: `c${i}` });
  }
  return { model: 'gpt-4o-mini', stream: false, messages };
}

test('the breaker stops a tool loop: the same call repeated in a row', () => {
  const breaker = new SessionBreaker({ maxRequests: 1000, windowSeconds: 60, maxUsd: 100, maxRepeatedToolCalls: 5 });
  assert.equal(trailingRepeats(loop(4)), 4);
  breaker.admit(loop(4), 'continue');
  const mixed = loop(4);
  mixed.messages.push({
    role: 'assistant',
    content: [],
    toolCalls: [{ id: 'x', name: 'Bash', arguments: '{"command":"pwd"}' }],
  });
  assert.equal(trailingRepeats(mixed), 1, 'a different call breaks the run');
  assert.throws(
    () => breaker.admit(loop(5), 'continue'),
    (e: unknown) =>
      e instanceof ProxyError &&
      e.status === 429 &&
      e.options.code === 'session_limit' &&
      /Bash with the same arguments 5 times/.test(e.message),
  );
});

test('the breaker limits requests per window and dollars per session, per client and session', () => {
  let now = 0;
  const breaker = new SessionBreaker(
    { maxRequests: 3, windowSeconds: 10, maxUsd: 1, maxRepeatedToolCalls: 20 },
    () => now,
  );
  for (let i = 0; i < 3; i++) breaker.admit(ask('s', 'task A'), 'qwen-code');
  assert.throws(
    () => breaker.admit(ask('s', 'task A'), 'qwen-code'),
    (e: unknown) =>
      e instanceof ProxyError &&
      e.status === 429 &&
      /3 requests in 10 s/.test(e.message) &&
      e.options.retryAfterSeconds === 10,
  );
  breaker.admit(ask('s', 'task B'), 'qwen-code');
  breaker.admit(ask('s', 'task A'), 'opencode');
  now = 10_001;
  breaker.admit(ask('s', 'task A'), 'qwen-code').spent(1.5);
  assert.throws(
    () => breaker.admit(ask('s', 'task A'), 'qwen-code'),
    (e: unknown) => e instanceof ProxyError && /spent \$1\.50/.test(e.message),
  );
});

test('session spend is windowed: an unrelated request opening with the same message is admitted once the window passed', () => {
  let now = 0;
  const breaker = new SessionBreaker(
    { maxRequests: 100, windowSeconds: 60, maxUsd: 1, maxRepeatedToolCalls: 20 },
    () => now,
  );
  breaker.admit(ask('s', 'hello'), 'continue').spent(0.6);
  now = 30_000;
  breaker.admit(ask('s', 'hello'), 'continue').spent(0.6);
  assert.throws(
    () => breaker.admit(ask('s', 'hello'), 'continue'),
    (e: unknown) =>
      e instanceof ProxyError && /spent \$1\.20 in 60 s/.test(e.message) && e.options.retryAfterSeconds === 30,
  );
  now = 60_001;
  breaker.admit(ask('s', 'hello'), 'continue');
  now = 90_001;
  breaker.admit(ask('s', 'hello'), 'continue');
});

test('the agents are named from their real User-Agent strings', () => {
  assert.equal(clientName({ 'user-agent': 'claude-cli/2.1.332 (external, sdk-cli)' }), 'claude-code');
  assert.equal(clientName({ 'user-agent': 'codex_exec/0.171.0 (Debian 12; x86_64) xterm' }), 'codex');
  assert.equal(clientName({ 'user-agent': 'QwenCode/0.24.4 (linux; x64)' }), 'qwen-code');
  assert.equal(clientName({ 'user-agent': 'ls/JS 5.23.2' }), 'continue');
  assert.equal(
    clientName({ 'user-agent': 'opencode/1.18.33 ai-sdk/provider-utils/4.0.23 runtime/bun/1.3.14' }),
    'opencode',
  );
});
