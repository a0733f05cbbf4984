// Hostile input: what a caller sends must never turn into a 500, an unbounded metrics series, a split header or a
// raw control character in a log line (the independent probe's findings 5 and 6).
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { startFakeOpenAI } from '../../support/fake-openai.ts';
import { startTestProxy, TEST_TOKEN } from '../../support/proxy.ts';

let cloud: Awaited<ReturnType<typeof startFakeOpenAI>>;
let tw: Awaited<ReturnType<typeof startTestProxy>>;
const logs: string[] = [];

before(async () => {
  cloud = await startFakeOpenAI();
  tw = await startTestProxy({
    // A provider that serves any model name, as OpenRouter-style gateways do: the name reaches labels and headers.
    config: {
      allowedOrigins: ['https://app.example'],
      providers: {
        any: {
          kind: 'openai',
          baseUrl: `${cloud.url}/v1`,
          apiKey: 'sk-upstream-secret',
          modelPattern: '.',
          models: ['acme-1'],
        },
      },
    },
    log: (line) => logs.push(line),
  });
});
after(async () => {
  await tw.close();
  await cloud.close();
});

const ask = (model: string) => ({ model, messages: [{ role: 'user', content: 'hi' }] });

function rawRequest(
  method: string,
  route: string,
  headers: Record<string, string>,
  body?: Buffer | string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const url = new URL(tw.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path: route, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('deeply nested JSON is a 400 in each API’s shape, not a stack overflow', async () => {
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
  const bodies = [
    `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"tools":${deep(20_000)}}`,
    `{"model":"gpt-4o-mini","messages":${deep(50_000)}}`,
    `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"response_format":{"a":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}}`,
  ];
  for (const body of bodies) {
    const openai = await tw.fetch('/v1/chat/completions', { method: 'POST', body });
    assert.equal(openai.status, 400);
    assert.match(((await openai.json()) as any).error.message, /deeper than 128 levels/);
    const anthropic = await tw.fetch('/v1/messages', { method: 'POST', body });
    assert.equal(anthropic.status, 400);
    assert.equal(((await anthropic.json()) as any).error.type, 'invalid_request_error');
  }
  // Brackets inside strings are text, not nesting; ordinary depth passes.
  const fine = await tw.fetch('/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify(ask('acme-1')).replace('"hi"', JSON.stringify('[[[{{{'.repeat(100) + '\\"[')),
  });
  assert.equal(fine.status, 200, await fine.text());
});

test('a body that is not valid UTF-8 is a 400, not silently rewritten', async () => {
  const body = Buffer.concat([
    Buffer.from('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"caf'),
    Buffer.from([0xc3, 0x28]),
    Buffer.from('"}]}'),
  ]);
  const response = await rawRequest(
    'POST',
    '/v1/chat/completions',
    { host: new URL(tw.url).host, authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
    body,
  );
  assert.equal(response.status, 400);
  assert.match(JSON.parse(response.body).error.message, /not valid UTF-8/);
});

test('a CORS preflight from an allowed origin is answered without the token; other origins and `null` are refused', async () => {
  const host = new URL(tw.url).host;
  const preflight = await rawRequest('OPTIONS', '/v1/chat/completions', {
    host,
    origin: 'https://app.example',
    'access-control-request-method': 'POST',
    'access-control-request-headers': 'authorization, content-type',
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers['access-control-allow-origin'], 'https://app.example');
  assert.match(String(preflight.headers['access-control-allow-headers']), /authorization/);
  assert.match(String(preflight.headers['access-control-allow-methods']), /POST/);
  // The real call from that page carries the token and gets its answer readable by the page.
  const call = await rawRequest(
    'POST',
    '/v1/chat/completions',
    { host, origin: 'https://app.example', authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
    JSON.stringify(ask('acme-1')),
  );
  assert.equal(call.status, 200, call.body);
  assert.equal(call.headers['access-control-allow-origin'], 'https://app.example');
  const foreign = await rawRequest('OPTIONS', '/v1/chat/completions', {
    host,
    origin: 'https://evil.example',
    'access-control-request-method': 'POST',
  });
  assert.equal(foreign.status, 403);
  assert.equal(foreign.headers['access-control-allow-origin'], undefined);
  const opaque = await rawRequest(
    'POST',
    '/v1/chat/completions',
    { host, origin: 'null', authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'text/plain' },
    JSON.stringify(ask('acme-1')),
  );
  assert.equal(opaque.status, 403);
  assert.equal(cloud.calls, 2, 'only the two accepted calls reached the upstream');
});

test('caller-chosen model names: headers capped and clean, metrics bounded, no raw CR in /metrics or the log', async () => {
  const huge = `m${'x'.repeat(1024 * 1024)}`;
  const response = await tw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify(ask(huge)) });
  assert.equal(response.status, 200);
  assert.ok((response.headers.get('x-tokenwise-reason') ?? '').length <= 520, 'the reason header is capped');
  const crlf = await tw.fetch('/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify(ask('evil\r\nx-injected: 1')),
  });
  assert.equal(crlf.status, 200);
  assert.equal(crlf.headers.get('x-injected'), null);
  await Promise.all(
    Array.from({ length: 300 }, (_, i) =>
      tw
        .fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify(ask(`made-up-model-${i}`)) })
        .then((r) => r.arrayBuffer()),
    ),
  );
  const metrics = await (await tw.fetch('/metrics')).text();
  const models = new Set([...metrics.matchAll(/tokenwise_requests_total\{[^}]*model="([^"]*)"/g)].map((m) => m[1]));
  assert.ok(models.size <= 52, `${models.size} model labels for 302 distinct names`);
  assert.ok(models.has('other'));
  assert.ok(!metrics.includes('\r') && !metrics.includes('x-injected: 1\n'), 'no raw CR or header line in the scrape');
  for (const line of logs) assert.ok(!/[\r\n]/.test(line) && line.length < 2000, `log line: ${line.slice(0, 80)}`);
});
