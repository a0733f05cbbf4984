// Streamed answers keep the pooled upstream connection: the proxy stops reading at `[DONE]` / `message_stop`, and
// must let the body's last bytes drain rather than destroy the socket (which would cost a new connection — a TLS
// handshake to a real cloud — per request). A caller that leaves mid-stream must still cut the upstream.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startTestProxy } from '../support/proxy.ts';

let connections = 0;
let cut = 0;
const chunk = (delta: object, finish: string | null) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const usage = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } })}\n\n`;

// An OpenAI-compatible upstream that streams; `slow` in the prompt makes it trickle tokens for a second.
const upstream = http.createServer((req, res) => {
  let body = '';
  req.on('data', (part: Buffer) => (body += part));
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.on('close', () => {
      if (!res.writableFinished) cut++;
    });
    if (!body.includes('slow')) {
      res.end(
        [
          chunk({ role: 'assistant', content: '' }, null),
          chunk({ content: 'hi' }, null),
          chunk({}, 'stop'),
          usage,
          'data: [DONE]\n\n',
        ].join(''),
      );
      return;
    }
    res.write(chunk({ role: 'assistant', content: 'a' }, null));
    const timer = setInterval(() => res.write(chunk({ content: ' word' }, null)), 20);
    setTimeout(() => {
      clearInterval(timer);
      res.end('data: [DONE]\n\n');
    }, 1000);
  });
});
upstream.on('connection', () => connections++);

let tw: Awaited<ReturnType<typeof startTestProxy>>;
before(async () => {
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const { port } = upstream.address() as AddressInfo;
  tw = await startTestProxy({
    env: { OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`, OPENAI_API_KEY: 'k' },
    config: { cache: { exact: { enabled: false } } },
  });
});
after(async () => {
  await tw.close();
  upstream.closeAllConnections();
  upstream.close();
});

test('sequential streamed requests share one upstream connection', async () => {
  for (let i = 0; i < 5; i++) {
    const stream = await tw.openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: `hello ${i}` }],
      stream: true,
    });
    let text = '';
    for await (const part of stream) text += part.choices[0]?.delta.content ?? '';
    assert.equal(text, 'hi');
  }
  assert.equal(connections, 1);
});

test('a caller that leaves mid-stream still cuts the upstream', async () => {
  const controller = new AbortController();
  const stream = await tw.openai.chat.completions.create(
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'slow please' }], stream: true },
    { signal: controller.signal },
  );
  try {
    for await (const part of stream) if (part.choices[0]?.delta.content === ' word') controller.abort();
  } catch {
    // the SDK may end the loop or throw on abort: either way the caller left
  }
  const deadline = Date.now() + 2000;
  while (cut === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(cut, 1, 'the upstream stream was closed before it finished');
});
