// Proxy overhead next to a real peer: the same load generator sends identical request bytes to (a) a loopback mock
// upstream directly, (b) Tokenwise (the built CLI, caching off, the model routed to that upstream), (c) the Portkey
// AI gateway and (d) a bare node:http forwarder (the floor), for JSON and SSE, 0 ms and 50 ms upstream delay,
// concurrency 1 / 10 / 64, alternating the targets within each round. The gateways run pinned to CPU 1; the load
// generator and the upstream share CPU 0. Reports
// req/s, latency added to direct (p50/p99, median over rounds), time-to-first-byte added for SSE, gateway CPU per
// request (/proc utime+stime) and RSS; and Tokenwise's idle RSS with its default config and no local model.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  forwardingConfig,
  portkeyVersion,
  settledRssMb,
  startForwarder,
  startMockUpstream,
  startPortkey,
  startTokenwise,
  stopProcess,
  type GatewayProcess,
} from './support/gateways.ts';
import { loadMany, percentile, type LoadJob, type LoadResult } from './support/load.ts';

const root = path.dirname(import.meta.dirname);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const JOB_MS = Number(process.env.BENCH_JOB_MS ?? 1000);
const LOAD_CPU = '0';
const GATEWAY_CPU = '1';
const token = 'bench-token-0123456789';

// Everything this process starts (the upstream, the load generator) inherits CPU 0; the gateways are pinned to 1.
spawnSync('taskset', ['-a', '-p', '-c', LOAD_CPU, String(process.pid)], { stdio: 'ignore' });
if (spawnSync(process.execPath, ['esbuild.config.js'], { cwd: root, stdio: 'inherit' }).status !== 0)
  throw new Error('build failed');

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-overhead-'));
const writeConfig = (name: string, config: object) => {
  const file = path.join(dataDir, name);
  fs.writeFileSync(file, JSON.stringify(config));
  return file;
};

// 1. Idle RSS: the default config (cache, trimming, ledger on) with no local model, before any request.
const idleDir = fs.mkdtempSync(path.join(dataDir, 'idle-'));
const idle = await startTokenwise({
  configFile: writeConfig('idle.json', { token, local: { model: 'off' } }),
  dataDir: idleDir,
  cpus: GATEWAY_CPU,
});
const idleRssMb = await settledRssMb(idle.pid);
idle.stop();

// 2. The targets.
const upstream = await startMockUpstream();
const tokenwise = await startTokenwise({
  configFile: writeConfig('overhead.json', forwardingConfig(token, upstream, { caches: false, slow: true })),
  dataDir: fs.mkdtempSync(path.join(dataDir, 'run-')),
  cpus: GATEWAY_CPU,
});
const portkey = await startPortkey(GATEWAY_CPU);
const portkeyIdleRssMb = await settledRssMb(portkey.pid, 3000);
const forwarder = await startForwarder(GATEWAY_CPU);

type Gateway = 'Tokenwise' | 'Portkey' | 'forwarder';
type Target = 'direct' | Gateway;
const GATEWAYS: Gateway[] = ['Tokenwise', 'Portkey', 'forwarder'];
const TARGETS: Target[] = ['direct', ...GATEWAYS];
const gateways: Record<Gateway, GatewayProcess> = { Tokenwise: tokenwise, Portkey: portkey, forwarder };

interface Scenario {
  label: string;
  stream: boolean;
  slow: boolean;
  concurrency: number;
}
const scenarios: Scenario[] = [];
for (const slow of [false, true])
  for (const stream of [false, true])
    for (const concurrency of [1, 10, 64])
      scenarios.push({
        label: `${stream ? 'SSE' : 'JSON'} ${slow ? 50 : 0} ms c=${concurrency}`,
        stream,
        slow,
        concurrency,
      });

const messages = [
  { role: 'system', content: 'You are a terse assistant for a developer.' },
  { role: 'user', content: 'In one sentence: what does a cache do?' },
];
function job(scenario: Scenario, target: Target, durationMs: number): LoadJob {
  const base = scenario.slow ? upstream.slow : upstream.fast;
  const body = JSON.stringify({
    model: scenario.slow ? 'gpt-4o' : 'gpt-4o-mini',
    messages,
    max_tokens: 64,
    ...(scenario.stream ? { stream: true } : {}),
  });
  // The same headers to every target: each reads what it needs and ignores the rest.
  const headers = {
    authorization: `Bearer ${token}`,
    'x-portkey-provider': 'openai',
    'x-portkey-custom-host': `${base}/v1`,
  };
  const url = `${target === 'direct' ? base : gateways[target].url}/v1/chat/completions`;
  return {
    url,
    body,
    headers,
    concurrency: scenario.concurrency,
    durationMs,
    ...(target === 'direct' ? {} : { measurePid: gateways[target].pid }),
  };
}

// Warm-up, then the rounds; the target order rotates each round. What is measured is each gateway's steady state:
// V8 keeps optimising a large code base for thousands of requests (a bare forwarder is warm after a few hundred),
// and optimising runs on the gateway's one core, so every target first serves WARM_MS of JSON and of SSE at
// concurrency 64, then a short run of each scenario (connection pools).
const WARM_MS = Number(process.env.BENCH_WARM_MS ?? 3000);
const busiest = (stream: boolean) => scenarios.find((s) => s.stream === stream && !s.slow && s.concurrency === 64)!;
await loadMany(
  TARGETS.flatMap((t) => [job(busiest(false), t, WARM_MS), job(busiest(true), t, WARM_MS)]),
  { taskset: LOAD_CPU },
);
await loadMany(
  scenarios.flatMap((s) => TARGETS.map((t) => job(s, t, 300))),
  { taskset: LOAD_CPU },
);
const runs = new Map<string, LoadResult[]>();
for (let round = 0; round < ROUNDS; round++) {
  const order = TARGETS.map((_, i) => TARGETS[(i + round) % TARGETS.length]!);
  const jobs = scenarios.flatMap((s) => order.map((t) => ({ key: `${s.label}|${t}`, job: job(s, t, JOB_MS) })));
  const results = await loadMany(
    jobs.map((j) => j.job),
    { taskset: LOAD_CPU },
  );
  jobs.forEach(({ key }, i) => runs.set(key, [...(runs.get(key) ?? []), results[i]!]));
  process.stderr.write(`overhead: round ${round + 1}/${ROUNDS} done\n`);
}
const afterLoadRssMb = {
  Tokenwise: await settledRssMb(tokenwise.pid, 2000),
  Portkey: await settledRssMb(portkey.pid, 2000),
};

tokenwise.stop();
portkey.stop();
forwarder.stop();
stopProcess(upstream.child);
fs.rmSync(dataDir, { recursive: true, force: true });

// 3. Figures: per round, then the median over rounds (noise moves both sides of a round alike).
const median = (values: number[]) => percentile(values, 50);
const fmt = (value: number, digits = 2) =>
  value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const perRound = (s: Scenario, t: Target) => runs.get(`${s.label}|${t}`)!;
const rate = (r: LoadResult) => (r.latenciesMs.length / r.elapsedMs) * 1000;
function added(s: Scenario, t: Target, pick: (r: LoadResult) => number[], p: number): number {
  return median(perRound(s, t).map((r, i) => percentile(pick(r), p) - percentile(pick(perRound(s, 'direct')[i]!), p)));
}
const errors = Object.fromEntries(
  TARGETS.map((t) => [t, scenarios.reduce((n, s) => n + perRound(s, t).reduce((m, r) => m + r.errors, 0), 0)]),
);
const firstError = [...runs.values()].flat().find((r) => r.firstError)?.firstError;

const results: Record<string, string> = {};
const slash = (values: number[], digits = 2) => values.map((v) => fmt(v, digits)).join(' / ');
const table = [
  '| scenario | req/s: direct / Tokenwise / Portkey / forwarder | added p50 ms: Tokenwise / Portkey / forwarder | added p99 ms | added TTFB p50 ms (SSE) | CPU ms/req: Tokenwise / Portkey / forwarder |',
  '|---|---|---|---|---|---|',
];
const structured: Record<string, unknown>[] = [];
for (const s of scenarios) {
  const rates = TARGETS.map((t) => median(perRound(s, t).map(rate)));
  const cpu = GATEWAYS.map((t) => {
    const rs = perRound(s, t);
    return rs.reduce((n, r) => n + r.cpuMs!, 0) / rs.reduce((n, r) => n + r.latenciesMs.length, 0);
  });
  const p50 = GATEWAYS.map((t) => added(s, t, (r) => r.latenciesMs, 50));
  const p99 = GATEWAYS.map((t) => added(s, t, (r) => r.latenciesMs, 99));
  const ttfb = GATEWAYS.map((t) => added(s, t, (r) => r.firstByteMs, 50));
  const spread = perRound(s, 'Tokenwise').map(rate);
  const byGateway = (values: number[]) => Object.fromEntries(GATEWAYS.map((g, i) => [g, values[i]]));
  structured.push({
    scenario: s.label,
    reqPerSec: Object.fromEntries(TARGETS.map((t, i) => [t, Math.round(rates[i]!)])),
    tokenwiseReqPerSecRounds: spread.map(Math.round),
    addedP50Ms: byGateway(p50),
    addedP99Ms: byGateway(p99),
    addedTtfbP50Ms: s.stream ? byGateway(ttfb) : undefined,
    cpuMsPerRequest: byGateway(cpu),
  });
  table.push(
    `| ${s.label} | ${slash(rates, 0)} | ${slash(p50)} | ${slash(p99)} | ${s.stream ? slash(ttfb) : '—'} | ${slash(cpu, 3)} |`,
  );
  if (s.slow && median(perRound(s, 'Tokenwise').map((r) => percentile(r.latenciesMs, 50))) < 50)
    throw new Error(`${s.label}: Tokenwise answered in under 50 ms: not routed to the slow upstream`);
}
type Row = {
  reqPerSec: Record<Target, number>;
  addedP50Ms: Record<Gateway, number>;
  addedTtfbP50Ms: Record<Gateway, number>;
  cpuMsPerRequest: Record<Gateway, number>;
};
const at = (label: string) => structured.find((row) => row.scenario === label) as Row;
const trio = (values: Record<Gateway, number>, digits = 3) =>
  slash(
    GATEWAYS.map((g) => values[g]),
    digits,
  );
for (const label of ['JSON 0 ms c=64', 'SSE 0 ms c=64']) {
  const row = at(label);
  results[`Tokenwise / Portkey throughput, ${label}`] =
    `${fmt(row.reqPerSec.Tokenwise / row.reqPerSec.Portkey, 1)}× (${fmt(row.reqPerSec.Tokenwise, 0)} vs ${fmt(row.reqPerSec.Portkey, 0)} req/s; forwarder ${fmt(row.reqPerSec.forwarder, 0)})`;
}
results['added p50 latency, JSON 0 ms c=1, ms (Tokenwise / Portkey / forwarder)'] = trio(
  at('JSON 0 ms c=1').addedP50Ms,
);
results['added TTFB p50, SSE 0 ms c=1, ms (Tokenwise / Portkey / forwarder)'] = trio(at('SSE 0 ms c=1').addedTtfbP50Ms);
results['CPU per request, JSON 0 ms c=64, ms (Tokenwise / Portkey / forwarder)'] = trio(
  at('JSON 0 ms c=64').cpuMsPerRequest,
);
results['CPU per request, SSE 0 ms c=64, ms (Tokenwise / Portkey / forwarder)'] = trio(
  at('SSE 0 ms c=64').cpuMsPerRequest,
);
results['Tokenwise idle RSS, default config, no local model, MB'] = fmt(idleRssMb, 0);
results['RSS after the run, MB (Tokenwise / Portkey; Portkey idle)'] =
  `${fmt(afterLoadRssMb.Tokenwise, 0)} / ${fmt(afterLoadRssMb.Portkey, 0)} (${fmt(portkeyIdleRssMb, 0)})`;
results['failed requests (direct / Tokenwise / Portkey / forwarder)'] =
  `${TARGETS.map((t) => errors[t]).join(' / ')}${firstError ? ` (first: ${firstError})` : ''}`;

console.log(
  JSON.stringify({
    name: 'Proxy overhead vs the Portkey gateway',
    results,
    notes: [
      `Portkey @portkey-ai/gateway ${portkeyVersion()}. Every target warmed with ${WARM_MS} ms each of JSON and SSE at c=64, then ${ROUNDS} rounds × ${JOB_MS} ms per scenario and target, targets alternating; figures are medians over rounds; the gateways pinned to CPU 1 (taskset), load generator + mock upstream on CPU 0. Added latency is the gateway's percentile minus direct's in the same round. Tokenwise req/s per round shows the machine's noise. The forwarder is bench/support/forwarder.ts: body read, JSON.parse, keep-alive upstream call, answer piped back — the floor under any Node gateway.`,
      '',
      ...table,
    ].join('\n'),
    scenarios: structured,
  }),
);
