/**
 * @module Runs the proxy as a child of the extension host — `fork`, so VS Code's own Node runs it and no system Node
 * is needed — and keeps it running: waits until it answers /tokenwise/health, restarts it with backoff when it dies
 * (saying so once per streak, not on every attempt), stops it on deactivate. When a Tokenwise proxy already answers
 * on the port (the developer ran `npm start`, or another window started one) it attaches instead of starting a
 * second one, and takes over if that proxy goes away.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { ProxyHealth, ProxyState } from '../shared/protocol.ts';
import { probeHealth } from './proxy-client.ts';
import { runProxyCli } from './proxy-cli.ts';
import type { Launch } from './settings.ts';

/** Consecutive restarts tried before giving up. */
export const MAX_RESTARTS = 5;
/** A proxy that stayed up this long ends a failure streak. */
const STABLE_MS = 30_000;
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;
const HEALTH_POLL_MS = 3_000;
/** Faster while the local model downloads or loads, so progress shows. */
const HEALTH_POLL_BUSY_MS = 1_000;

/** Delay before restart attempt `attempt` (1-based): 1 s, 2 s, 4 s … capped at 30 s. */
export function restartDelayMs(attempt: number): number {
  return Math.min(30_000, 1_000 * 2 ** Math.max(0, attempt - 1));
}

/** Reads the proxy's start-up banner: `listening on URL` and `token: …` (the token never reaches the log). */
export function readBanner(line: string): { url?: string; token?: string } {
  const url = line.match(/listening on (https?:\/\/\S+)/)?.[1];
  const token = line.match(/^\s*token:\s+(\S+)/)?.[1];
  return { ...(url ? { url } : {}), ...(token ? { token } : {}) };
}

export interface ProxyConnection {
  url: string;
  token: string;
  pid: number;
  attached: boolean;
}

export interface SupervisorOptions {
  /** The child's entry point (dist/extension/proxy-host.cjs). */
  hostScript: string;
  /** Settings and secrets as of now; read on every start, so a restart applies changes. */
  launch: () => Promise<Launch>;
  /** The configured port (0: the proxy picks one, so there is nothing to attach to). */
  port: () => number;
  log: (line: string) => void;
  onState: (state: ProxyState, connection?: ProxyConnection) => void;
  /** A failure worth telling the user about: the first crash of a streak, or giving up. */
  onFailure: (message: string, gaveUp: boolean) => void;
  /** The child process was forked; `forkMs` is how long the fork call held the extension host's thread. */
  onSpawn?: (forkMs: number) => void;
}

export class ProxySupervisor {
  private child?: ChildProcess;
  private connection?: ProxyConnection;
  private state: ProxyState = { kind: 'stopped' };
  private streak = 0;
  private restartTimer?: NodeJS.Timeout;
  private stableTimer?: NodeJS.Timeout;
  private healthTimer?: NodeJS.Timeout;
  /** Bumped by every start and stop, so work begun for an older run stops quietly. */
  private run = 0;

  constructor(private readonly options: SupervisorOptions) {}

  get current(): { state: ProxyState; connection?: ProxyConnection } {
    return { state: this.state, ...(this.connection ? { connection: this.connection } : {}) };
  }

  /** Starts the proxy, or attaches to one already on the port. */
  async start(): Promise<void> {
    if (this.state.kind === 'running' || this.state.kind === 'starting') return;
    const run = ++this.run;
    this.streak = 0;
    this.setState({ kind: 'starting' });
    // Reading the keys and checking the port both wait on others (the keychain, the network stack): overlap them.
    const port = this.options.port();
    const timed = async <T>(work: Promise<T>) => {
      const started = performance.now();
      return [await work, performance.now() - started] as const;
    };
    const [[launch, keysMs], [found, probeMs]] = await Promise.all([
      timed(this.options.launch()),
      timed(port ? probeHealth(`http://127.0.0.1:${port}`) : Promise.resolve(undefined)),
    ]);
    if (run !== this.run) return;
    this.options.log(
      `settings and keys read in ${keysMs.toFixed(1)} ms, port ${port} checked in ${probeMs.toFixed(1)} ms`,
    );
    if (found === 'other') {
      this.fail(`port ${port} is used by another program: set "tokenwise.port" to a free port`, true);
      return;
    }
    if (found) await this.attach(run, `http://127.0.0.1:${port}`, found, launch);
    else this.spawn(run, launch);
  }

  /** Stops a proxy this window started; detaches from one it did not. */
  async stop(): Promise<void> {
    this.run++;
    this.clearTimers();
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      this.options.log('stopping the proxy');
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    this.child = undefined;
    this.connection = undefined;
    this.setState({ kind: 'stopped' });
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private spawn(run: number, launch: Launch): void {
    const forking = performance.now();
    const child = fork(this.options.hostScript, ['serve', ...launch.args], {
      env: { ...process.env, ...launch.env },
      execArgv: [],
      silent: true,
    });
    this.options.onSpawn?.(performance.now() - forking);
    this.child = child;
    this.options.log(`started the proxy (pid ${child.pid})`);
    let url: string | undefined;
    let token: string | undefined;
    let lastError = '';
    let ready = false;
    const startTimer = setTimeout(() => {
      if (!ready) {
        this.options.log(`the proxy did not start listening within ${START_TIMEOUT_MS / 1000} s; stopping it`);
        child.kill('SIGKILL');
      }
    }, START_TIMEOUT_MS);
    const onLine = (line: string, isError: boolean) => {
      const banner = readBanner(line);
      url ??= banner.url;
      token ??= banner.token;
      this.options.log(
        banner.token ? line.replace(banner.token, '(hidden: run "Tokenwise: Copy endpoint and token")') : line,
      );
      if (isError && line.trim()) lastError = line.trim();
      if (!ready && url && token && run === this.run) {
        ready = true;
        clearTimeout(startTimer);
        void this.becameReady(run, child, url, token);
      }
    };
    lines(child.stdout, (line) => onLine(line, false));
    lines(child.stderr, (line) => onLine(line, true));
    child.on('exit', (code, signal) => {
      clearTimeout(startTimer);
      if (child !== this.child) return;
      this.child = undefined;
      this.connection = undefined;
      this.clearTimers();
      if (run !== this.run) return;
      const how = signal ? `killed by ${signal}` : `exit code ${code}`;
      this.options.log(`the proxy exited (${how})`);
      this.crashed(run, ready, `${how}${lastError ? `: ${lastError.replace(/^\[tokenwise\]\s*/, '')}` : ''}`);
    });
  }

  private async becameReady(run: number, child: ChildProcess, url: string, token: string): Promise<void> {
    const health = await waitForHealth(url, () => run !== this.run || child.exitCode !== null);
    if (!health || run !== this.run) return;
    this.connection = { url, token, pid: child.pid ?? health.pid, attached: false };
    this.setState({
      kind: 'running',
      url,
      pid: this.connection.pid,
      attached: false,
      local: health.local,
      budget: health.budget,
    });
    this.stableTimer = setTimeout(() => (this.streak = 0), STABLE_MS);
    this.pollHealth(run);
  }

  private async attach(run: number, url: string, health: ProxyHealth, launch: Launch): Promise<void> {
    let token: string;
    try {
      token = (await runProxyCli(this.options.hostScript, ['token'], launch, 15_000)).trim();
    } catch (error) {
      this.fail(
        `a Tokenwise proxy (pid ${health.pid}) answers on ${url}, but its token could not be read: ${(error as Error).message}`,
        true,
      );
      return;
    }
    if (run !== this.run) return;
    this.options.log(
      `attached to the Tokenwise proxy already running on ${url} (pid ${health.pid}); it was not started by this window`,
    );
    this.connection = { url, token, pid: health.pid, attached: true };
    this.setState({
      kind: 'running',
      url,
      pid: health.pid,
      attached: true,
      local: health.local,
      budget: health.budget,
    });
    this.pollHealth(run);
  }

  /** Keeps the local model's state fresh and notices an attached proxy going away. */
  private pollHealth(run: number): void {
    this.healthTimer = setTimeout(
      async () => {
        const connection = this.connection;
        if (run !== this.run || !connection) return;
        const health = await probeHealth(connection.url);
        if (run !== this.run) return;
        if (health && health !== 'other') {
          if (
            JSON.stringify(health.local) !==
            JSON.stringify(this.state.kind === 'running' ? this.state.local : undefined)
          ) {
            this.setState({
              kind: 'running',
              url: connection.url,
              pid: health.pid,
              attached: connection.attached,
              local: health.local,
              budget: health.budget,
            });
          }
        } else if (connection.attached) {
          this.options.log(`the proxy this window attached to (pid ${connection.pid}) went away; starting one`);
          this.connection = undefined;
          this.state = { kind: 'stopped' };
          void this.start();
          return;
        }
        this.pollHealth(run);
      },
      ['loading', 'downloading'].includes(this.state.kind === 'running' ? (this.state.local?.state ?? '') : '')
        ? HEALTH_POLL_BUSY_MS
        : HEALTH_POLL_MS,
    );
    this.healthTimer.unref?.();
  }

  private crashed(run: number, wasReady: boolean, reason: string): void {
    // A fresh start that never came up (bad config, port taken) will not fix itself by retrying.
    if (!wasReady && this.streak === 0) {
      this.fail(`the proxy could not start (${reason})`, true);
      return;
    }
    const attempt = ++this.streak;
    if (attempt > MAX_RESTARTS) {
      this.fail(`the proxy keeps stopping (${reason}); gave up after ${MAX_RESTARTS} restarts`, true);
      return;
    }
    if (attempt === 1)
      this.options.onFailure(`The Tokenwise proxy stopped unexpectedly (${reason}); restarting it.`, false);
    const delay = restartDelayMs(attempt);
    this.options.log(`restarting the proxy in ${delay / 1000} s (attempt ${attempt} of ${MAX_RESTARTS})`);
    this.setState({ kind: 'restarting', attempt, reason });
    this.restartTimer = setTimeout(async () => {
      if (run !== this.run) return;
      const launch = await this.options.launch();
      if (run === this.run) this.spawn(run, launch);
    }, delay);
  }

  private fail(reason: string, gaveUp: boolean): void {
    this.options.log(reason);
    this.setState({ kind: 'failed', reason });
    this.options.onFailure(`Tokenwise: ${reason}.`, gaveUp);
  }

  private setState(state: ProxyState): void {
    this.state = state;
    this.options.onState(state, state.kind === 'running' ? this.connection : undefined);
  }

  private clearTimers(): void {
    clearTimeout(this.restartTimer);
    clearTimeout(this.stableTimer);
    clearTimeout(this.healthTimer);
  }
}

/** Polls health until the proxy answers (it listens before the banner, so this is normally one call). */
async function waitForHealth(url: string, abandoned: () => boolean): Promise<ProxyHealth | undefined> {
  for (let i = 0; i < 100 && !abandoned(); i++) {
    const health = await probeHealth(url);
    if (health && health !== 'other') return health;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return undefined;
}

function lines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  let buffer = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (data: string) => {
    buffer += data;
    const parts = buffer.split(/\r?\n/);
    buffer = parts.pop()!;
    for (const part of parts) if (part.trim()) onLine(part);
  });
  stream?.on('end', () => buffer.trim() && onLine(buffer));
}
