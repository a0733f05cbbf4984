/**
 * @module Runs one of the proxy's own CLI commands (`token`, `usage --csv`) as a child of the extension host, with
 * the proxy's configuration, and returns what it printed.
 */
import { fork } from 'node:child_process';
import type { Launch } from './settings.ts';

export function runProxyCli(
  hostScript: string,
  command: string[],
  launch: Launch,
  timeoutMs = 60_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = fork(hostScript, [...command, ...launch.args], {
      env: { ...process.env, ...launch.env },
      execArgv: [],
      silent: true,
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`tokenwise ${command[0]} failed: ${err.trim() || `exit code ${code}`}`));
    });
  });
}
