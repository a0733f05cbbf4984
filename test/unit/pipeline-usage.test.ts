// The pipeline records every request however it ends: completed, failed before or after the first chunk, or left
// by its caller; and counts tokens itself, marked as estimated, when a provider reports none.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatChunk, ChatRequest } from '../../proxy/chat.ts';
import { ProxyError } from '../../proxy/errors.ts';
import { loadTokenCounter } from '../../proxy/context/tokens.ts';
import { Pipeline } from '../../proxy/pipeline.ts';
import type { Provider } from '../../proxy/providers/provider.ts';
import type { FinishedRequest } from '../../proxy/usage/record.ts';

function scripted(chunks: (ChatChunk | Error)[]): Provider {
  return {
    name: 'scripted',
    kind: 'openai',
    models: () => ['m'],
    health: () => ({ state: 'ready' }),
    async *chat() {
      for (const chunk of chunks) {
        if (chunk instanceof Error) throw chunk;
        yield chunk;
      }
    },
  };
}

function setup(chunks: (ChatChunk | Error)[]) {
  const recorded: FinishedRequest[] = [];
  const catalog = {
    cloud: new Map([['scripted', { provider: scripted(chunks), configured: true }]]),
    defaultCloudModel: 'm',
  };
  const pipeline = new Pipeline({ catalog, usage: { record: (r) => recorded.push(r) } });
  const request: ChatRequest = {
    model: 'm',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'x'.repeat(400) }] }],
    stream: true,
  };
  const context = {
    signal: new AbortController().signal,
    client: 'unit',
    api: 'openai' as const,
    arrived: performance.now(),
  };
  return { recorded, run: () => pipeline.run(request, context) };
}

async function drain(result: Awaited<ReturnType<Pipeline['run']>>): Promise<ChatChunk[]> {
  const chunks = [result.first];
  for (let next = await result.rest.next(); !next.done; next = await result.rest.next()) chunks.push(next.value);
  return chunks;
}

const start: ChatChunk = { type: 'start', id: 'a', model: 'm-2025' };

test('a completed answer is recorded once with the provider’s usage and the model that answered', async () => {
  const { recorded, run } = setup([
    start,
    { type: 'text', text: 'hello' },
    { type: 'done', finishReason: 'stop', usage: { inputTokens: 7, outputTokens: 3 } },
  ]);
  await drain(await run());
  assert.equal(recorded.length, 1);
  assert.deepEqual(
    [
      recorded[0]!.status,
      recorded[0]!.modelUsed,
      recorded[0]!.usage,
      recorded[0]!.tokensEstimated,
      recorded[0]!.client,
    ],
    [200, 'm-2025', { inputTokens: 7, outputTokens: 3 }, false, 'unit'],
  );
  assert.ok(recorded[0]!.firstChunkMs! >= 0);
});

test('no usage from the provider: the proxy counts, the caller sees the count, the ledger says estimated', async () => {
  const { recorded, run } = setup([
    start,
    { type: 'text', text: 'x'.repeat(40) },
    { type: 'done', finishReason: 'stop', usage: { inputTokens: 0, outputTokens: 0 } },
  ]);
  const chunks = await drain(await run());
  const done = chunks.at(-1) as Extract<ChatChunk, { type: 'done' }>;
  const counter = await loadTokenCounter('m');
  assert.equal(done.usage.outputTokens, counter.text('x'.repeat(40)), 'counted with the tokenizer');
  assert.ok(done.usage.inputTokens > counter.text('x'.repeat(400)), 'the request, framing included');
  assert.equal(done.usageEstimated, true);
  assert.equal(recorded[0]!.tokensEstimated, true);
});

test('failures are recorded with their status: before the first chunk, mid-stream, and a caller that left', async () => {
  const early = setup([new ProxyError('rate_limit', 'slow down')]);
  await assert.rejects(early.run(), /slow down/);
  assert.deepEqual([early.recorded.length, early.recorded[0]!.status, early.recorded[0]!.error], [1, 429, 'slow down']);

  const mid = setup([start, { type: 'text', text: 'partial' }, new ProxyError('upstream', 'cut')]);
  await assert.rejects(drain(await mid.run()), /cut/);
  assert.deepEqual([mid.recorded.length, mid.recorded[0]!.status], [1, 502]);

  const left = setup([
    start,
    { type: 'text', text: 'a' },
    { type: 'text', text: 'b' },
    { type: 'done', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 2 } },
  ]);
  const result = await left.run();
  await result.rest.next();
  await result.rest.return!();
  assert.deepEqual([left.recorded.length, left.recorded[0]!.status], [1, 499]);
});
