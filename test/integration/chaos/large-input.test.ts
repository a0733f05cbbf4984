// Large inputs: a run of a million letters takes seconds to count, and that count must not stall the proxy. While
// two such requests are counted (a local count_tokens and a cloud chat completion), a small request is answered
// first; the large ones still get their exact count and their answer.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadTokenCounter } from '../../../proxy/context/tokens.ts';
import { TEST_TOKEN } from '../../support/proxy.ts';
import { call, startChaos, type Chaos } from './support.ts';

let chaos: Chaos;
before(async () => {
  chaos = await startChaos();
});
after(async () => {
  await chaos.close();
});

/** Random lowercase letters: one pre-tokenizer piece, and no chunk of it repeats, so nothing is memoized. */
function letterRun(chars: number): string {
  return Buffer.from(randomBytes(chars).map((byte) => 97 + (byte % 26))).toString('latin1');
}

/** POSTs with node:http: `sent` settles once the whole body is written, `answer` with the JSON reply. */
function post(route: string, body: object) {
  const request = http.request(`${chaos.tw.url}${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
  });
  const sent = new Promise<void>((resolve) => request.on('finish', resolve));
  const answer = new Promise<{ status: number; body: any }>((resolve, reject) => {
    request.on('error', reject);
    request.on('response', async (response) => {
      const parts: Buffer[] = [];
      for await (const part of response) parts.push(part as Buffer);
      resolve({ status: response.statusCode!, body: JSON.parse(Buffer.concat(parts).toString('utf8')) });
    });
  });
  request.end(JSON.stringify(body));
  return { sent, answer };
}

test('while 1 MB letter runs are counted, a small request is answered first; the large ones are right', {
  timeout: 120_000,
}, async () => {
  const big = letterRun(1024 * 1024);
  const order: string[] = [];
  const counting = post('/v1/messages/count_tokens', { model: 'gpt-4o', messages: [{ role: 'user', content: big }] });
  // The trailing space is trimmed away before sending: the trimmed text, derived from the counted one, is counted too.
  const chatting = post('/v1/chat/completions', {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: `${big} ` }],
  });
  void counting.answer.then(() => order.push('count_tokens'));
  void chatting.answer.then(() => order.push('chat'));
  await Promise.all([counting.sent, chatting.sent]);
  // Time for the proxy to read and parse both bodies (milliseconds) so that both are being counted.
  await sleep(300);
  const small = await call(chaos, 'openai', 'a small question', false);
  order.push('small');
  assert.equal(small.status, 200, small.text);

  const [counted, chatted] = await Promise.all([counting.answer, chatting.answer]);
  assert.equal(order[0], 'small', `answered in the order ${order.join(', ')}`);
  assert.equal(
    chaos.openai.requests[0]?.body?.messages?.[0]?.content,
    'a small question',
    'the small request reached the upstream before the counted one',
  );
  assert.equal(counted.status, 200);
  const counter = await loadTokenCounter('gpt-4o');
  assert.equal(
    counted.body.input_tokens,
    counter.request({ messages: [{ role: 'user', content: [{ type: 'text', text: big }] }] }),
  );
  assert.equal(chatted.status, 200);
  assert.equal(chatted.body.choices[0].message.content, `echo: ${big} `);
});
