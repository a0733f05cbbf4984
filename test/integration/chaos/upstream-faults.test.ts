// Faults injected by the loopback clouds: for each, what the caller sees in its own API, that nothing faulty is
// cached (the same request afterwards reaches the upstream again), and exactly one ledger record with the status.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { RawFault } from '../../support/sse.ts';
import { call, endedCleanly, hasErrorEvent, startChaos, type Chaos } from './support.ts';

let chaos: Chaos;
before(async () => {
  chaos = await startChaos();
});
after(async () => {
  await chaos.close();
});

const apis = ['openai', 'anthropic'] as const;
let asked = 0;

/**
 * Runs one fault against one API: returns what the caller saw, checks the ledger grew by one record with `status`,
 * and that the fault was not cached (a healthy retry of the same request reaches the upstream).
 */
async function inject(
  api: (typeof apis)[number],
  fault: Parameters<Chaos['openai']['behave']>[0],
  stream: boolean,
  status: number,
) {
  const cloud = chaos[api];
  const content = `question ${++asked}`;
  const before = chaos.ledger().length;
  cloud.behave(fault);
  const seen = await call(chaos, api, content, stream);
  const rows = (await chaos.settledLedger(before + 1)).slice(before);
  assert.equal(rows.length, 1, `one ledger record for one request (${JSON.stringify(rows)})`);
  assert.equal(rows[0]!.status, status, `ledger status (${rows[0]!.error})`);
  cloud.behave({ kind: 'echo' });
  const calls = cloud.calls;
  const again = await call(chaos, api, content, stream);
  assert.equal(again.status, 200);
  // A complete answer is cached (the control); a faulty one never is.
  assert.equal(
    again.headers.get('x-tokenwise-cache'),
    status === 200 ? 'exact' : 'miss',
    'only a complete answer is cached',
  );
  assert.equal(cloud.calls, calls + (status === 200 ? 0 : 1));
  return seen;
}

const errorType = (text: string) => (JSON.parse(text) as { error: { type: string } }).error.type;

for (const api of apis) {
  describe(`${api} caller, ${api} upstream`, () => {
    test('429 with retry-after: a 429 with retry-after in the caller’s shape', async () => {
      const seen = await inject(api, { kind: 'error', status: 429, retryAfter: 7 }, false, 429);
      assert.equal(seen.status, 429);
      assert.equal(seen.headers.get('retry-after'), '7');
      assert.match(errorType(seen.text), /rate_limit/);
    });

    test('5xx: a 502 in the caller’s shape', async () => {
      const seen = await inject(api, { kind: 'error', status: 500 }, false, 502);
      assert.equal(seen.status, 502);
      assert.ok(errorType(seen.text));
    });

    test('reset mid-stream: an error event, never a clean finish', async () => {
      const seen = await inject(api, { kind: 'die_mid_stream', afterChunks: 3 }, true, 502);
      assert.equal(seen.status, 200);
      assert.ok(hasErrorEvent(api, seen.text) && !endedCleanly(api, seen.text), seen.text);
    });

    test('garbage SSE: an error, never a clean finish', async () => {
      const garbage: RawFault = {
        kind: 'raw',
        contentType: 'text/event-stream',
        body: 'data: {"choices":[{"delta":{"content":"par\n\nevent: ???\ndata: <html>\n\n',
      };
      const seen = await inject(api, garbage, true, 502);
      assert.ok(
        seen.status === 502 || (hasErrorEvent(api, seen.text) && !endedCleanly(api, seen.text)),
        `${seen.status} ${seen.text}`,
      );
    });

    test('a JSON answer that is not JSON: a 502', async () => {
      const seen = await inject(api, { kind: 'raw', body: '{"id":"chatcmpl-1","choices":[{"mess' }, false, 502);
      assert.equal(seen.status, 502);
    });

    test('slow first byte past the deadline: a 504', async () => {
      const seen = await inject(api, { kind: 'echo', delayMs: 1_500 }, false, 504);
      assert.equal(seen.status, 504);
    });

    test('headers, then silence, on a JSON answer: a 504, not a hang', { timeout: 15_000 }, async () => {
      const seen = await inject(api, { kind: 'raw', body: '', then: 'stall' }, false, 504);
      assert.equal(seen.status, 504);
      assert.match(seen.text, /went quiet/);
    });

    test('a slow stream within the idle limit completes', async () => {
      const seen = await inject(api, { kind: 'text', text: 'slow but steady answer', chunkDelayMs: 100 }, true, 200);
      assert.ok(endedCleanly(api, seen.text), seen.text);
    });
  });
}

test('connection refused: a 502 naming the upstream, one record, and the next request is served', async () => {
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const refused = await startChaos({
    providers: { dead: { kind: 'openai', baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: 'k', models: ['dead-1'] } },
  });
  try {
    const response = await refused.tw.fetch('/v1/chat/completions', {
      method: 'POST',
      body: JSON.stringify({ model: 'dead-1', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(response.status, 502);
    assert.match(
      ((await response.json()) as { error: { message: string } }).error.message,
      /cannot reach dead .*ECONNREFUSED/,
    );
    assert.deepEqual(
      refused.ledger().map((r) => r.status),
      [502],
    );
    assert.equal((await call(refused, 'openai', 'still there?', false)).status, 200);
  } finally {
    await refused.close();
  }
});
