// Faults on the caller's side: leaving mid-stream (alone, or 200 at once), trickling headers or a body, and holding
// idle connections. The upstream call stops when its only caller leaves, every request gets one ledger record, and
// the proxy keeps serving everyone else.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RawFault } from '../../support/sse.ts';
import { TEST_TOKEN } from '../../support/proxy.ts';
import { ask, call, startChaos, type Chaos } from './support.ts';

let chaos: Chaos;
before(async () => {
  chaos = await startChaos();
});
after(async () => {
  await chaos.close();
});

const delta = `data: ${JSON.stringify({ id: 'chatcmpl-endless', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'la ' }, finish_reason: null }] })}\n\n`;
const endless: RawFault = {
  kind: 'raw',
  contentType: 'text/event-stream',
  body: delta,
  then: { repeat: delta, everyMs: 20 },
};

async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Starts a streamed request, reads its first bytes, then leaves. */
async function leaveMidStream(content: string): Promise<void> {
  const controller = new AbortController();
  const response = await chaos.tw.fetch('/v1/chat/completions', {
    method: 'POST',
    signal: controller.signal,
    body: JSON.stringify(ask('openai', content, true).body),
  });
  if (response.status !== 200) assert.fail(`${response.status}: ${await response.text()}`);
  const reader = response.body!.getReader();
  await reader.read();
  controller.abort();
  await reader.read().catch(() => undefined);
}

/** Opens a raw connection and writes `text`; resolves with what came back once the proxy closes it. */
function rawClient(
  proxy: Chaos,
  text: string,
): { closed: Promise<{ answer: string; afterMs: number }>; socket: net.Socket } {
  const url = new URL(proxy.tw.url);
  const socket = net.connect(Number(url.port), url.hostname);
  const started = Date.now();
  let answer = '';
  socket.on('data', (part) => (answer += part.toString('latin1')));
  socket.write(text);
  const closed = new Promise<{ answer: string; afterMs: number }>((resolve) =>
    socket.on('close', () => resolve({ answer, afterMs: Date.now() - started })),
  );
  socket.on('error', () => {});
  return { closed, socket };
}

test('a caller leaving a stream that never ends cancels the upstream call; one 499 record', async () => {
  chaos.openai.behave(endless);
  const before = { aborted: chaos.openai.aborted, records: chaos.ledger().length };
  await leaveMidStream('endless one');
  await until(() => chaos.openai.aborted === before.aborted + 1, 'the upstream abort');
  await until(() => chaos.ledger().length === before.records + 1, 'the record');
  assert.equal(chaos.ledger().at(-1)!.status, 499);
});

test('200 callers leaving at once: 200 upstream calls cancelled, 200 records, the proxy still answers', {
  timeout: 120_000,
}, async () => {
  chaos.openai.behave(endless);
  const before = { aborted: chaos.openai.aborted, records: chaos.ledger().length };
  await Promise.all(Array.from({ length: 200 }, (_, i) => leaveMidStream(`crowd ${i}`)));
  await until(
    () => chaos.openai.aborted === before.aborted + 200,
    `200 upstream aborts (${chaos.openai.aborted - before.aborted})`,
    30_000,
  );
  await until(() => chaos.ledger().length === before.records + 200, '200 records', 90_000);
  assert.ok(
    chaos
      .ledger()
      .slice(before.records)
      .every((r) => r.status === 499),
  );
  chaos.openai.behave({ kind: 'echo' });
  assert.equal((await call(chaos, 'openai', 'after the crowd', false)).status, 200);
});

test('a shared call goes on when one of its two callers leaves', async () => {
  chaos.openai.behave({ kind: 'text', text: 'a shared answer, streamed slowly', chunkDelayMs: 30 });
  const before = chaos.openai.aborted;
  const stays = call(chaos, 'openai', 'shared question', true);
  await sleep(50);
  await leaveMidStream('shared question');
  const seen = await stays;
  assert.match(seen.text, /data: \[DONE\]/);
  assert.equal(chaos.openai.aborted, before, 'the upstream call was not cancelled');
});

test('slow headers, a slow body and an unauthenticated body are dropped; others are served meanwhile', {
  timeout: 30_000,
}, async () => {
  const strict = await startChaos({ connections: { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 } });
  after(() => strict.close());
  const host = `Host: ${new URL(strict.tw.url).host}\r\n`;
  const slowHeaders = rawClient(strict, `POST /v1/chat/completions HTTP/1.1\r\n${host}`);
  const slowBody = rawClient(
    strict,
    `POST /v1/chat/completions HTTP/1.1\r\n${host}authorization: Bearer ${TEST_TOKEN}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"model":`,
  );
  const noToken = rawClient(
    strict,
    `POST /v1/chat/completions HTTP/1.1\r\n${host}content-type: application/json\r\ncontent-length: 1000000\r\n\r\n{"model":`,
  );
  const served = await call(strict, 'openai', 'served while others trickle', false);
  assert.equal(served.status, 200);
  const unauthenticated = await noToken.closed;
  assert.match(unauthenticated.answer, /^HTTP\/1\.1 401/);
  assert.ok(unauthenticated.afterMs < 1_000, `closed right after the 401 (${unauthenticated.afterMs} ms)`);
  const headers = await slowHeaders.closed;
  assert.match(headers.answer, /^HTTP\/1\.1 408|^$/);
  const body = await slowBody.closed;
  assert.match(body.answer, /^HTTP\/1\.1 408|^$/);
  assert.ok(body.afterMs >= 1_900 && body.afterMs < 8_000, `slow body dropped after ${body.afterMs} ms`);
});

test('more idle keep-alive connections than the cap: the idle ones make room, a new caller is served', async () => {
  const capped = await startChaos({ connections: { max: 32 } });
  const url = new URL(capped.tw.url);
  const idle = await Promise.all(
    Array.from(
      { length: 40 },
      () =>
        new Promise<net.Socket>((resolve) => {
          const socket = net.connect(Number(url.port), url.hostname, () =>
            socket.write(`GET /tokenwise/health HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`),
          );
          socket.on('error', () => {});
          socket.once('data', () => resolve(socket));
          socket.once('close', () => resolve(socket));
        }),
    ),
  );
  try {
    assert.equal((await call(capped, 'openai', 'a newcomer', false)).status, 200);
  } finally {
    for (const socket of idle) socket.destroy();
    await capped.close();
  }
});
