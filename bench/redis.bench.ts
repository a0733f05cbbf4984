// Team mode on one real redis-server: what a shared-cache hit adds over a local one (p50/p99, concurrency 1), and the
// throughput of three proxies sharing one Redis against three proxies on their own, on the same distinct requests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../proxy/config/load.ts';
import { startProxy, type RunningProxy } from '../proxy/server.ts';
import { startFakeOpenAI } from '../test/support/fake-openai.ts';
import { startRedis } from '../test/support/redis.ts';
import { load, percentile } from './support/load.ts';

const redis = await startRedis();
const upstream = await startFakeOpenAI();
const dirs: string[] = [];
const headers = { authorization: 'Bearer bench-token' };

async function proxy(team: boolean, timeoutMs?: number): Promise<RunningProxy> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-bench-'));
  dirs.push(dataDir);
  const env = {
    TOKENWISE_DATA_DIR: dataDir,
    XDG_CONFIG_HOME: dataDir,
    TOKENWISE_PORT: '0',
    TOKENWISE_TOKEN: 'bench-token',
    TOKENWISE_LOCAL_MODEL: 'off',
    OPENAI_BASE_URL: `${upstream.url}/v1`,
    OPENAI_API_KEY: 'k',
    ...(team ? { TOKENWISE_REDIS_URL: redis.url } : {}),
  };
  const config = loadConfig({ env });
  if (timeoutMs) config.redis.timeoutMs = timeoutMs;
  const running = await startProxy(config, { env });
  for (let waited = 0; team && waited < 10_000; waited += 20) {
    if (((await (await fetch(`${running.url}/tokenwise/health`)).json()) as { redis?: string }).redis === 'ok') break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return running;
}

// Distinct questions the semantic cache cannot confuse (it is off for this measure anyway: each has its own key).
const body = (label: string) =>
  JSON.stringify({
    model: 'gpt-4o-mini',
    temperature: 0,
    messages: [{ role: 'user', content: `${label} request #{n}: what is the checksum of block {n}?` }],
  });
const url = (running: RunningProxy) => `${running.url}/v1/chat/completions`;
const ms = (values: number[], p: number) => percentile(values, p).toFixed(3);
const results: Record<string, string> = {};

// 1. Latency at concurrency 1. Proxy A fills Redis; proxy B reads each answer once from Redis (a shared hit, which
// also copies it into B's own cache), then again from its own cache (a local hit): same proxy, same answers.
const [a, b] = [await proxy(true), await proxy(true)];
const N = 500;
const fill = await load({ url: url(a), body: body('latency'), variants: N, headers, concurrency: 1, requests: N });
const shared = await load({ url: url(b), body: body('latency'), variants: N, headers, concurrency: 1, requests: N });
const local = await load({ url: url(b), body: body('latency'), variants: N, headers, concurrency: 1, requests: N });
results['shared-cache hit p50, ms'] = ms(shared.latenciesMs, 50);
results['shared-cache hit p99, ms'] = ms(shared.latenciesMs, 99);
results['local hit p50, ms (same answers, same proxy)'] = ms(local.latenciesMs, 50);
results['local hit p99, ms'] = ms(local.latenciesMs, 99);
results['added by Redis, p50 / p99, ms'] =
  `${(percentile(shared.latenciesMs, 50) - percentile(local.latenciesMs, 50)).toFixed(3)} / ${(percentile(shared.latenciesMs, 99) - percentile(local.latenciesMs, 99)).toFixed(3)}`;
results['errors'] = String(fill.errors + shared.errors + local.errors);

// 2. Throughput: three proxies, each sent the same 400 distinct requests (8 at a time) by its own load process.
const DISTINCT = 400;
async function three(team: boolean, label: string, timeoutMs?: number) {
  const proxies = [await proxy(team, timeoutMs), await proxy(team, timeoutMs), await proxy(team, timeoutMs)];
  const calls = upstream.calls;
  const started = performance.now();
  const runs = await Promise.all(
    proxies.map((p) =>
      load({ url: url(p), body: body(label), variants: DISTINCT, headers, concurrency: 8, requests: DISTINCT }),
    ),
  );
  const elapsed = performance.now() - started;
  for (const p of proxies) await p.close();
  const done = runs.reduce((sum, run) => sum + run.latenciesMs.length, 0);
  return {
    perSecond: ((done / elapsed) * 1000).toFixed(0),
    upstream: upstream.calls - calls,
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    p99: ms(
      runs.flatMap((run) => run.latenciesMs),
      99,
    ),
  };
}
const team = await three(true, 'team');
const patient = await three(true, 'patient', 1000);
const alone = await three(false, 'alone');
results['3 proxies on one Redis: requests/s (1,200 requests)'] = team.perSecond;
results['3 proxies on one Redis: upstream calls for 400 distinct'] = String(team.upstream);
results['3 proxies on one Redis: p99, ms'] = team.p99;
results['3 proxies on one Redis, redis.timeoutMs 1000: requests/s'] = patient.perSecond;
results['3 proxies on one Redis, redis.timeoutMs 1000: upstream calls for 400 distinct'] = String(patient.upstream);
results['3 proxies on one Redis, redis.timeoutMs 1000: p99, ms'] = patient.p99;
results['3 proxies on their own: requests/s'] = alone.perSecond;
results['3 proxies on their own: upstream calls for 400 distinct'] = String(alone.upstream);
results['3 proxies on their own: p99, ms'] = alone.p99;
results['errors (throughput runs)'] = String(team.errors + patient.errors + alone.errors);

await a.close();
await b.close();
await upstream.close();
await redis.stop();
for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    name: 'Team mode on Redis',
    results,
    notes:
      "redis-server 7 (Debian) on loopback with a password; proxies in one process, load from separate processes; fake upstream answers at once. Shared hit: the answer comes from Redis (then is copied into the proxy's own cache); local hit: the same answers again, from that cache. Throughput: every proxy is sent the same 400 distinct requests, so on Redis a question is paid for once by the team, on their own once per proxy.",
  }),
);
