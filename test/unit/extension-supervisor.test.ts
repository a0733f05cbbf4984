/**
 * The supervisor against the real proxy bundle (no editor needed: it has no `vscode` import): start, crash and
 * restart, attach to a proxy started elsewhere, and the failures that must not loop.
 */
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ProxySupervisor, readBanner, restartDelayMs, type ProxyConnection } from '../../extension/supervisor.ts';
import type { Launch } from '../../extension/settings.ts';
import type { ProxyState } from '../../shared/protocol.ts';

const hostScript = path.resolve(import.meta.dirname, '../../dist/extension/proxy-host.cjs');
const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-supervisor-'));
after(() => fs.rmSync(temp, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const server = http.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function supervise(env: Record<string, string>) {
  const port = Number(env.TOKENWISE_PORT);
  const launch: Launch = { env: { TOKENWISE_LOCAL_MODEL: 'off', XDG_CONFIG_HOME: temp, ...env }, args: [] };
  const states: ProxyState[] = [];
  const failures: [string, boolean][] = [];
  let connection: ProxyConnection | undefined;
  const supervisor = new ProxySupervisor({
    hostScript,
    launch: async () => launch,
    port: () => port,
    log: () => {},
    onState: (state, c) => {
      states.push(state);
      connection = c;
    },
    onFailure: (message, gaveUp) => failures.push([message, gaveUp]),
  });
  const until = async (what: string, check: () => boolean, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; states: ${JSON.stringify(states)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { supervisor, states, failures, until, connection: () => connection };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('restart delays back off and cap; the banner gives the URL and the token', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 10].map(restartDelayMs), [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  assert.deepEqual(readBanner('Tokenwise 0.1.0 listening on http://127.0.0.1:8787'), { url: 'http://127.0.0.1:8787' });
  assert.deepEqual(readBanner('  token:              tw-abc_123'), { token: 'tw-abc_123' });
  assert.deepEqual(readBanner('[tokenwise] local model ready: tiny'), {});
});

test('starts the proxy, brings it back after a crash (saying so once), and stops it', async () => {
  const dataDir = path.join(temp, 'own');
  const s = supervise({ TOKENWISE_PORT: String(await freePort()), TOKENWISE_DATA_DIR: dataDir });
  try {
    await s.supervisor.start();
    await s.until('running', () => s.supervisor.current.state.kind === 'running');
    const first = s.connection()!;
    assert.equal(first.attached, false);
    assert.equal(first.token, fs.readFileSync(path.join(dataDir, 'token'), 'utf8').trim());
    process.kill(first.pid, 'SIGKILL');
    await s.until('restarting', () => s.supervisor.current.state.kind === 'restarting');
    await s.until('running again', () => s.supervisor.current.state.kind === 'running');
    assert.notEqual(s.connection()!.pid, first.pid);
    assert.equal(s.failures.length, 1);
    assert.match(s.failures[0]![0], /stopped unexpectedly \(killed by SIGKILL\); restarting/);
    assert.equal(s.failures[0]![1], false);
    const pid = s.connection()!.pid;
    await s.supervisor.stop();
    assert.equal(s.supervisor.current.state.kind, 'stopped');
    assert.equal(alive(pid), false);
  } finally {
    await s.supervisor.stop();
  }
});

test('attaches to a proxy already on the port, leaves it running on stop, and takes over when it goes', async () => {
  const port = String(await freePort());
  const dataDir = path.join(temp, 'shared');
  const external: ChildProcess = fork(hostScript, ['serve'], {
    env: {
      ...process.env,
      TOKENWISE_PORT: port,
      TOKENWISE_DATA_DIR: dataDir,
      TOKENWISE_LOCAL_MODEL: 'off',
      XDG_CONFIG_HOME: temp,
    },
    silent: true,
  });
  const s = supervise({ TOKENWISE_PORT: port, TOKENWISE_DATA_DIR: dataDir });
  try {
    await new Promise((resolve) =>
      external.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve(undefined)),
    );
    await s.supervisor.start();
    await s.until('attached', () => s.supervisor.current.state.kind === 'running');
    assert.equal(s.connection()!.attached, true);
    assert.equal(s.connection()!.pid, external.pid);
    assert.equal(s.connection()!.token, fs.readFileSync(path.join(dataDir, 'token'), 'utf8').trim());
    await s.supervisor.stop();
    assert.ok(alive(external.pid!), 'a proxy this window did not start keeps running');
    await s.supervisor.start();
    await s.until('attached again', () => s.connection()?.attached === true);
    external.kill('SIGTERM');
    await s.until('its own proxy', () => s.connection()?.attached === false, 30_000);
    assert.notEqual(s.connection()!.pid, external.pid);
  } finally {
    external.kill('SIGKILL');
    await s.supervisor.stop();
  }
});

test('a port held by another program, or a proxy that cannot start, fails once with the reason', async () => {
  const other = http.createServer((_req, res) => res.end('not tokenwise')).listen(0, '127.0.0.1');
  await new Promise((resolve) => other.once('listening', resolve));
  try {
    const busy = supervise({
      TOKENWISE_PORT: String((other.address() as AddressInfo).port),
      TOKENWISE_DATA_DIR: path.join(temp, 'busy'),
    });
    await busy.supervisor.start();
    assert.equal(busy.supervisor.current.state.kind, 'failed');
    assert.deepEqual(
      busy.failures.map(([m, gaveUp]) => [/used by another program/.test(m), gaveUp]),
      [[true, true]],
    );
  } finally {
    other.close();
  }
  const broken = supervise({
    TOKENWISE_PORT: String(await freePort()),
    TOKENWISE_DATA_DIR: path.join(temp, 'broken'),
    TOKENWISE_GPU: 'tpu',
  });
  await broken.supervisor.start();
  await broken.until('failed', () => broken.supervisor.current.state.kind === 'failed');
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(broken.failures.length, 1, 'no restart loop');
  assert.match(broken.failures[0]![0], /could not start .*local\.gpu/);
  assert.ok(!broken.states.some((st) => st.kind === 'restarting'));
});
