// Every kind of bad input gets the caller's API error shape with the right status, and the proxy keeps serving.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import { startTestProxy, TEST_TOKEN } from '../support/proxy.ts';

let cloud: Awaited<ReturnType<typeof startFakeOpenAI>>;
let tw: Awaited<ReturnType<typeof startTestProxy>>;
const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-config-'));

before(async () => {
  cloud = await startFakeOpenAI();
  const configFile = path.join(configDir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify({ maxBodyBytes: 20_000 }));
  // ANTHROPIC_API_KEY deliberately absent: Claude models are known but not configured.
  tw = await startTestProxy({
    env: { OPENAI_BASE_URL: `${cloud.url}/v1`, OPENAI_API_KEY: 'sk-upstream-secret', TOKENWISE_CONFIG: configFile },
  });
});
after(async () => {
  await tw.close();
  await cloud.close();
  fs.rmSync(configDir, { recursive: true, force: true });
});

async function post(route: string, body: string | object, headers: Record<string, string> = {}) {
  const response = await tw.fetch(route, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers,
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

const user = [{ role: 'user', content: 'hi' }];

describe('OpenAI endpoint', () => {
  const cases: [string, string | object, number, RegExp][] = [
    ['invalid JSON', '{"model": "gpt-4o-mini", "messages": [', 400, /not valid JSON/],
    ['body not an object', '[1,2]', 400, /body: expected an object/],
    ['missing messages', { model: 'gpt-4o-mini' }, 400, /messages: expected an array/],
    ['empty messages', { model: 'gpt-4o-mini', messages: [] }, 400, /at least one message/],
    ['missing model', { messages: user }, 400, /model: expected a string/],
    ['wrong type', { model: 'gpt-4o-mini', messages: user, temperature: 'hot' }, 400, /temperature: expected a number/],
    [
      'out of range',
      { model: 'gpt-4o-mini', messages: user, temperature: 3 },
      400,
      /temperature: must be between 0 and 2/,
    ],
    [
      'empty content',
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: '' }] },
      400,
      /messages\[0\]\.content: must not be empty/,
    ],
    [
      'unknown role',
      { model: 'gpt-4o-mini', messages: [{ role: 'bot', content: 'x' }] },
      400,
      /messages\[0\]\.role: unknown role "bot"/,
    ],
    [
      'tool message without id',
      { model: 'gpt-4o-mini', messages: [{ role: 'tool', content: 'x' }] },
      400,
      /tool_call_id/,
    ],
    ['n > 1', { model: 'gpt-4o-mini', messages: user, n: 3 }, 400, /only n=1/],
    [
      'bad tool',
      { model: 'gpt-4o-mini', messages: user, tools: [{ type: 'function', function: {} }] },
      400,
      /tools\[0\]\.function\.name/,
    ],
    [
      'unknown model',
      { model: 'nonsense-model-9', messages: user },
      404,
      /model "nonsense-model-9" is not served here/,
    ],
    ['unconfigured provider', { model: 'claude-haiku-4-5', messages: user }, 400, /set ANTHROPIC_API_KEY/],
    ['local tier off', { model: 'local', messages: user }, 400, /local tier is disabled/],
    [
      'oversized body',
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(30_000) }] },
      413,
      /larger than the 20000 bytes/,
    ],
  ];
  for (const [name, body, status, message] of cases) {
    test(`${name} → ${status}`, async () => {
      const response = await post('/v1/chat/completions', body);
      assert.equal(response.status, status);
      assert.match(response.body.error.message, message);
      assert.equal(typeof response.body.error.type, 'string');
      assert.ok(response.headers.has('x-tokenwise-overhead-ms'));
    });
  }
  test('the 404 for an unknown model carries OpenAI’s model_not_found code', async () => {
    const response = await post('/v1/chat/completions', { model: 'nonsense-model-9', messages: user });
    assert.equal(response.body.error.code, 'model_not_found');
  });
  test('the SDK sees a BadRequestError it can read', async () => {
    await assert.rejects(
      tw.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: '' }] }),
      (e: { status: number; error: { message: string } }) =>
        e.status === 400 && /must not be empty/.test(e.error.message),
    );
  });
  test('a body the client compressed is read; one that inflates past the limit, or in an unknown encoding, is refused', async () => {
    const compressed = (body: object, compress: (b: Buffer) => Buffer) => compress(Buffer.from(JSON.stringify(body)));
    const send = (body: Buffer, encoding: string) =>
      tw.fetch('/v1/chat/completions', {
        method: 'POST',
        body: new Uint8Array(body),
        headers: { 'content-encoding': encoding },
      });
    // Valid but model-less: read, parsed, and refused by the route for the right reason (no upstream call).
    for (const [encoding, compress] of [
      ['gzip', zlib.gzipSync],
      ['deflate', zlib.deflateSync],
      ['br', zlib.brotliCompressSync],
    ] as const) {
      const response = await send(compressed({ messages: user }, compress), encoding);
      assert.equal(response.status, 400, encoding);
      assert.match(((await response.json()) as any).error.message, /model: expected a string/, encoding);
    }
    // 30 kB of one letter gzips to ~100 bytes: the limit applies to what it inflates to.
    const bomb = await send(
      compressed({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(30_000) }] }, zlib.gzipSync),
      'gzip',
    );
    assert.equal(bomb.status, 413);
    const unknown = await send(Buffer.from('{}'), 'zstd');
    assert.equal(unknown.status, 400);
    assert.match(((await unknown.json()) as any).error.message, /unsupported content encoding "zstd"/);
    const latin1 = await tw.fetch('/v1/chat/completions', {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json; charset=iso-8859-1' },
    });
    assert.equal(latin1.status, 400);
    assert.match(((await latin1.json()) as any).error.message, /unsupported charset "ISO-8859-1"/);
  });
  test('no upstream call was made for any of it', () => {
    assert.equal(cloud.calls, 0);
  });
});

describe('Anthropic endpoint', () => {
  const cases: [string, string | object, number, string, RegExp][] = [
    ['invalid JSON', '{', 400, 'invalid_request_error', /not valid JSON/],
    [
      'missing max_tokens',
      { model: 'gpt-4o-mini', messages: user },
      400,
      'invalid_request_error',
      /max_tokens: field required/,
    ],
    [
      'unknown role',
      { model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'tool', content: 'x' }] },
      400,
      'invalid_request_error',
      /messages\.0\.role/,
    ],
    [
      'empty content',
      { model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: [] }] },
      400,
      'invalid_request_error',
      /must not be empty/,
    ],
    [
      'bad block',
      { model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'video' }] }] },
      400,
      'invalid_request_error',
      /unsupported content block "video"/,
    ],
    ['unknown model', { model: 'nope', max_tokens: 5, messages: user }, 404, 'not_found_error', /not served here/],
    [
      'oversized',
      { model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'y'.repeat(30_000) }] },
      413,
      'request_too_large',
      /larger than/,
    ],
  ];
  for (const [name, body, status, type, message] of cases) {
    test(`${name} → ${status} ${type}`, async () => {
      const response = await post('/v1/messages', body);
      assert.equal(response.status, status);
      assert.equal(response.body.type, 'error');
      assert.equal(response.body.error.type, type);
      assert.match(response.body.error.message, message);
    });
  }
});

describe('local security', () => {
  test('missing or wrong token → 401 in each API’s shape', async () => {
    const noToken = await fetch(`${tw.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: user }),
    });
    assert.equal(noToken.status, 401);
    assert.match(((await noToken.json()) as any).error.message, /missing Tokenwise token/);
    const wrong = await fetch(`${tw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'nope' },
      body: '{}',
    });
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as any).error.type, 'authentication_error');
    const viaXApiKey = await fetch(`${tw.url}/v1/models`, { headers: { 'x-api-key': TEST_TOKEN } });
    assert.equal(viaXApiKey.status, 200);
  });

  function rawGet(headers: Record<string, string>): Promise<number> {
    const url = new URL(`${tw.url}/v1/models`);
    return new Promise((resolve, reject) => {
      http
        .get(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            headers: { authorization: `Bearer ${TEST_TOKEN}`, ...headers },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode!);
          },
        )
        .on('error', reject);
    });
  }

  test('a foreign Host name (DNS rebinding) is refused', async () => {
    assert.equal(await rawGet({ host: 'evil.example.com' }), 403);
    assert.equal(await rawGet({ host: `localhost:${new URL(tw.url).port}` }), 200);
  });

  test('a browser page from another origin is refused; loopback pages are not', async () => {
    assert.equal(await rawGet({ origin: 'https://evil.example.com' }), 403);
    assert.equal(await rawGet({ origin: 'http://localhost:3000' }), 200);
  });

  test('health needs no token and leaks no key', async () => {
    const response = await fetch(`${tw.url}/tokenwise/health`);
    const text = await response.text();
    assert.equal(response.status, 200);
    assert.equal(JSON.parse(text).status, 'ok');
    assert.ok(!text.includes('sk-upstream-secret') && !text.includes(TEST_TOKEN));
  });

  test('unknown routes get a JSON 404', async () => {
    const response = await tw.fetch('/v1/nothing-here');
    assert.equal(response.status, 404);
    assert.match(((await response.json()) as any).error.message, /no route/);
  });
});

test('after all that, the proxy still answers', async () => {
  const completion = await tw.openai.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'alive?' }],
  });
  assert.equal(completion.choices[0]!.message.content, 'echo: alive?');
});
