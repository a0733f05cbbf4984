// A load generator in its own process, so its CPU never counts against the server measured. Args: a JSON object
// {url, body, headers, concurrency, requests}; prints {latenciesMs: number[], errors, elapsedMs} as JSON.
import http from 'node:http';

const { url, body, headers, concurrency, requests } = JSON.parse(process.argv[2]!) as { url: string; body: string; headers: Record<string, string>; concurrency: number; requests: number };
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const payload = Buffer.from(body);

function once(): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.request(target, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': payload.length, ...headers } }, (response) => {
      response.on('data', () => {});
      response.on('end', () => (response.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`status ${response.statusCode}`))));
    });
    request.on('error', reject);
    request.end(payload);
  });
}

const latenciesMs: number[] = [];
let errors = 0;
let sent = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (sent < requests) {
      sent++;
      try {
        latenciesMs.push(await once());
      } catch {
        errors++;
      }
    }
  }),
);
agent.destroy();
process.stdout.write(JSON.stringify({ latenciesMs, errors, elapsedMs: performance.now() - started }));
