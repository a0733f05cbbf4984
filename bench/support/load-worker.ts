// A load generator in its own process, so its CPU never counts against the server measured. Args: one JSON job
// {url, body, headers, concurrency, requests | durationMs, measurePid?} or an array of them, run one after another
// (one process for many jobs keeps alternating rounds cheap); prints one result, or an array, as JSON. A job with
// `measurePid` also reports that process's CPU time over the job and its RSS at the end, read from /proc.
import { readFileSync } from 'node:fs';
import http from 'node:http';

interface Job {
  url: string;
  body: string;
  headers: Record<string, string>;
  concurrency: number;
  /** Requests to send, or… */
  requests?: number;
  /** …keep sending for this long. */
  durationMs?: number;
  measurePid?: number;
  /** Request n sends `body` with every `{n}` replaced by n % variants: that many distinct requests, in turn. */
  variants?: number;
}

const TICK_MS = 1000 / 100; // USER_HZ, 100 on Linux

/** utime + stime of a process (all its threads), in ms. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
}

async function run(job: Job) {
  const target = new URL(job.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const fixed = Buffer.from(job.body);
  const bodyOf = (n: number) =>
    job.variants ? Buffer.from(job.body.replaceAll('{n}', String(n % job.variants))) : fixed;

  // Resolves with [total, first byte of the body] in ms.
  const once = (n: number): Promise<[number, number]> => {
    const payload = bodyOf(n);
    const headers = { 'content-type': 'application/json', 'content-length': payload.length, ...job.headers };
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const request = http.request(target, { method: 'POST', agent, headers }, (response) => {
        let firstByte = 0;
        response.on('data', () => {
          if (!firstByte) firstByte = performance.now() - started;
        });
        response.on('end', () =>
          response.statusCode === 200
            ? resolve([performance.now() - started, firstByte])
            : reject(Object.assign(new Error(`status ${response.statusCode}`), { status: response.statusCode })),
        );
      });
      request.on('error', reject);
      request.end(payload);
    });
  };

  const latenciesMs: number[] = [];
  const firstByteMs: number[] = [];
  let errors = 0;
  let serverErrors = 0;
  let firstError: string | undefined;
  let sent = 0;
  const cpuBefore = job.measurePid ? cpuMs(job.measurePid) : 0;
  const started = performance.now();
  const more = () => (job.durationMs ? performance.now() - started < job.durationMs : sent < job.requests!);
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (more()) {
        const n = sent++;
        try {
          const [total, firstByte] = await once(n);
          latenciesMs.push(total);
          firstByteMs.push(firstByte);
        } catch (error) {
          errors++;
          if (((error as { status?: number }).status ?? 0) >= 500) serverErrors++;
          firstError ??= (error as Error).message;
        }
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  agent.destroy();
  const measured = job.measurePid ? { cpuMs: cpuMs(job.measurePid) - cpuBefore, rssKb: rssKb(job.measurePid) } : {};
  return {
    latenciesMs,
    firstByteMs,
    errors,
    serverErrors,
    ...(firstError ? { firstError } : {}),
    elapsedMs,
    ...measured,
  };
}

const input = JSON.parse(process.argv[2]!) as Job | Job[];
const results = [];
for (const job of [input].flat()) results.push(await run(job));
process.stdout.write(JSON.stringify(Array.isArray(input) ? results : results[0]));
