// Soak: the built proxy (`bin/tokenwise.js serve`, cache on) under c=64 for TOKENWISE_SOAK_SECONDS (600 by default)
// against the loopback mock upstream: four load processes at c=16 each, JSON and SSE, each with the cache on and with
// `x-tokenwise-cache: off`, over 1,000 distinct prompts (so the cache both hits and misses). A probe preloaded into the
// proxy reports its RSS and event-loop delay every 5 s. Reports RSS after warm-up vs at the end, event-loop delay
// after warm-up, requests and 5xx; exits non-zero if RSS grew more than 10% or any 5xx came back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { spawnSync } from 'node:child_process';
import { forwardingConfig, startMockUpstream, startTokenwise, stopProcess } from './support/gateways.ts';
import { loadMany, percentile, type LoadResult } from './support/load.ts';

const root = path.dirname(import.meta.dirname);
const seconds = Number(process.env.TOKENWISE_SOAK_SECONDS ?? 600);
// Caches, pools and the JIT fill up first; growth is measured from here.
const warmupMs = Math.min(60, seconds / 5) * 1000;
const SAMPLE_MS = 5000;
const token = 'soak-token-0123456789';

if (spawnSync(process.execPath, ['esbuild.config.js'], { cwd: root, stdio: 'inherit' }).status !== 0)
  throw new Error('build failed');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-soak-'));
const configFile = path.join(dataDir, 'soak.json');
const upstream = await startMockUpstream();
fs.writeFileSync(configFile, JSON.stringify(forwardingConfig(token, upstream, { caches: true })));

const proxy = await startTokenwise({
  configFile,
  dataDir,
  nodeArgs: ['--import', './bench/support/loop-probe.js'],
  env: { TOKENWISE_PROBE_EVERY_MS: String(SAMPLE_MS), TOKENWISE_PROBE_WARMUP_MS: String(warmupMs) },
});
interface Sample {
  rssMb: number;
  loopP50Ms: number;
  loopP99Ms: number;
  loopMaxMs: number;
  warm: boolean;
}
const samples: Sample[] = [];
createInterface({ input: proxy.child.stdout! }).on('line', (line) => {
  if (line.startsWith('probe ')) samples.push(JSON.parse(line.slice(6)) as Sample);
});

const url = `${proxy.url}/v1/chat/completions`;
const headers = { authorization: `Bearer ${token}` };
const body = (stream: boolean) =>
  JSON.stringify({ model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content: 'soak prompt {n}' }] });
const mixes = [
  { stream: false, cache: true },
  { stream: false, cache: false },
  { stream: true, cache: true },
  { stream: true, cache: false },
];
const results: LoadResult[] = (
  await Promise.all(
    mixes.map(({ stream, cache }) =>
      loadMany([
        {
          url,
          body: body(stream),
          headers: cache ? headers : { ...headers, 'x-tokenwise-cache': 'off' },
          concurrency: 16,
          durationMs: seconds * 1000,
          variants: 1000,
        },
      ]),
    ),
  )
).flat();
// One more sample after the load, so the last one covers the end of the run.
const last = samples.length;
while (samples.length === last) await new Promise((resolve) => setTimeout(resolve, 250));
stopProcess(proxy.child);
stopProcess(upstream.child);
fs.rmSync(dataDir, { recursive: true, force: true });

// RSS at a point is the median of the three samples around it (15 s), so one GC cycle does not decide the figure.
const median = (values: number[]) => percentile(values, 50);
const warm = samples.filter((s) => s.warm);
const rssAfterWarmup = median(warm.slice(0, 3).map((s) => s.rssMb));
const rssAtEnd = median(samples.slice(-3).map((s) => s.rssMb));
const growthPct = ((rssAtEnd - rssAfterWarmup) / rssAfterWarmup) * 100;
const end = samples.at(-1)!;
const requests = results.reduce((sum, r) => sum + r.latenciesMs.length + r.errors, 0);
const serverErrors = results.reduce((sum, r) => sum + r.serverErrors, 0);
const errors = results.reduce((sum, r) => sum + r.errors, 0);
const latencies = results.flatMap((r) => r.latenciesMs);

console.log(
  JSON.stringify({
    name: 'Soak',
    results: {
      'duration, s': seconds,
      'requests (c=64)': requests,
      'requests/s': Math.round(requests / seconds),
      '5xx': serverErrors,
      'other non-2xx or connection errors': errors - serverErrors,
      'RSS after warm-up, MB': rssAfterWarmup.toFixed(1),
      'RSS at end, MB': rssAtEnd.toFixed(1),
      'RSS growth after warm-up, %': growthPct.toFixed(1),
      'RSS max, MB': Math.max(...samples.map((s) => s.rssMb)).toFixed(1),
      'event-loop delay p50 / p99 / max, ms (after warm-up)': `${end.loopP50Ms} / ${end.loopP99Ms} / ${end.loopMaxMs}`,
      'latency p50 / p99, ms': `${percentile(latencies, 50).toFixed(2)} / ${percentile(latencies, 99).toFixed(2)}`,
    },
    notes: `The built proxy (cache on, no local model) against the loopback mock upstream, ${seconds} s at c=64: JSON and SSE, each with the cache on and with \`x-tokenwise-cache: off\` (16 connections each), over 1,000 distinct prompts. RSS and event-loop delay are read inside the proxy every ${SAMPLE_MS / 1000} s; warm-up ${warmupMs / 1000} s; RSS points are medians of 3 samples. Machine shared with other work.`,
  }),
);
if (growthPct > 10 || serverErrors > 0) process.exitCode = 1;
