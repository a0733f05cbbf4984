/**
 * @module Token counting off the event loop. A large request's texts are counted in one worker thread, so a 32 MB
 * body that takes seconds to count never stalls the other requests the proxy is serving. One worker (the machine's
 * other core), started on first use, runs one job at a time from a bounded queue; a caller that leaves takes its
 * job out of the queue, or stops the worker if its job is running (the next job starts a fresh one).
 *
 * This module is also the worker's entry: the worker loads this same file (its own chunk in the bundle) and, seeing
 * the role in its `workerData`, answers count jobs.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { ProxyError } from '../errors.ts';
import { loadEncodingCounter, type EncodingName } from './tokens.ts';

const ROLE = 'tokenwise-count-worker';
/** Jobs that may wait for the worker; past that a large request is answered 503 rather than queued without end. */
const MAX_WAITING = 8;

interface Job {
  encoding: EncodingName;
  texts: string[];
  signal?: AbortSignal;
  resolve(counts: number[]): void;
  reject(error: unknown): void;
  onAbort(): void;
}

const waiting: Job[] = [];
let running: Job | undefined;
let worker: Worker | undefined;

function abortError(): Error {
  return Object.assign(new Error('the caller left while its tokens were being counted'), { name: 'AbortError' });
}

function finish(job: Job): void {
  job.signal?.removeEventListener('abort', job.onAbort);
  if (running === job) running = undefined;
  runNext();
}

function stopWorker(): void {
  void worker?.terminate();
  worker = undefined;
}

function startWorker(): Worker {
  const self = import.meta.url;
  const data = { workerData: { role: ROLE } };
  // Run from source (tests, `tsx`), a worker does not inherit the TypeScript loader: it registers it, then loads us.
  const started = self.endsWith('.ts')
    ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(self)}); });`, {
        ...data,
        eval: true,
      })
    : new Worker(new URL(self), data);
  started.on('message', (counts: number[]) => {
    // A stopped worker's last answer belongs to the job that was aborted, not to the one running now.
    const job = worker === started ? running : undefined;
    if (!job) return;
    finish(job);
    job.resolve(counts);
  });
  started.on('error', (error) => {
    if (worker !== started) return;
    worker = undefined;
    const job = running;
    if (!job) return;
    finish(job);
    job.reject(error);
  });
  started.on('exit', () => {
    if (worker === started) worker = undefined;
  });
  return started;
}

function runNext(): void {
  if (running) return;
  const job = waiting.shift();
  // An idle worker must not keep a proxy that is shutting down alive; a busy one keeps its caller's answer coming.
  if (!job) return void worker?.unref();
  running = job;
  worker ??= startWorker();
  worker.ref();
  worker.postMessage({ encoding: job.encoding, texts: job.texts });
}

/** The raw token counts of `texts` with an encoding, counted in the worker thread. */
export function countOffLoop(encoding: EncodingName, texts: string[], signal?: AbortSignal): Promise<number[]> {
  if (signal?.aborted) return Promise.reject(abortError());
  if (waiting.length >= MAX_WAITING) {
    return Promise.reject(
      new ProxyError('overloaded', 'too many large requests are being counted at once; retry shortly', {
        retryAfterSeconds: 1,
      }),
    );
  }
  return new Promise((resolve, reject) => {
    const job: Job = {
      encoding,
      texts,
      signal,
      resolve,
      reject,
      onAbort() {
        const queued = waiting.indexOf(job);
        if (queued >= 0) waiting.splice(queued, 1);
        // The worker cannot be interrupted mid-count: stopping it is the only way to free the core now.
        else if (running === job) stopWorker();
        finish(job);
        reject(abortError());
      },
    };
    signal?.addEventListener('abort', job.onAbort, { once: true });
    waiting.push(job);
    runNext();
  });
}

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === ROLE) {
  parentPort!.on('message', async ({ encoding, texts }: { encoding: EncodingName; texts: string[] }) => {
    const count = await loadEncodingCounter(encoding);
    parentPort!.postMessage(texts.map((text) => count(text)));
  });
}
