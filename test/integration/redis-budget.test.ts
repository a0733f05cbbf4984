// Team mode, shared budget: reservations are atomic across proxies (one Lua script in Redis), so three proxies
// under 100 concurrent requests never let more calls reach the cloud than the team budget pays for.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseChatCompletionRequest } from '../../proxy/api/openai/chat-request.ts';
import { worstCaseCost } from '../../proxy/router/budget.ts';
import { Pricing } from '../../proxy/usage/pricing.ts';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { startTeamProxy, type TestProxy } from '../support/team.ts';

let redis: TestRedis;
let cloud: Awaited<ReturnType<typeof startFakeOpenAI>>;
const proxies: TestProxy[] = [];

before(async () => {
  redis = await startRedis();
  cloud = await startFakeOpenAI();
});
after(async () => {
  for (const proxy of proxies) await proxy.close();
  await cloud.close();
  await redis.stop();
});

// Same length for every prompt, so every request reserves the same worst case.
const ask = (i: number) => ({
  model: 'gpt-4o-mini',
  temperature: 0,
  max_tokens: 50,
  messages: [{ role: 'user' as const, content: `team budget question ${String(i).padStart(3, '0')}` }],
});

test('a team budget for 10 calls: 100 concurrent requests over 3 proxies, at most 10 reach the cloud and spend stays within it', async () => {
  const request = parseChatCompletionRequest(ask(0));
  const perCall = worstCaseCost(request, 'gpt-4o-mini', 'openai', new Pricing({ overrides: {}, localCostPerHour: 0 }));
  assert.ok(perCall > 0);
  // The upstream bills exactly the worst case, so settling never frees room for an 11th call.
  const inputTokens = Math.ceil(JSON.stringify(request.messages).length / 3);
  cloud.behave({ kind: 'echo', delayMs: 300, usage: { prompt_tokens: inputTokens, completion_tokens: 50 } });
  const dailyUsd = perCall * 10.5;
  for (const owner of ['alice', 'bob', 'carol'])
    proxies.push(
      await startTeamProxy({ redisUrl: redis.url, cloudUrl: cloud.url, owner, config: { budget: { dailyUsd } } }),
    );

  const calls = cloud.calls;
  const outcomes = await Promise.all(
    Array.from({ length: 100 }, async (_, i) => {
      const response = await proxies[i % 3]!.fetch('/v1/chat/completions', {
        method: 'POST',
        body: JSON.stringify(ask(i)),
      });
      const body = (await response.json()) as { error?: { code?: string } };
      return { status: response.status, code: body.error?.code };
    }),
  );
  const answered = outcomes.filter((o) => o.status === 200).length;
  assert.ok(cloud.calls - calls <= 10, `${cloud.calls - calls} calls reached the cloud`);
  assert.equal(answered, cloud.calls - calls);
  assert.ok(answered >= 1);
  assert.ok(
    outcomes.every((o) => o.status === 200 || (o.status === 429 && o.code === 'budget_exceeded')),
    JSON.stringify(outcomes.filter((o) => o.status !== 200 && o.status !== 429)),
  );
  const spent = proxies.reduce((sum, proxy) => sum + proxy.proxy.usage.summary(0, Date.now() + 1).totals.costUsd, 0);
  assert.ok(spent <= dailyUsd, `spent $${spent} of $${dailyUsd}`);
  assert.ok(spent >= perCall * answered * 0.999, 'the ledgers booked what the cloud billed');
});

test('the session breaker counts one conversation across proxies: its 5th request on either proxy is refused', async () => {
  cloud.behave({ kind: 'echo' });
  const config = { budget: { session: { maxRequests: 4, windowSeconds: 600 } } };
  const pair = [
    await startTeamProxy({ redisUrl: redis.url, cloudUrl: cloud.url, owner: 'dana', config }),
    await startTeamProxy({ redisUrl: redis.url, cloudUrl: cloud.url, owner: 'dana', config }),
  ];
  proxies.push(...pair);
  const turn = (session: string, i: number) => ({
    model: 'gpt-4o-mini',
    temperature: 0,
    prompt_cache_key: session,
    messages: [{ role: 'user' as const, content: `Step ${i} of the migration plan for ${session}?` }],
  });
  const send = async (proxy: TestProxy, body: object) => {
    const response = await proxy.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify(body) });
    return { status: response.status, code: ((await response.json()) as { error?: { code?: string } }).error?.code };
  };
  for (let i = 0; i < 4; i++) assert.equal((await send(pair[i % 2]!, turn('conversation-a', i))).status, 200);
  // Each proxy has seen only two of them: on its own it would let the 5th through.
  assert.deepEqual(await send(pair[0]!, turn('conversation-a', 4)), { status: 429, code: 'session_limit' });
  assert.deepEqual(await send(pair[1]!, turn('conversation-a', 5)), { status: 429, code: 'session_limit' });
  assert.equal((await send(pair[1]!, turn('conversation-b', 0))).status, 200, 'another conversation is not affected');
});
