// Team mode, usage totals: every proxy adds its finished requests to per-user counters in Redis, and
// GET /tokenwise/usage?scope=team on any proxy shows the team's totals; each proxy's ledger stays its own.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import { startTestProxy } from '../support/proxy.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { startTeamProxy, type TestProxy } from '../support/team.ts';

let redis: TestRedis;
let cloud: Awaited<ReturnType<typeof startFakeOpenAI>>;
let alice: TestProxy;
let bob: TestProxy;

before(async () => {
  redis = await startRedis();
  cloud = await startFakeOpenAI();
  alice = await startTeamProxy({ redisUrl: redis.url, cloudUrl: cloud.url, owner: 'alice' });
  bob = await startTeamProxy({ redisUrl: redis.url, cloudUrl: cloud.url, owner: 'bob' });
});
after(async () => {
  await alice.close();
  await bob.close();
  await cloud.close();
  await redis.stop();
});

interface Totals {
  requests: number;
  cacheHits: number;
  cloudRequests: number;
  costUsd: number;
}
type TeamUsage = { scope: string; totals: Totals; users: Record<string, Totals> };

const ask = (content: string) => ({
  model: 'gpt-4o-mini',
  temperature: 0,
  messages: [{ role: 'user' as const, content }],
});

async function teamUsage(proxy: TestProxy, query = ''): Promise<TeamUsage> {
  const response = await proxy.fetch(`/tokenwise/usage?scope=team${query}`);
  assert.equal(response.status, 200);
  return (await response.json()) as TeamUsage;
}

test('usage totals per user and for the team, read from any proxy', async () => {
  for (const q of [
    'How do I reverse a list in Python?',
    'What port does HTTPS use?',
    'How do I reverse a list in Python?',
  ])
    await alice.openai.chat.completions.create(ask(q));
  for (const q of ['Explain a mutex.', 'Name three sorting algorithms.'])
    await bob.openai.chat.completions.create(ask(q));
  const ledger = (proxy: TestProxy) => proxy.proxy.usage.summary(0, Date.now() + 1).totals.costUsd;
  const expectedCost = ledger(alice) + ledger(bob);
  assert.ok(expectedCost > 0);

  // The other proxy's counts arrive within its next send (once a second).
  let seen: TeamUsage | undefined;
  for (
    const deadline = Date.now() + 10_000;
    Date.now() < deadline;
    await new Promise((resolve) => setTimeout(resolve, 200))
  ) {
    seen = await teamUsage(bob);
    if (seen.totals.requests === 5) break;
  }
  assert.equal(seen!.scope, 'team');
  assert.deepEqual(
    [seen!.users.alice!.requests, seen!.users.alice!.cacheHits, seen!.users.alice!.cloudRequests],
    [3, 1, 2],
  );
  assert.deepEqual([seen!.users.bob!.requests, seen!.users.bob!.cacheHits], [2, 0]);
  assert.equal(seen!.totals.requests, 5);
  assert.ok(Math.abs(seen!.totals.costUsd - expectedCost) < 1e-12, `${seen!.totals.costUsd} vs ${expectedCost}`);

  const fromAlice = await teamUsage(alice);
  assert.deepEqual(fromAlice.totals, seen!.totals, 'every proxy sees the same team totals');
  const today = await teamUsage(alice, `&since=${new Date(Date.now() - 60_000).toISOString()}`);
  assert.equal(today.totals.requests, 5, 'since selects the days that hold them');
  const tomorrow = await teamUsage(
    alice,
    `&since=${new Date(Date.now() + 2 * 86_400_000).toISOString()}&until=${new Date(Date.now() + 3 * 86_400_000).toISOString()}`,
  );
  assert.equal(tomorrow.totals.requests, 0);

  const own = (await (await alice.fetch('/tokenwise/usage')).json()) as { totals: { requests: number } };
  assert.equal(own.totals.requests, 3, "without scope=team: this proxy's own ledger, as before");
});

test('scope=team on a proxy without Redis is a clear 400; an unknown scope too', async () => {
  const single = await startTestProxy({ env: { OPENAI_BASE_URL: `${cloud.url}/v1`, OPENAI_API_KEY: 'k' } });
  try {
    const response = await single.fetch('/tokenwise/usage?scope=team');
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: { message: string } }).error.message, /redis\.url/);
    assert.equal((await alice.fetch('/tokenwise/usage?scope=everyone')).status, 400);
    const health = (await (await fetch(`${single.url}/tokenwise/health`)).json()) as Record<string, unknown>;
    assert.equal('redis' in health, false, 'a single proxy reports no Redis');
  } finally {
    await single.close();
  }
});
