/**
 * What every agent test shares: a real proxy on the generated local model with the loopback clouds behind it, a
 * "cloud model" that asks for one shell command when the prompt says so and then reports what the command printed,
 * and a runner that starts an agent headless with a throwaway HOME and none of the developer's environment.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startFakeAnthropic } from '../../support/fake-anthropic.ts';
import { startFakeOpenAI } from '../../support/fake-openai.ts';
import { startTestProxy } from '../../support/proxy.ts';
import type { RecordedRequest } from '../../support/sse.ts';
import { ensureTinyModel } from '../../support/tiny-model.ts';
import { ensureAgents } from './install.ts';

/** Put in a prompt, it makes the loopback cloud ask for a shell command first. */
export const RUN_TOOL = 'RUN-THE-TOOL';
/**
 * The command the cloud asks for: its output differs from its text, so only a real run produces it. The pause:
 * Qwen Code's shell often reports a command that prints at once as having printed nothing (2 runs in 3 here).
 */
export const TOOL_COMMAND = 'sleep 0.5; echo tool-$((6*7))';
export const TOOL_OUTPUT = 'tool-42';
export const CLOUD_ANSWER = 'Answer from the loopback cloud.';
export const AFTER_TOOL = `The tool printed ${TOOL_OUTPUT}.`;

/** The text of every tool result in a request, whatever API it speaks. */
export function toolResults(body: any): string {
  const out: string[] = [];
  for (const m of body?.messages ?? []) {
    if (m.role === 'tool') out.push(JSON.stringify(m.content));
    if (Array.isArray(m.content))
      for (const b of m.content) if (b?.type === 'tool_result') out.push(JSON.stringify(b.content));
  }
  for (const item of Array.isArray(body?.input) ? body.input : [])
    if (/_call_output$/.test(item?.type ?? '')) out.push(JSON.stringify(item.output));
  return out.join('\n');
}

/** The cloud's behaviour: ask for `tool` with `args` when the prompt says so, then say what the tool printed. */
export function toolingCloud(tool: (request: RecordedRequest) => { name: string; arguments: object }) {
  return (request: RecordedRequest) => {
    const body = JSON.stringify(request.body ?? {});
    if (!body.includes(RUN_TOOL)) return { kind: 'text' as const, text: CLOUD_ANSWER };
    const results = toolResults(request.body);
    if (!results) return { kind: 'tool_call' as const, ...tool(request) };
    return {
      kind: 'text' as const,
      text: results.includes(TOOL_OUTPUT) ? AFTER_TOOL : `The tool result did not come back: ${results.slice(0, 300)}`,
    };
  };
}

/**
 * A proxy for agents: the tiny local model and both loopback clouds. `localContext` is the local model's window in
 * its own tokens (~1.6 characters each: its vocabulary is mostly single characters); prompt reading on one thread
 * slows down with it, so each agent test asks for what its prompt needs.
 */
export async function startAgentProxy(config: Record<string, unknown> = {}, localContext = 8192) {
  await ensureAgents();
  const model = await ensureTinyModel();
  const anthropic = await startFakeAnthropic();
  const openai = await startFakeOpenAI();
  const tw = await startTestProxy({
    env: {
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_API_KEY: 'sk-ant-upstream',
      OPENAI_BASE_URL: `${openai.url}/v1`,
      OPENAI_API_KEY: 'sk-upstream',
      TOKENWISE_LOCAL_MODEL: model,
      TOKENWISE_THREADS: '1',
      TOKENWISE_PARALLEL: '1',
      TOKENWISE_CONTEXT_SIZE: String(localContext),
    },
    config: { usage: { flushIntervalMs: 10 }, ...config },
  });
  await tw.proxy.local!.start();
  const bridge = await loopbackBridge(tw.url);
  return {
    tw,
    anthropic,
    openai,
    /** Runs an agent against this proxy: with no network but loopback to the proxy, where the machine allows it. */
    run: (bin: string, args: string[], options: AgentOptions) => runAgent(bin, args, { ...options, bridge }),
    /** Every request the ledger holds, oldest first. */
    ledger() {
      tw.proxy.usage.summary(0, Date.now() + 1);
      return tw.proxy.usage.live.since(0);
    },
    async close() {
      await bridge?.close();
      await tw.close();
      await anthropic.close();
      await openai.close();
    },
  };
}

/** Unprivileged network namespaces (`unshare -rn`) and `ip`: an agent can then be cut off from all but the proxy. */
const canIsolate = spawnSync('unshare', ['-rn', 'ip', 'link', 'set', 'lo', 'up'], { stdio: 'ignore' }).status === 0;

interface Bridge {
  socket: string;
  port: number;
  close(): Promise<void>;
}

/** A unix socket that leads to the proxy: the one way out of an agent's own network namespace. */
async function loopbackBridge(proxyUrl: string): Promise<Bridge | undefined> {
  if (!canIsolate) return undefined;
  const port = Number(new URL(proxyUrl).port);
  const socket = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-bridge-')), 'proxy.sock');
  const server = net.createServer((agent) => {
    const proxy = net.connect(port, '127.0.0.1');
    agent.pipe(proxy).pipe(agent);
    agent.on('error', () => proxy.destroy());
    proxy.on('error', () => agent.destroy());
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    socket,
    port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        fs.rmSync(path.dirname(socket), { recursive: true, force: true });
      }),
  };
}

export interface AgentOptions {
  env?: Record<string, string>;
  home: string;
  timeoutMs?: number;
}

export interface AgentRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs an agent CLI to completion with a fresh HOME, PATH and `env` only: no key or setting of the developer's can
 * reach it. With a bridge it runs in its own network namespace where the proxy's port is all there is. Killed with
 * its process group after `timeoutMs`.
 */
export async function runAgent(
  bin: string,
  args: string[],
  options: AgentOptions & { bridge?: Bridge },
): Promise<AgentRun> {
  const { bridge } = options;
  const [command, argv] = bridge
    ? [
        'unshare',
        [
          '-rn',
          process.execPath,
          path.join(import.meta.dirname, 'loopback-only.mjs'),
          bridge.socket,
          String(bridge.port),
          bin,
          ...args,
        ],
      ]
    : [bin, args];
  const child = spawn(command, argv, {
    cwd: options.home,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: options.home,
      TMPDIR: path.join(options.home, 'tmp'),
      LANG: 'C.UTF-8',
      TERM: 'dumb',
      NO_COLOR: '1',
      CI: '1',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), options.timeoutMs ?? 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** A throwaway HOME (with a tmp/ inside), optionally holding config files: relative path → content. */
export function agentHome(files: Record<string, string> = {}): { home: string; cleanup(): void } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-agent-'));
  fs.mkdirSync(path.join(home, 'tmp'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(home, name)), { recursive: true });
    fs.writeFileSync(path.join(home, name), content);
  }
  return { home, cleanup: () => fs.rmSync(home, { recursive: true, force: true }) };
}
