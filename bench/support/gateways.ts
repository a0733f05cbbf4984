// The processes the overhead benchmark measures: the mock upstream, Tokenwise (the built CLI, as a user runs it) and
// the Portkey gateway (installed on first use into bench/peer from its own lock file), each optionally pinned to CPUs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';

const root = path.dirname(path.dirname(import.meta.dirname));
const peer = path.join(root, 'bench/peer');
const portkeyServer = path.join(peer, 'node_modules/@portkey-ai/gateway/build/start-server.js');

export interface GatewayProcess {
  pid: number;
  url: string;
  child: ChildProcess;
  stop(): void;
}

function launch(
  command: string[],
  options: { cpus?: string; env?: NodeJS.ProcessEnv; stdin?: 'pipe' | 'ignore' },
): ChildProcess {
  const argv = options.cpus ? ['taskset', '-c', options.cpus, ...command] : command;
  // taskset execs the command, so the child's pid is the measured process's.
  return spawn(argv[0]!, argv.slice(1), {
    cwd: root,
    env: { ...process.env, ...options.env },
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
  });
}

/** The first stdout line matching `pattern`, or an error with what the process printed. */
function waitForLine(child: ChildProcess, pattern: RegExp, what: string, timeoutMs = 30_000): Promise<RegExpExecArray> {
  let output = '';
  child.stderr!.on('data', (part: Buffer) => (output += part.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what} did not start within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}):\n${output}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output += `${line}\n`;
      const match = pattern.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
  });
}

export function stopProcess(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}

export async function startMockUpstream(cpus?: string): Promise<{ fast: string; slow: string; child: ChildProcess }> {
  const child = launch([process.execPath, '--import', 'tsx', 'bench/support/mock-upstream.ts'], {
    cpus,
    stdin: 'pipe',
  });
  const match = await waitForLine(child, /^\{.*\}$/, 'the mock upstream');
  const ports = JSON.parse(match[0]) as { fast: number; slow: number };
  return { fast: `http://127.0.0.1:${ports.fast}`, slow: `http://127.0.0.1:${ports.slow}`, child };
}

/**
 * Tokenwise configured to forward `gpt-4o-mini` (and, with `slow`, `gpt-4o`) to the mock upstream, with no local
 * model and no per-session breaker: thousands of identical requests from one client are what it exists to stop.
 * `caches: false` turns the exact and semantic caches and coalescing off, so every request measures forwarding.
 */
export function forwardingConfig(
  token: string,
  upstream: { fast: string; slow: string },
  options: { caches: boolean; slow?: boolean },
): Record<string, unknown> {
  const provider = (url: string, model: string) => ({
    kind: 'openai',
    baseUrl: `${url}/v1`,
    apiKey: 'k',
    models: [model],
    modelPattern: `^${model}$`,
  });
  return {
    token,
    local: { model: 'off' },
    providers: {
      openai: provider(upstream.fast, 'gpt-4o-mini'),
      ...(options.slow ? { slow: provider(upstream.slow, 'gpt-4o') } : {}),
    },
    ...(options.caches ? {} : { cache: { exact: { enabled: false }, semantic: { enabled: false }, coalesce: false } }),
    budget: { session: { enabled: false } },
  };
}

/** `bin/tokenwise.js serve` with a config file (and dist/ built by the caller); `nodeArgs` go before the script. */
export async function startTokenwise(options: {
  configFile: string;
  dataDir: string;
  cpus?: string;
  nodeArgs?: string[];
  env?: NodeJS.ProcessEnv;
}): Promise<GatewayProcess> {
  const env = {
    TOKENWISE_CONFIG: options.configFile,
    TOKENWISE_DATA_DIR: options.dataDir,
    XDG_CONFIG_HOME: options.dataDir,
    TOKENWISE_PORT: '0',
    ...options.env,
  };
  const child = launch([process.execPath, ...(options.nodeArgs ?? []), 'bin/tokenwise.js', 'serve'], {
    cpus: options.cpus,
    env,
  });
  const [, url] = await waitForLine(child, /listening on (http:\/\/\S+)/, 'Tokenwise');
  return { pid: child.pid!, url: url!, child, stop: () => stopProcess(child) };
}

/** The bare node:http forwarder (bench/support/forwarder.ts): the floor any Node gateway sits on. */
export async function startForwarder(cpus?: string): Promise<GatewayProcess> {
  const child = launch([process.execPath, '--import', 'tsx', 'bench/support/forwarder.ts'], { cpus });
  const [, url] = await waitForLine(child, /listening on (http:\/\/\S+)/, 'the forwarder');
  return { pid: child.pid!, url: url!, child, stop: () => stopProcess(child) };
}

/** Installs the pinned Portkey gateway into bench/peer (npm ci from its lock) unless it is there. */
export function ensurePortkey(): void {
  if (existsSync(portkeyServer)) return;
  process.stderr.write('installing @portkey-ai/gateway into bench/peer (npm ci)…\n');
  const npm = spawnSync('npm', ['ci', '--prefix', peer, '--no-audit', '--no-fund'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (npm.status !== 0) throw new Error('npm ci in bench/peer failed');
}

export function portkeyVersion(): string {
  return (
    JSON.parse(readFileSync(path.join(peer, 'node_modules/@portkey-ai/gateway/package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startPortkey(cpus?: string): Promise<GatewayProcess> {
  ensurePortkey();
  const port = await freePort();
  // The gateway listens on every interface; the preload keeps it on 127.0.0.1.
  const child = launch(
    [process.execPath, '--require', path.join(peer, 'loopback.cjs'), portkeyServer, `--port=${port}`, '--headless'],
    { cpus },
  );
  await waitForLine(child, /Ready for connections/, 'the Portkey gateway');
  return { pid: child.pid!, url: `http://127.0.0.1:${port}`, child, stop: () => stopProcess(child) };
}

/** RSS of a process in MB, read once it stops changing by more than 1 MB between samples (≤ `settleMs`). */
export async function settledRssMb(pid: number, settleMs = 8000): Promise<number> {
  const read = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  let last = read();
  const until = Date.now() + settleMs;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = read();
    if (Math.abs(now - last) < 1 || Date.now() > until) return now;
    last = now;
  }
}
