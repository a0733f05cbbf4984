// A minimal OpenAI chat-completions upstream for the overhead benchmark, in its own process so its CPU never counts
// against the gateway measured: raw node:http, the same canned answer every time (JSON, or SSE when the body asks for
// `stream`), one server answering at once and one after 50 ms. Prints {fast, slow} (ports) as one JSON line.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const created = 1_715_367_049;
const model = 'gpt-4o-mini-2024-07-18';
const usage = { prompt_tokens: 24, completion_tokens: 9, total_tokens: 33 };
const words = ['A', ' cache', ' keeps', ' answers', ' close', ' to', ' where', ' they', ' are', ' used.'];

const json = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: words.join(''), refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage,
  }),
);
const chunk = (delta: object, finish: string | null, extra: object = {}) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra })}\n\n`;
// One event per write, as a real upstream flushes tokens one by one.
const events = [
  chunk({ role: 'assistant', content: '' }, null),
  ...words.map((word) => chunk({ content: word }, null)),
  chunk({}, 'stop'),
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`,
  'data: [DONE]\n\n',
];

function answer(delayMs: number) {
  return function chatCompletions(request: http.IncomingMessage, response: http.ServerResponse) {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      const stream = Buffer.concat(parts).includes('"stream":true');
      const reply = () => {
        if (!stream) {
          response.writeHead(200, { 'content-type': 'application/json', 'content-length': json.length });
          response.end(json);
          return;
        }
        response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        for (const event of events) response.write(event);
        response.end();
      };
      if (delayMs) setTimeout(reply, delayMs);
      else reply();
    });
  };
}

async function listen(delayMs: number): Promise<number> {
  const server = http.createServer({ keepAliveTimeout: 65_000 }, answer(delayMs));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

process.stdout.write(`${JSON.stringify({ fast: await listen(0), slow: await listen(50) })}\n`);
// The benchmark ends this process by closing its stdin.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
