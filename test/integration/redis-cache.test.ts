// Team mode, shared exact cache: proxies on one real redis-server (loopback, password) answer each other's cached
// answers — as JSON and as SSE — within a user's scope, and never across users unless the team scope is on.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { startTeamProxy, type TestProxy } from '../support/team.ts';

let redis: TestRedis;
let cloud: Awaited<ReturnType<typeof startFakeOpenAI>>;
const proxies: TestProxy[] = [];
const start = async (owner: string, config?: Record<string, unknown>) => {
  const proxy = await startTeamProxy({ redisUrl: redis.url, cloudUrl: cloud.url, owner, config });
  proxies.push(proxy);
  return proxy;
};

before(async () => {
  redis = await startRedis();
  cloud = await startFakeOpenAI();
});
after(async () => {
  for (const proxy of proxies) await proxy.close();
  await cloud.close();
  await redis.stop();
});

const ask = (content: string) => ({
  model: 'gpt-4o-mini',
  temperature: 0,
  messages: [{ role: 'user' as const, content }],
});
async function json(proxy: TestProxy, content: string) {
  const { data, response } = await proxy.openai.chat.completions.create(ask(content)).withResponse();
  return {
    text: data.choices[0]!.message.content,
    cache: response.headers.get('x-tokenwise-cache'),
    usage: data.usage,
  };
}
async function sse(proxy: TestProxy, content: string) {
  const { data, response } = await proxy.openai.chat.completions
    .create({ ...ask(content), stream: true, stream_options: { include_usage: true } })
    .withResponse();
  let text = '';
  let chunks = 0;
  for await (const chunk of data) {
    text += chunk.choices[0]?.delta?.content ?? '';
    chunks++;
  }
  return { text, chunks, cache: response.headers.get('x-tokenwise-cache') };
}

test('an answer cached by one proxy is a hit on another, as JSON and as a replayed stream', async () => {
  const [a, b] = [await start('alice'), await start('alice')];
  const calls = cloud.calls;
  const first = await json(a, 'shared as JSON');
  assert.equal(first.cache, 'miss');
  const other = await json(b, 'shared as JSON');
  assert.deepEqual([other.text, other.cache], ['echo: shared as JSON', 'exact']);
  assert.deepEqual(other.usage, first.usage, 'the shared answer keeps its token counts');

  const streamed = await sse(a, 'shared as a stream');
  assert.equal(streamed.cache, 'miss');
  const replayed = await sse(b, 'shared as a stream');
  assert.deepEqual([replayed.text, replayed.cache], ['echo: shared as a stream', 'exact']);
  assert.ok(replayed.chunks > 2, 'replayed as a stream of chunks, not one block');
  assert.equal(
    (await sse(b, 'shared as JSON')).text,
    'echo: shared as JSON',
    'a JSON answer replays as SSE on the other proxy',
  );
  assert.equal(cloud.calls, calls + 2, 'one upstream call per question, whichever proxy asked');
  const health = (await (await fetch(`${b.url}/tokenwise/health`)).json()) as { redis: string };
  assert.equal(health.redis, 'ok');
});

test("per-user scope (the default): a user never gets another user's answer; team scope shares", async () => {
  const [alice, bob, alice2] = [await start('alice'), await start('bob'), await start('alice')];
  const calls = cloud.calls;
  cloud.behave(() => ({ kind: 'text', text: `private answer ${cloud.calls}` }));
  const mine = await json(alice, 'my private question');
  const theirs = await json(bob, 'my private question');
  assert.equal(theirs.cache, 'miss', "bob is not served alice's entry");
  assert.notEqual(theirs.text, mine.text);
  const again = await json(alice2, 'my private question');
  assert.deepEqual([again.cache, again.text], ['exact', mine.text], 'alice on another proxy is');
  assert.equal(cloud.calls, calls + 2);

  const [carol, dave] = [
    await start('carol', { cache: { scope: 'team' } }),
    await start('dave', { cache: { scope: 'team' } }),
  ];
  const shared = await json(carol, 'a team question');
  const forDave = await json(dave, 'a team question');
  assert.deepEqual([forDave.cache, forDave.text], ['exact', shared.text]);
  assert.equal((await json(bob, 'a team question')).cache, 'miss', 'per-user proxies do not read the team scope');
  cloud.behave({ kind: 'echo' });
});
