/**
 * Installs the five coding agents the agents tests drive, pinned by test/agents/package-lock.json, into
 * test/agents/node_modules — apart from the main install, so `npm ci` for the proxy stays lean. The first test file
 * to need them installs them (seconds: the native binaries come as npm platform packages); a lock directory keeps
 * two test processes from installing at once.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const AGENTS_DIR = path.resolve(import.meta.dirname, '..');
const MODULES = path.join(AGENTS_DIR, 'node_modules');
const MARKER = path.join(MODULES, '.tokenwise-installed');
const LOCK = path.join(AGENTS_DIR, '.install-lock');
const STALE_LOCK_MS = 10 * 60_000;

/** The executable of an agent's CLI (`claude`, `codex`, `qwen`, `cn`, `opencode`). */
export const agentBin = (name: 'claude' | 'codex' | 'qwen' | 'cn' | 'opencode') => path.join(MODULES, '.bin', name);

const lockHash = () =>
  createHash('sha256')
    .update(fs.readFileSync(path.join(AGENTS_DIR, 'package-lock.json')))
    .digest('hex');
const installed = (hash: string) => fs.existsSync(MARKER) && fs.readFileSync(MARKER, 'utf8') === hash;

/** Makes sure the pinned agents are installed; installs them when missing (the first time only). */
export async function ensureAgents(): Promise<void> {
  const hash = lockHash();
  while (!installed(hash)) {
    try {
      fs.mkdirSync(LOCK);
    } catch {
      // Another process installs: wait for it, unless it died holding the lock.
      const held = fs.statSync(LOCK, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > STALE_LOCK_MS) fs.rmSync(LOCK, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 500));
      continue;
    }
    try {
      if (installed(hash)) return;
      console.log('# installing the coding agents into test/agents (npm install from the lock file, once)');
      // Not `npm ci`: npm 11 calls this lock "out of sync" over optional dependencies some agents declare with an
      // empty version for other platforms. `install --no-save` installs the locked versions and leaves the lock alone.
      const result = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-save'], {
        cwd: AGENTS_DIR,
        stdio: ['ignore', 'inherit', 'inherit'],
        timeout: 10 * 60_000,
      });
      if (result.status !== 0) throw new Error(`npm install in test/agents failed (${result.status ?? result.signal})`);
      fs.writeFileSync(MARKER, hash);
    } finally {
      fs.rmSync(LOCK, { recursive: true, force: true });
    }
  }
}
