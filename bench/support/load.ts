// Runs the load worker in a child process and returns its measurements.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

export interface LoadJob {
  url: string;
  body: string;
  headers?: Record<string, string>;
  concurrency: number;
  /** Requests to send, or… */
  requests?: number;
  /** …keep sending for this long. */
  durationMs?: number;
  /** A process whose CPU time over the job and RSS after it are reported (read from /proc). */
  measurePid?: number;
  /** Request n sends `body` with every `{n}` replaced by n % variants: that many distinct requests, in turn. */
  variants?: number;
}

export interface LoadResult {
  latenciesMs: number[];
  /** Time to the first byte of each response's body (the first event of a stream). */
  firstByteMs: number[];
  errors: number;
  /** Responses with a 5xx status (part of `errors`). */
  serverErrors: number;
  firstError?: string;
  elapsedMs: number;
  cpuMs?: number;
  rssKb?: number;
}

const worker = path.join(import.meta.dirname, 'load-worker.ts');

/** Runs jobs one after another in one load process. `taskset` pins that process to CPUs (e.g. "0"). */
export async function loadMany(jobs: LoadJob[], options: { taskset?: string } = {}): Promise<LoadResult[]> {
  const args = ['--import', 'tsx', worker, JSON.stringify(jobs.map((job) => ({ headers: {}, ...job })))];
  const [command, argv] = options.taskset
    ? ['taskset', ['-c', options.taskset, process.execPath, ...args]]
    : [process.execPath, args];
  const { stdout } = await promisify(execFile)(command, argv, { maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(stdout) as LoadResult[];
}

export async function load(job: LoadJob & { requests: number }): Promise<LoadResult> {
  return (await loadMany([job]))[0]!;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
