// What recording usage adds to a request: the hot-path call itself, and p50 latency through HTTP with and without
// the ledger, measured alternately against the same loopback upstream.
import http from 'node:http';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../proxy/api/app.ts';
import { loadConfig } from '../proxy/config/load.ts';
import { Pipeline } from '../proxy/pipeline.ts';
import { cloudCatalog } from '../proxy/server.ts';
import { closeDatabase, openDatabase } from '../proxy/storage/database.ts';
import { UsageRecorder } from '../proxy/usage/index.ts';
import { Ledger } from '../proxy/usage/ledger.ts';
import { priceRequest, type FinishedRequest } from '../proxy/usage/record.ts';
import { startFakeOpenAI } from '../test/support/fake-openai.ts';
import { load, percentile } from './support/load.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-bench-'));
const upstream = await startFakeOpenAI();
const env = {
  TOKENWISE_DATA_DIR: dataDir,
  XDG_CONFIG_HOME: dataDir,
  OPENAI_BASE_URL: `${upstream.url}/v1`,
  OPENAI_API_KEY: 'k',
  TOKENWISE_LOCAL_MODEL: 'off',
};
const config = loadConfig({ env });
const catalog = { cloud: cloudCatalog(config, env), defaultCloudModel: 'gpt-4o-mini' };
const db = openDatabase(path.join(dataDir, 'tokenwise.db'));
const usage = new UsageRecorder({ config, db, localQueue: () => ({ active: 0, queued: 0 }) });

// 1. The call the request path makes.
const sample: FinishedRequest = {
  time: Date.now(),
  client: 'bench',
  api: 'openai',
  modelAsked: 'gpt-4o-mini',
  modelUsed: 'gpt-4o-mini',
  provider: 'openai',
  providerKind: 'openai',
  route: 'cloud',
  reason: 'model=gpt-4o-mini',
  cache: 'miss',
  stream: false,
  status: 200,
  usage: { inputTokens: 1200, outputTokens: 300, cachedInputTokens: 1000 },
  tokensEstimated: false,
  originalInputTokens: 1200,
  latencyMs: 10,
  overheadMs: 0.1,
  generationMs: 0,
};
const calls = 20_000;
let started = performance.now();
for (let i = 0; i < calls; i++) usage.record(sample);
const recordCallUs = ((performance.now() - started) * 1000) / calls;
started = performance.now();
usage.summary(0, Date.now() + 1); // drains: prices, queues, publishes, observes; then commits
const drainUs = ((performance.now() - started) * 1000) / calls;

// 2. Through HTTP, with and without recording, alternating rounds.
async function serve(pipeline: Pipeline) {
  const app = createApp({
    config,
    token: 't',
    pipeline,
    catalog,
    health: () => ({
      status: 'ok',
      service: 'tokenwise',
      version: 'bench',
      pid: process.pid,
      local: { state: 'disabled' },
      providers: {},
    }),
  });
  const server = http.createServer(app).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
const withLedger = await serve(new Pipeline({ catalog, usage }));
const without = await serve(new Pipeline({ catalog }));
const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'bench' }] });
const headers = { authorization: 'Bearer t' };
await load({ url: `${withLedger.url}/v1/chat/completions`, body, headers, concurrency: 1, requests: 300 }); // warm-up
await load({ url: `${without.url}/v1/chat/completions`, body, headers, concurrency: 1, requests: 300 });
// Alternate short rounds and compare each pair: machine noise shifts both sides of a pair alike.
const pairs: { with: number; without: number }[] = [];
for (let round = 0; round < 12; round++) {
  const a = percentile(
    (await load({ url: `${withLedger.url}/v1/chat/completions`, body, headers, concurrency: 1, requests: 400 }))
      .latenciesMs,
    50,
  );
  const b = percentile(
    (await load({ url: `${without.url}/v1/chat/completions`, body, headers, concurrency: 1, requests: 400 }))
      .latenciesMs,
    50,
  );
  pairs.push({ with: a, without: b });
}
const p50With = percentile(
  pairs.map((p) => p.with),
  50,
);
const p50Without = percentile(
  pairs.map((p) => p.without),
  50,
);
const addedP50 = percentile(
  pairs.map((p) => p.with - p.without),
  50,
);

// 3. The ledger commit itself, which runs on the event loop every flush interval: one transaction of 200 records
// (a busy flush window), synchronous=FULL (what the proxy uses) against NORMAL, each on a fresh file.
function commitMs(synchronous: 'FULL' | 'NORMAL') {
  const file = path.join(dataDir, `commit-${synchronous}.db`);
  const commitDb = openDatabase(file);
  commitDb.exec(`PRAGMA synchronous = ${synchronous}`);
  const ledger = new Ledger(commitDb, { retentionDays: 0 });
  const times: number[] = [];
  for (let i = 0; i < 60; i++) {
    for (let r = 0; r < 200; r++) ledger.append(priceRequest(ledger.allocateId(), sample, usage.pricing, config.usage));
    const begun = performance.now();
    ledger.flush();
    times.push(performance.now() - begun);
  }
  ledger.close();
  closeDatabase(commitDb, file);
  return `${percentile(times, 50).toFixed(1)} / ${percentile(times, 95).toFixed(1)}`;
}
const commitFull = commitMs('FULL');
const commitNormal = commitMs('NORMAL');

withLedger.server.close();
without.server.close();
usage.close();
await upstream.close();
fs.rmSync(dataDir, { recursive: true, force: true });

console.log(
  JSON.stringify({
    name: 'Usage recording overhead',
    results: {
      'record() on the request path, µs/call': recordCallUs.toFixed(2),
      'pricing + ledger queue + live + metrics, µs/request (after the response)': drainUs.toFixed(1),
      'HTTP p50 with ledger, ms': p50With.toFixed(3),
      'HTTP p50 without ledger, ms': p50Without.toFixed(3),
      'added p50 latency, ms (median of 12 paired rounds)': addedP50.toFixed(3),
      'ledger commit of 200 records, synchronous=FULL, ms p50 / p95': commitFull,
      'ledger commit of 200 records, synchronous=NORMAL, ms p50 / p95': commitNormal,
    },
    notes:
      '12 alternating rounds of 400 sequential JSON requests per side, from a separate load process, against one loopback upstream (0 ms delay) in the proxy’s process. Commits: 60 transactions of 200 records each, rollback journal, on the bench machine’s tmp disk.',
  }),
);
