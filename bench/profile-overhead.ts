// Where Tokenwise's CPU goes on the overhead benchmark's hot path: builds the proxy bundle unminified (so the
// profile names real functions and files), runs it pinned to CPU 1 with --cpu-prof, drives it with the benchmark's
// load generator (JSON, 0 ms upstream, concurrency 64 by default) and prints self time grouped by package and the
// top functions. Not part of `npm run bench` (a profile is for reading, not for the results table):
//   node --import tsx bench/profile-overhead.ts [--stream] [--concurrency N] [--ms N]
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import * as esbuild from 'esbuild';
import { forwardingConfig, startMockUpstream, stopProcess } from './support/gateways.ts';
import { loadMany } from './support/load.ts';

const root = path.dirname(import.meta.dirname);
const argv = process.argv.slice(2);
const option = (name: string, fallback: number) =>
  argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback;
const stream = argv.includes('--stream');
// --forwarder profiles the bare forwarder (bench/support/forwarder.ts) instead: the floor, for comparison.
const floor = argv.includes('--forwarder');
const concurrency = option('--concurrency', 64);
const durationMs = option('--ms', 5000);
const warmMs = option('--warm', 3000);
const intervalUs = option('--interval', 1000);
const token = 'bench-token-0123456789';

spawnSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
// Beside dist/proxy, so the bundle's externals (node-sqlite3-wasm) resolve from node_modules as they do for users.
const outdir = path.join(root, 'dist/profile');
fs.rmSync(outdir, { recursive: true, force: true });
await esbuild.build({
  entryPoints: { cli: path.join(root, 'proxy/cli/main.ts') },
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['node-llama-cpp', 'node-sqlite3-wasm', 'typescript', 'web-tree-sitter'],
  banner: {
    js: "import { createRequire as __twCreateRequire } from 'node:module'; const require = __twCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-profile-'));
const upstream = await startMockUpstream();
const config = path.join(work, 'config.json');
fs.writeFileSync(config, JSON.stringify(forwardingConfig(token, upstream, { caches: false })));
const entry = floor
  ? ['--import', 'tsx', path.join(root, 'bench/support/forwarder.ts')]
  : [path.join(outdir, 'cli.js'), 'serve'];
const child = spawn(
  'taskset',
  [
    '-c',
    '1',
    process.execPath,
    '--liftoff-only',
    '--cpu-prof',
    `--cpu-prof-interval=${intervalUs}`,
    `--cpu-prof-dir=${work}`,
    ...entry,
  ],
  {
    cwd: root,
    env: {
      ...process.env,
      TOKENWISE_CONFIG: config,
      TOKENWISE_DATA_DIR: work,
      XDG_CONFIG_HOME: work,
      TOKENWISE_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const url = await new Promise<string>((resolve) =>
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const match = /listening on (http:\/\/\S+)/.exec(line);
    if (match) resolve(match[1]!);
  }),
);

const body = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are a terse assistant for a developer.' },
    { role: 'user', content: 'In one sentence: what does a cache do?' },
  ],
  max_tokens: 64,
  ...(stream ? { stream: true } : {}),
});
const job = {
  url: `${url}/v1/chat/completions`,
  body,
  headers: { authorization: `Bearer ${token}`, 'x-portkey-custom-host': `${upstream.fast}/v1` },
  concurrency,
  measurePid: child.pid!,
};
await loadMany([{ ...job, durationMs: warmMs }], { taskset: '0' });
// The profile's clock is CLOCK_MONOTONIC in µs, as is hrtime: keep only the samples of the measured run.
const windowStartUs = Number(process.hrtime.bigint() / 1000n);
const [result] = await loadMany([{ ...job, durationMs }], { taskset: '0' });
const windowEndUs = Number(process.hrtime.bigint() / 1000n);
child.kill('SIGINT');
await new Promise((resolve) => child.once('exit', resolve));
stopProcess(upstream.child);

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const file = fs.readdirSync(work).find((f) => f.endsWith('.cpuprofile'))!;
const profile = JSON.parse(fs.readFileSync(path.join(work, file), 'utf8')) as {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
};
const selfUs = new Map<number, number>();
let clock = profile.startTime;
profile.samples.forEach((id, i) => {
  clock += profile.timeDeltas[i] ?? 0;
  if (clock >= windowStartUs && clock <= windowEndUs)
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
});
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const place = (n: Node) => {
  const { url: u, functionName } = n.callFrame;
  if (!u) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (modules) return modules[1]!;
  if (u.startsWith('node:')) return u;
  return path.relative(root, new URL(u).pathname);
};
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const group = (key: (n: Node) => string) => {
  const sums = new Map<string, number>();
  for (const [id, us] of selfUs) sums.set(key(byId.get(id)!), (sums.get(key(byId.get(id)!)) ?? 0) + us);
  return [...sums].sort((a, b) => b[1] - a[1]);
};
const requests = result!.latenciesMs.length;
const pct = (us: number) =>
  `${((us / total) * 100).toFixed(1).padStart(5)} % ${(us / requests).toFixed(1).padStart(7)} µs/req`;
console.log(
  `${stream ? 'SSE' : 'JSON'} c=${concurrency}: ${requests} requests in ${durationMs} ms (${Math.round((requests / result!.elapsedMs) * 1000)} req/s), CPU ${(result!.cpuMs! / requests).toFixed(3)} ms/request; profile ${path.join(work, file)}`,
);
console.log('\nself time by place:');
for (const [where, us] of group(place).slice(0, 25)) console.log(`${pct(us)}  ${where}`);
console.log('\nself time by function:');
for (const [fn, us] of group(
  (n) => `${n.callFrame.functionName || '(anonymous)'}  ${place(n)}:${n.callFrame.lineNumber + 1}`,
).slice(0, 40))
  console.log(`${pct(us)}  ${fn}`);

// Inclusive time: each sample counts once for every distinct function on its stack.
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const n = byId.get(at)!;
    const name = `${n.callFrame.functionName || '(anonymous)'}  ${place(n)}:${n.callFrame.lineNumber + 1}`;
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + us);
  }
}
console.log('\ninclusive time by function:');
for (const [fn, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 60)) console.log(`${pct(us)}  ${fn}`);
