// "Enable GPU acceleration" end to end, offline: the proxy runs from a staged copy of what the .vsix carries (this
// platform's CPU build only), a Vulkan driver is "present" (node-llama-cpp's detection looks for the loader library
// by file name: an empty libvulkan.so.1 on LD_LIBRARY_PATH stands in for a card this machine does not have), and a
// loopback npm registry serves the real `npm pack` of the installed @node-llama-cpp/linux-x64-vulkan. Detect →
// download with progress → integrity check → unpack → proxy restart → doctor reporting the new backend; a tampered
// tarball and a cancel leave nothing behind.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { backendPackages, type DoctorReport } from '../../shared/llama-backends.ts';
import type { ProxyHealth } from '../../shared/protocol.ts';
import { installBackend, installedBackends } from '../../extension/gpu-install.ts';
import { stageRuntime } from '../../scripts/vsix.ts';
import { packInstalled, startFakeNpmRegistry, type FakeNpmRegistry } from '../support/fake-npm-registry.ts';
import { startTestProxy } from '../support/proxy.ts';
import { ensureTinyModel } from '../support/tiny-model.ts';

const root = path.resolve(import.meta.dirname, '../..');
const linuxX64 = process.platform === 'linux' && process.arch === 'x64';
const VERSION = (
  JSON.parse(fs.readFileSync(path.join(root, 'node_modules/node-llama-cpp/package.json'), 'utf8')) as {
    version: string;
  }
).version;
const VULKAN = backendPackages('vulkan');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-gpu-'));
const stage = path.join(work, 'extension');
const storage = path.join(work, 'global-storage', 'llama-backends');
const fakeDriver = path.join(work, 'driver');
let registry: FakeNpmRegistry;
let model: string;

before(async () => {
  if (!linuxX64) return;
  fs.cpSync(path.join(root, 'dist/proxy'), path.join(stage, 'dist/proxy'), { recursive: true });
  stageRuntime(stage);
  fs.mkdirSync(fakeDriver);
  fs.writeFileSync(path.join(fakeDriver, 'libvulkan.so.1'), '');
  registry = await startFakeNpmRegistry([packInstalled(path.join(root, 'node_modules', VULKAN[0]!))]);
  model = await ensureTinyModel();
});
after(async () => {
  await registry?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

/** The staged proxy, as the extension starts it; resolves once its model is loaded. */
async function startStagedProxy(
  env: Record<string, string> = {},
): Promise<{ url: string; child: ChildProcess; env: NodeJS.ProcessEnv }> {
  const dataDir = fs.mkdtempSync(path.join(work, 'data-'));
  const fullEnv = {
    ...process.env,
    TOKENWISE_LOCAL_MODEL: model,
    TOKENWISE_THREADS: '1',
    TOKENWISE_PORT: '0',
    TOKENWISE_TOKEN: 'gpu-token',
    TOKENWISE_DATA_DIR: dataDir,
    XDG_CONFIG_HOME: dataDir,
    LD_LIBRARY_PATH: fakeDriver,
    ...env,
  };
  const child = spawn(process.execPath, [path.join(stage, 'dist/proxy/cli.js'), 'serve'], {
    env: fullEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  for (let i = 0; i < 1200 && !output.includes('local model ready') && child.exitCode === null; i++)
    await new Promise((r) => setTimeout(r, 50));
  const url = output.match(/listening on (http:\/\/\S+)/)?.[1];
  assert.ok(url && output.includes('local model ready'), `the staged proxy did not get ready:\n${output}`);
  return { url, child, env: { ...fullEnv, TOKENWISE_PORT: new URL(url).port } };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const health = async (url: string) => (await (await fetch(`${url}/tokenwise/health`)).json()) as ProxyHealth;
const network = () => ({ registry: registry.url, noProxy: [] });
const leftovers = () => (fs.existsSync(storage) ? fs.readdirSync(storage, { recursive: true }) : []);

test('a tampered tarball is refused before unpacking, and nothing is left', {
  skip: !linuxX64 && 'the stand-in is the linux-x64 Vulkan build',
}, async () => {
  registry.tamper = true;
  try {
    await assert.rejects(
      installBackend({ packages: VULKAN, version: VERSION, storage, network: network() }),
      /does not match the registry's integrity .*refused, nothing was installed/,
    );
  } finally {
    registry.tamper = false;
  }
  assert.deepEqual(leftovers(), []);
});

test('cancelling mid-download leaves nothing behind', {
  skip: !linuxX64 && 'the stand-in is the linux-x64 Vulkan build',
}, async () => {
  const cancel = new AbortController();
  await assert.rejects(
    installBackend({
      packages: VULKAN,
      version: VERSION,
      storage,
      network: network(),
      signal: cancel.signal,
      onProgress: (p) => p.receivedBytes > 0 && cancel.abort(),
    }),
    /cancelled; nothing was installed/,
  );
  assert.deepEqual(leftovers(), []);
});

test('detect → download → verify → unpack → restart → doctor reports the new backend', {
  skip: !linuxX64 && 'the stand-in is the linux-x64 Vulkan build',
}, async () => {
  const before = await startStagedProxy();
  try {
    const backends = (await health(before.url)).local.backends!;
    assert.deepEqual(
      backends.downloadable,
      [{ backend: 'vulkan', packages: VULKAN }],
      'driver present, package missing: offered',
    );
    assert.deepEqual(backends.usable, ['cpu']);
  } finally {
    await stop(before.child);
  }

  const progress: number[] = [];
  let total = 0;
  const dir = await installBackend({
    packages: VULKAN,
    version: VERSION,
    storage,
    network: network(),
    onProgress: (p) => (progress.push(p.receivedBytes), (total = p.totalBytes)),
  });
  assert.ok(progress.length > 4, 'progress reported along the way');
  assert.deepEqual(
    progress,
    [...progress].sort((a, b) => a - b),
  );
  assert.equal(progress.at(-1), total);
  assert.deepEqual(installedBackends(storage, VERSION), VULKAN);
  assert.ok(
    fs.statSync(path.join(dir, 'node_modules', VULKAN[0]!, 'bins')).isDirectory(),
    'the prebuilt binaries are unpacked',
  );

  const after = await startStagedProxy({ TOKENWISE_LLAMA_BACKENDS_DIR: dir });
  try {
    const backends = (await health(after.url)).local.backends!;
    assert.deepEqual(backends.downloadable, []);
    assert.deepEqual(backends.usable, ['vulkan', 'cpu']);
    assert.equal(
      backends.locations[VULKAN[0]!],
      path.join(dir, 'node_modules', VULKAN[0]!),
      'resolved from the global storage, not node_modules',
    );
    // The doctor asks the running proxy: the same resolution, plus the loaded model's fit and speed. (The stand-in
    // driver cannot run Vulkan, so llama.cpp falls back to the CPU build, which is what a broken driver must do.)
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(stage, 'dist/proxy/cli.js'), 'doctor', '--json'],
      { env: after.env },
    );
    const report = JSON.parse(stdout) as DoctorReport;
    assert.equal(report.backends.locations[VULKAN[0]!], path.join(dir, 'node_modules', VULKAN[0]!));
    assert.deepEqual(report.backends.usable, ['vulkan', 'cpu']);
    assert.equal(report.backends.active.contextSize, 256, 'the tiny model trained on 256 tokens: the fitted context');
    assert.ok(
      report.speed.promptTokensPerSecond > 0 &&
        report.speed.generatedTokens > 0 &&
        report.speed.generationTokensPerSecond > 0,
    );
  } finally {
    await stop(after.child);
  }
});

test('GET /tokenwise/doctor needs the token, and says plainly when the local model is off', async () => {
  const tw = await startTestProxy();
  try {
    assert.equal((await fetch(`${tw.url}/tokenwise/doctor`)).status, 401);
    const response = await tw.fetch('/tokenwise/doctor');
    assert.equal(response.status, 503);
    assert.match(((await response.json()) as { error: { message: string } }).error.message, /local model is off/);
  } finally {
    await tw.close();
  }
});
