// Exact-cache hits through HTTP: latency (p50/p99) and throughput, JSON and SSE, from a separate load process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../proxy/config/load.ts';
import { startProxy } from '../proxy/server.ts';
import { startFakeOpenAI } from '../test/support/fake-openai.ts';
import { load, percentile } from './support/load.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-bench-'));
const upstream = await startFakeOpenAI();
const env = {
  TOKENWISE_DATA_DIR: dataDir,
  XDG_CONFIG_HOME: dataDir,
  TOKENWISE_PORT: '0',
  TOKENWISE_TOKEN: 'bench-token',
  TOKENWISE_LOCAL_MODEL: 'off',
  OPENAI_BASE_URL: `${upstream.url}/v1`,
  OPENAI_API_KEY: 'k',
};
const proxy = await startProxy(loadConfig({ env }), { env });
const headers = { authorization: 'Bearer bench-token' };
const url = `${proxy.url}/v1/chat/completions`;
const request = {
  model: 'gpt-4o-mini',
  temperature: 0,
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'What is a cache?' },
  ],
};
const json = JSON.stringify(request);
const sse = JSON.stringify({ ...request, stream: true });

await load({ url, body: json, headers, concurrency: 1, requests: 1 }); // fills the cache
const upstreamCalls = upstream.calls;
const results: Record<string, string> = {};
for (const [label, body] of [
  ['JSON', json],
  ['SSE', sse],
] as const) {
  await load({ url, body, headers, concurrency: 1, requests: 300 });
  const sequential = await load({ url, body, headers, concurrency: 1, requests: 3000 });
  const parallel = await load({ url, body, headers, concurrency: 16, requests: 6000 });
  results[`${label} hit p50, ms (concurrency 1)`] = percentile(sequential.latenciesMs, 50).toFixed(3);
  results[`${label} hit p99, ms (concurrency 1)`] = percentile(sequential.latenciesMs, 99).toFixed(3);
  results[`${label} hits/s (concurrency 16)`] = ((parallel.latenciesMs.length / parallel.elapsedMs) * 1000).toFixed(0);
}
results['upstream calls during the run'] = String(upstream.calls - upstreamCalls);

await proxy.close();
await upstream.close();
fs.rmSync(dataDir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    name: 'Exact cache hits through HTTP',
    results,
    notes:
      'One loopback proxy process (ledger on), load from a separate process; every request is a hit on the same cached answer.',
  }),
);
