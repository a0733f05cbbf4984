/**
 * Starts a real VS Code (code-server 4.100.3) on loopback with throwaway user, extension and config folders, with a
 * .vsix installed into it. Everything it starts is in one process group, killed by `stop()`.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CODE_SERVER } from './install.ts';

export interface CodeServer {
  url: string;
  workspace: string;
  userDataDir: string;
  extensionsDir: string;
  /** Everything code-server printed (for failure messages). */
  output: () => string;
  stop(): void;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface CodeServerOptions {
  root: string;
  vsix: string;
  settings: Record<string, unknown>;
  /** Extra environment for VS Code (and so for the proxy the extension starts). */
  env?: Record<string, string>;
}

export async function startCodeServer({
  root,
  vsix,
  settings,
  env: extraEnv = {},
}: CodeServerOptions): Promise<CodeServer> {
  const dir = (name: string) => {
    fs.mkdirSync(path.join(root, name), { recursive: true });
    return path.join(root, name);
  };
  const [userDataDir, extensionsDir, workspace, home] = ['user-data', 'extensions', 'workspace', 'home'].map(dir) as [
    string,
    string,
    string,
    string,
  ];
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  const port = await freePort();
  const config = path.join(root, 'code-server.yaml');
  fs.writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: dir('xdg-config'),
    XDG_DATA_HOME: dir('xdg-data'),
    EXTENSIONS_GALLERY: '{"serviceUrl":""}',
  };
  // The proxy inherits this environment: only what the extension passes (and the test says) may configure it.
  for (const name of Object.keys(env)) if (/^(OPENAI|ANTHROPIC|TOKENWISE|HF|MODEL)_/.test(name)) delete env[name];
  Object.assign(env, extraEnv);
  const common = ['--config', config, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  const install = spawnSync(process.execPath, [CODE_SERVER, ...common, '--install-extension', vsix], {
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (install.status !== 0) throw new Error(`installing the .vsix failed:\n${install.stdout}\n${install.stderr}`);

  const child = spawn(
    process.execPath,
    [
      CODE_SERVER,
      ...common,
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      workspace,
    ],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const stop = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}):\n${output}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      stop();
      throw new Error(`code-server did not answer within 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { url, workspace, userDataDir, extensionsDir, output: () => output, stop };
}
