// Runs the load worker in a child process and returns its measurements.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

export interface LoadResult {
  latenciesMs: number[];
  errors: number;
  elapsedMs: number;
}

export async function load(options: { url: string; body: string; headers?: Record<string, string>; concurrency: number; requests: number }): Promise<LoadResult> {
  const worker = path.join(import.meta.dirname, 'load-worker.ts');
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', worker, JSON.stringify({ headers: {}, ...options })], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as LoadResult;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
