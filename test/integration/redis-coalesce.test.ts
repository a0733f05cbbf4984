// Team mode, coalescing across proxies: identical requests in flight on different proxies make one upstream call,
// and a leader that dies (its lock expires unrenewed) releases the followers into their own call.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient } from 'redis';
import { parseChatCompletionRequest } from '../../proxy/api/openai/chat-request.ts';
import { exactKey } from '../../proxy/cache/key.ts';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { startTeamProxy, type TestProxy } from '../support/team.ts';

let redis: TestRedis;
let cloud: Awaited<ReturnType<typeof startFakeOpenAI>>;
let a: TestProxy;
let b: TestProxy;

before(async () => {
  redis = await startRedis();
  cloud = await startFakeOpenAI();
  a = await startTeamProxy({ redisUrl: redis.url, cloudUrl: cloud.url, owner: 'alice' });
  b = await startTeamProxy({ redisUrl: redis.url, cloudUrl: cloud.url, owner: 'alice' });
});
after(async () => {
  await a.close();
  await b.close();
  await cloud.close();
  await redis.stop();
});

const ask = (content: string) => ({
  model: 'gpt-4o-mini',
  temperature: 0,
  messages: [{ role: 'user' as const, content }],
});
async function answer(proxy: TestProxy, content: string, stream: boolean) {
  if (!stream) {
    const { data, response } = await proxy.openai.chat.completions.create(ask(content)).withResponse();
    return { text: data.choices[0]!.message.content, cache: response.headers.get('x-tokenwise-cache') };
  }
  const { data, response } = await proxy.openai.chat.completions
    .create({ ...ask(content), stream: true })
    .withResponse();
  let text = '';
  for await (const chunk of data) text += chunk.choices[0]?.delta?.content ?? '';
  return { text, cache: response.headers.get('x-tokenwise-cache') };
}

test('50 concurrent identical requests split over 2 proxies make exactly 1 upstream call, and all 50 are answered', async () => {
  cloud.behave({ kind: 'text', text: 'one answer for the whole team', delayMs: 400, chunkDelayMs: 5 });
  const calls = cloud.calls;
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) => answer(i % 2 ? b : a, 'everyone asks this at once', i % 4 < 2)),
  );
  assert.equal(cloud.calls, calls + 1);
  assert.equal(results.filter((r) => r.text === 'one answer for the whole team').length, 50);
  assert.equal(
    results.filter((r) => r.cache === 'miss').length,
    1,
    'one leader; every other caller shared its call or its stored answer',
  );
  cloud.behave({ kind: 'echo' });
});

test('different users never coalesce: each gets their own upstream call', async () => {
  const bob = await startTeamProxy({ redisUrl: redis.url, cloudUrl: cloud.url, owner: 'bob' });
  try {
    cloud.behave(() => ({ kind: 'text', text: `answer number ${cloud.calls}`, delayMs: 300 }));
    const calls = cloud.calls;
    const [forAlice, forBob] = await Promise.all([
      answer(a, 'same question, two users', false),
      answer(bob, 'same question, two users', false),
    ]);
    assert.equal(cloud.calls, calls + 2);
    assert.notEqual(forAlice.text, forBob.text);
    assert.deepEqual([forAlice.cache, forBob.cache], ['miss', 'miss']);
  } finally {
    cloud.behave({ kind: 'echo' });
    await bob.close();
  }
});

test('a leader that died (its lock left to expire) releases the follower into its own call', async () => {
  // A proxy that took the lock and then died: the lock stays until its expiry, nobody renews it, no answer comes.
  const key = exactKey(parseChatCompletionRequest(ask('the leader died')), 'openai', 'gpt-4o-mini');
  const client = createClient({ url: redis.url });
  await client.connect();
  await client.set(`tokenwise:flight:user:alice:${key}`, 'a-dead-proxy', { expiration: { type: 'PX', value: 1500 } });
  await client.close();
  const calls = cloud.calls;
  const started = Date.now();
  const released = await answer(b, 'the leader died', true);
  assert.equal(released.text, 'echo: the leader died');
  assert.equal(cloud.calls, calls + 1, 'the follower made its own call');
  assert.equal(released.cache, 'miss', 'booked (and charged) as the upstream call it is');
  assert.ok(Date.now() - started >= 1000, "it waited for the dead leader's lock to expire first");
});
