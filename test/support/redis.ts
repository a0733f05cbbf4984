/**
 * A real redis-server for the team-mode tests and bench: Debian's package, installed on first run (apt, as root,
 * like the e2e's packages), started on a free loopback port with a password and no persistence, killed after.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';

export const REDIS_SERVER = '/usr/bin/redis-server';

/** Installs Debian's redis-server when it is missing (apt-get update + install: once per machine). */
export function ensureRedisServer(): void {
  if (fs.existsSync(REDIS_SERVER)) return;
  if (process.getuid?.() !== 0)
    throw new Error(`the team-mode tests need Debian's redis-server: apt-get install -y redis-server (as root)`);
  console.log('# installing redis-server (apt, once)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'redis-server']]) {
    const result = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env, timeout: 15 * 60_000 });
    if (result.status !== 0)
      throw new Error(
        `apt-get ${args.join(' ')} failed (${result.status ?? result.signal}): install redis-server by hand`,
      );
  }
  if (!fs.existsSync(REDIS_SERVER)) throw new Error(`apt-get installed redis-server but ${REDIS_SERVER} is missing`);
}

/** A free loopback port (the OS picks it; redis-server then binds it). */
export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface TestRedis {
  port: number;
  password: string;
  /** `redis://:password@127.0.0.1:port` */
  url: string;
  /** SIGSTOP / SIGCONT: the server hangs (connections stay open, nothing answers), then goes on. */
  pause(): void;
  resume(): void;
  /** SIGKILL: the server dies as in a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same password (empty: no persistence). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a redis-server on a free loopback port with a random password; `port` reuses one (a restart). */
export async function startRedis(options: { port?: number; password?: string } = {}): Promise<TestRedis> {
  ensureRedisServer();
  const port = options.port ?? (await freePort());
  const password = options.password ?? randomBytes(12).toString('hex');
  let child: ChildProcess | undefined;

  async function launch(): Promise<void> {
    // The recommended team setup: a memory cap, and eviction limited to keys with a TTL (cache entries, locks),
    // so budget counters and usage totals are never evicted.
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--requirepass',
      password,
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory',
      '64mb',
      '--maxmemory-policy',
      'volatile-lru',
    ];
    const started = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    let output = '';
    started.stdout!.on('data', (data: Buffer) => (output += data.toString()));
    started.stderr!.on('data', (data: Buffer) => (output += data.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`redis-server did not start on port ${port}:\n${output}`)),
        20_000,
      );
      const check = () => {
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          started.stdout!.removeAllListeners('data');
          started.stdout!.resume();
          started.stderr!.resume();
          resolve();
        } else if (started.exitCode !== null) {
          clearTimeout(timer);
          reject(new Error(`redis-server exited (${started.exitCode}) on port ${port}:\n${output}`));
        } else setTimeout(check, 20);
      };
      check();
    });
  }

  async function end(signal: NodeJS.Signals): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill(signal);
    await exited;
  }

  // A test or bench process that ends without stopping it (a failure, a timeout) takes its redis-server along.
  process.once('exit', () => child?.kill('SIGKILL'));
  await launch();
  return {
    port,
    password,
    url: `redis://:${password}@127.0.0.1:${port}`,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    kill: () => end('SIGKILL'),
    restart: launch,
    stop: () => end('SIGTERM'),
  };
}
