/**
 * Installs what the end-to-end test needs, once per machine, so `npm test` works on a fresh clone: Debian's
 * chromium (driven by playwright-core), ripgrep and libkrb5-dev (code-server's native modules build against it),
 * and code-server 4.100.3 (= VS Code 1.100.3) from test/e2e/vscode/'s own lock file, apart from the main install.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const VSCODE_DIR = path.resolve(import.meta.dirname, '..', 'vscode');
export const CODE_SERVER = path.join(VSCODE_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const CHROMIUM = '/usr/bin/chromium';
const MARKER = path.join(VSCODE_DIR, 'node_modules', '.tokenwise-installed');

const hasCommand = (name: string) => spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
const hasDebPackage = (name: string) => spawnSync('dpkg', ['-s', name], { stdio: 'ignore' }).status === 0;

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): void {
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 15 * 60_000,
    ...options,
  });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal})`);
}

function aptInstall(packages: string[]): void {
  if (!packages.length) return;
  if (process.getuid?.() !== 0)
    throw new Error(`the e2e test needs Debian packages: apt-get install -y ${packages.join(' ')}`);
  console.log(`# installing ${packages.join(', ')} (apt, once)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { env });
  run('apt-get', ['install', '-y', ...packages], { env });
}

/** vscode-ripgrep would download rg from GitHub; hand it Debian's instead, where it looks for a cached download. */
function preseedRipgrep(): void {
  if (process.arch !== 'x64') return;
  const dir = path.join(os.tmpdir(), 'vscode-ripgrep-cache-1.15.11');
  const file = path.join(dir, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz');
  if (fs.existsSync(file)) return;
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('tar', [
    'czf',
    file,
    '-C',
    path.dirname(execFileSync('sh', ['-c', 'command -v rg']).toString().trim()),
    'rg',
  ]);
}

/** Makes sure chromium and code-server are there; installs them when missing (minutes, the first time only). */
export function ensureE2eTools(): void {
  const lockHash = createHash('sha256')
    .update(fs.readFileSync(path.join(VSCODE_DIR, 'package-lock.json')))
    .digest('hex');
  const codeServerReady =
    fs.existsSync(CODE_SERVER) && fs.existsSync(MARKER) && fs.readFileSync(MARKER, 'utf8') === lockHash;
  aptInstall([
    ...(fs.existsSync(CHROMIUM) ? [] : ['chromium']),
    ...(hasCommand('rg') ? [] : ['ripgrep']),
    ...(codeServerReady || hasDebPackage('libkrb5-dev') ? [] : ['libkrb5-dev']),
  ]);
  if (codeServerReady) return;
  console.log('# installing code-server 4.100.3 into test/e2e/vscode (npm ci, once)');
  preseedRipgrep();
  run('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: VSCODE_DIR,
    env: { ...process.env, npm_config_nodedir: '/usr', npm_config_unsafe_perm: 'true', npm_config_yes: 'true' },
  });
  fs.writeFileSync(MARKER, lockHash);
}
