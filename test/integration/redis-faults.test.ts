// Team mode when Redis fails: down at start, killed under load, or hung. Every request still succeeds on the proxy's
// own state, the log says so once, health shows `redis: unavailable`, and sharing resumes when Redis is back.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import { freePort, startRedis, type TestRedis } from '../support/redis.ts';
import { sseJsonOf } from '../support/sse.ts';
import { redisState, startTeamProxy, type TestProxy } from '../support/team.ts';

let cloud: Awaited<ReturnType<typeof startFakeOpenAI>>;
before(async () => {
  cloud = await startFakeOpenAI();
});
after(async () => {
  await cloud.close();
});

const ask = (content: string, stream = false) => ({
  model: 'gpt-4o-mini',
  temperature: 0,
  stream,
  messages: [{ role: 'user' as const, content }],
});
async function send(proxy: TestProxy, content: string, stream = false) {
  const response = await proxy.fetch('/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify(ask(content, stream)),
  });
  const text = await response.text();
  return { status: response.status, cache: response.headers.get('x-tokenwise-cache'), text };
}
const warnings = (lines: string[]) => lines.filter((line) => line.startsWith('redis unavailable')).length;

test('Redis down at start: requests succeed on local state with one warning; when it comes up, sharing starts', async () => {
  const port = await freePort();
  const password = 'start-later-password';
  const url = `redis://:${password}@127.0.0.1:${port}`;
  const logA: string[] = [];
  const a = await startTeamProxy({
    redisUrl: url,
    cloudUrl: cloud.url,
    owner: 'alice',
    log: (line) => logA.push(line),
    waitForRedis: false,
  });
  const b = await startTeamProxy({ redisUrl: url, cloudUrl: cloud.url, owner: 'alice', waitForRedis: false });
  let redis: TestRedis | undefined;
  try {
    await redisState(a, 'unavailable');
    for (let i = 0; i < 10; i++) assert.equal((await send(a, `offline question ${i % 3}`)).status, 200);
    assert.equal((await send(a, 'offline question 0')).cache, 'exact', 'the local cache still works');
    assert.equal(warnings(logA), 1, logA.join('\n'));

    redis = await startRedis({ port, password });
    await Promise.all([redisState(a, 'ok'), redisState(b, 'ok')]);
    assert.ok(logA.some((line) => line.includes('sharing resumed')));
    assert.equal((await send(a, 'asked once Redis was up')).cache, 'miss');
    assert.equal((await send(b, 'asked once Redis was up')).cache, 'exact');
  } finally {
    await a.close();
    await b.close();
    await redis?.stop();
  }
});

test('kill redis-server under load: zero failed requests; restart it: sharing resumes', async () => {
  const redis = await startRedis();
  const logA: string[] = [];
  const a = await startTeamProxy({
    redisUrl: redis.url,
    cloudUrl: cloud.url,
    owner: 'alice',
    log: (line) => logA.push(line),
  });
  const b = await startTeamProxy({ redisUrl: redis.url, cloudUrl: cloud.url, owner: 'alice' });
  try {
    cloud.behave({ kind: 'echo', delayMs: 20 });
    let sent = 0;
    const results: { status: number }[] = [];
    let killed: Promise<void> | undefined;
    // Eight callers in a loop over both proxies: repeated and new questions, JSON and SSE, some identical at once.
    await Promise.all(
      Array.from({ length: 8 }, async (_, caller) => {
        while (sent < 240) {
          const n = sent++;
          if (n === 80) killed = redis.kill();
          results.push(await send(n % 2 ? b : a, `load question ${n % 40 < 20 ? n % 7 : n}`, n % 3 === 0));
        }
        return caller;
      }),
    );
    await killed;
    assert.equal(results.length, 240);
    assert.deepEqual(
      results.filter((r) => r.status !== 200),
      [],
      'no request failed',
    );
    assert.equal(warnings(logA), 1);
    await redisState(a, 'unavailable');

    await redis.restart();
    await Promise.all([redisState(a, 'ok'), redisState(b, 'ok')]);
    assert.equal((await send(a, 'after the restart', true)).cache, 'miss');
    const shared = await send(b, 'after the restart', true);
    assert.equal(shared.cache, 'exact', 'sharing resumed');
    const content = sseJsonOf(shared.text)
      .map((chunk) => chunk.choices[0]?.delta?.content ?? '')
      .join('');
    assert.equal(content, 'echo: after the restart');
  } finally {
    cloud.behave({ kind: 'echo' });
    await a.close();
    await b.close();
    await redis.stop();
  }
});

test('a hung Redis (connections open, no answers) holds no request longer than redis.timeoutMs', async () => {
  const redis = await startRedis();
  const log: string[] = [];
  const timeoutMs = 300;
  const a = await startTeamProxy({
    redisUrl: redis.url,
    cloudUrl: cloud.url,
    owner: 'alice',
    log: (line) => log.push(line),
    config: { redis: { timeoutMs } },
  });
  try {
    redis.pause();
    const started = performance.now();
    const first = await send(a, 'asked while Redis hangs');
    const elapsed = performance.now() - started;
    assert.equal(first.status, 200);
    // Three Redis steps on this request's path (cache read, session admission, coalescing claim), each given up
    // after timeoutMs; the third late reply in a row opens the circuit.
    assert.ok(elapsed < timeoutMs * 4, `took ${elapsed.toFixed(0)} ms`);
    await redisState(a, 'unavailable');
    const startedAgain = performance.now();
    assert.equal((await send(a, 'asked again while Redis hangs')).status, 200);
    assert.ok(
      performance.now() - startedAgain < timeoutMs,
      'with the circuit open, requests do not wait on Redis at all',
    );
    assert.equal(warnings(log), 1);
    redis.resume();
    await redisState(a, 'ok');
    redis.pause();
    const closing = performance.now();
    await a.close();
    assert.ok(performance.now() - closing < 5_000, 'a proxy stops even while its Redis hangs');
  } finally {
    redis.resume();
    await a.close().catch(() => {});
    await redis.stop();
  }
});
