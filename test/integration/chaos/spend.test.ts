// Spend the ledger and the budget must see: a cut or abandoned stream was billed by the upstream for what it sent,
// an unknown-price model is not free under a budget, and a refusal is itself a record.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ask, call, startChaos, type Chaos } from './support.ts';

let chaos: Chaos;
before(async () => {
  chaos = await startChaos({
    budget: { dailyUsd: 0.01, session: { enabled: false } },
    providers: {
      private: { kind: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'k', models: ['acme-private-1'] },
    },
  });
});
after(async () => {
  await chaos.close();
});

const settled = (records: number) => chaos.settledLedger(records);

test('a stream the upstream cut is recorded with the tokens it streamed, estimated, and their cost', async () => {
  chaos.openai.behave({ kind: 'die_mid_stream', afterChunks: 6 });
  const seen = await call(chaos, 'openai', 'tell me a long story about budgets', true);
  assert.equal(seen.status, 200);
  const [row] = await settled(1);
  assert.equal(row!.status, 502);
  assert.equal(row!.tokens_estimated, 1);
  assert.ok(row!.input_tokens > 0 && row!.output_tokens > 0, JSON.stringify(row));
  assert.ok(row!.cost_usd! > 0, 'the cut answer has a cost');
});

test('a stream the caller left is recorded the same way, and its cost counts against the budget', async () => {
  chaos.openai.behave({ kind: 'text', text: 'word '.repeat(400), chunkDelayMs: 5 });
  const controller = new AbortController();
  const { route, body } = ask('openai', 'a long answer I will not wait for', true);
  const response = await chaos.tw.fetch(route, {
    method: 'POST',
    signal: controller.signal,
    body: JSON.stringify({ ...body, max_tokens: 2000 }),
  });
  const reader = response.body!.getReader();
  for (let i = 0; i < 5; i++) await reader.read();
  controller.abort();
  const rows = await settled(2);
  assert.equal(rows[1]!.status, 499);
  assert.equal(rows[1]!.tokens_estimated, 1);
  assert.ok(rows[1]!.output_tokens > 0 && rows[1]!.cost_usd! > 0, JSON.stringify(rows[1]));
});

test('an unknown-price model reserves at a conservative price: it cannot pass a spent budget; the refusal is recorded', async () => {
  const before = chaos.ledger().length;
  // 2,000 output tokens at the $75 per million assumed for unknown prices is $0.15: over the $0.01 day.
  const response = await chaos.tw.fetch('/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify({ model: 'acme-private-1', max_tokens: 2000, messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(response.status, 429);
  const error = ((await response.json()) as { error: { code: string; message: string } }).error;
  assert.equal(error.code, 'budget_exceeded');
  const rows = chaos.ledger().slice(before);
  assert.deepEqual(
    rows.map((r) => [r.status, r.model_asked]),
    [[429, 'acme-private-1']],
  );
  assert.match(rows[0]!.error!, /over budget/);
});
