import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatMessage } from '../../proxy/chat.ts';
import { loadTokenCounter } from '../../proxy/context/tokens.ts';
import { AnthropicPromptCache, OpenAIPromptCache } from '../../proxy/eval/replay/billing.ts';

const words = (n: number, seed: string) => Array.from({ length: n }, (_, i) => `${seed}${i}`).join(' ');
const mark = { type: 'ephemeral' };

test('Anthropic: nothing is cached without breakpoints; a breakpoint writes, the next turn reads and writes only what is new', async () => {
  const counter = await loadTokenCounter('claude-sonnet-4-5');
  const cache = new AnthropicPromptCache(counter, 1024);
  const system = words(1500, 'sys');
  const plain = { system, messages: [{ role: 'user', content: 'q1' }] };
  assert.deepEqual(
    cache.bill(plain, 0),
    { inputTokens: cache.bill(plain, 1).inputTokens },
    'no breakpoint: all fresh, nothing cached',
  );

  const first = {
    system: [{ type: 'text', text: system, cache_control: mark }],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'q1', cache_control: mark }] }],
  };
  const one = cache.bill(first, 1000);
  assert.equal(one.cachedInputTokens, undefined);
  assert.equal(one.cacheWriteTokens, one.inputTokens, 'the whole prompt up to the last breakpoint is written');

  const second = {
    system: [{ type: 'text', text: system, cache_control: mark }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'q1' }] },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: [{ type: 'text', text: words(50, 'q2-'), cache_control: mark }] },
    ],
  };
  const two = cache.bill(second, 61_000);
  assert.equal(
    two.cachedInputTokens,
    one.inputTokens,
    'the earlier prefix is read (found by looking back from the breakpoint)',
  );
  assert.equal(two.cacheWriteTokens, two.inputTokens - one.inputTokens, 'only the new turns are written');

  const late = cache.bill(second, 61_000 + 5 * 60_000 + 1);
  assert.equal(late.cachedInputTokens, undefined, 'after five idle minutes the entry is gone');
  assert.equal(late.cacheWriteTokens, late.inputTokens);
});

test('Anthropic: a one-hour breakpoint outlives five minutes and is billed as a 1h write; short prefixes are never cached', async () => {
  const counter = await loadTokenCounter('claude-sonnet-4-5');
  const cache = new AnthropicPromptCache(counter, 1024);
  const body = {
    system: [{ type: 'text', text: words(1500, 's'), cache_control: { type: 'ephemeral', ttl: '1h' } }],
    messages: [{ role: 'user', content: 'hi' }],
  };
  const written = cache.bill(body, 0);
  assert.equal(written.cacheWrite1hTokens, written.cacheWriteTokens);
  assert.ok(written.cacheWriteTokens! > 1024 && written.cacheWriteTokens! < written.inputTokens);
  assert.equal(cache.bill(body, 30 * 60_000).cachedInputTokens, written.cacheWriteTokens);
  const short = {
    system: [{ type: 'text', text: 'brief', cache_control: mark }],
    messages: [{ role: 'user', content: 'hi' }],
  };
  assert.deepEqual(Object.keys(cache.bill(short, 0)), ['inputTokens'], 'below the model’s minimum nothing is written');
});

test('OpenAI: automatic caching of a repeated prefix from 1,024 tokens, in steps of 128, for five idle minutes', async () => {
  const counter = await loadTokenCounter('gpt-4.1');
  const cache = new OpenAIPromptCache(counter);
  const user = (text: string): ChatMessage => ({ role: 'user', content: [{ type: 'text', text }] });
  const first = { messages: [user(words(1400, 'a')), user('q1')] };
  assert.equal(cache.bill(first, 0).cachedInputTokens, undefined, 'the first request reads nothing');
  const second = {
    messages: [
      ...first.messages,
      { role: 'assistant', content: [{ type: 'text', text: 'a1' }] } as ChatMessage,
      user('q2'),
    ],
  };
  const bill = cache.bill(second, 60_000);
  const prefix = counter.request(first) - 3;
  assert.ok(
    bill.cachedInputTokens! >= 1024 && bill.cachedInputTokens! <= prefix,
    `${bill.cachedInputTokens} of ${prefix}`,
  );
  assert.equal((bill.cachedInputTokens! - 1024) % 128, 0);
  assert.ok(prefix - bill.cachedInputTokens! < 128);
  assert.equal(cache.bill(second, 60_000 + 5 * 60_000 + 1).cachedInputTokens, undefined, 'expired');
  assert.equal(new OpenAIPromptCache(counter).bill({ messages: [user('short')] }, 0).cachedInputTokens, undefined);
  const small = new OpenAIPromptCache(counter);
  small.bill({ messages: [user(words(100, 'b'))] }, 0);
  assert.equal(
    small.bill({ messages: [user(words(100, 'b')), user('more')] }, 1).cachedInputTokens,
    undefined,
    'under 1,024 tokens nothing is cached',
  );
});
