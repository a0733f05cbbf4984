// Context trimming through the real proxy: a conversation too long for the local model is trimmed to fit instead of
// failing; a cloud request carrying many irrelevant documents is cut down; the ledger shows what was saved.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import { startTestProxy } from '../support/proxy.ts';
import { ensureTinyModel } from '../support/tiny-model.ts';

let cloud: Awaited<ReturnType<typeof startFakeOpenAI>>;
let tw: Awaited<ReturnType<typeof startTestProxy>>;

before(async () => {
  cloud = await startFakeOpenAI();
  tw = await startTestProxy({
    env: {
      OPENAI_BASE_URL: `${cloud.url}/v1`,
      OPENAI_API_KEY: 'k',
      TOKENWISE_LOCAL_MODEL: await ensureTinyModel(),
      TOKENWISE_THREADS: '1',
      TOKENWISE_CONTEXT_SIZE: '256',
      TOKENWISE_PARALLEL: '1',
    },
  });
  await tw.proxy.local!.start();
});
after(async () => {
  await tw.close();
  await cloud.close();
});

type Row = {
  input_tokens: number;
  original_input_tokens: number;
  saved_trimming: number;
  trim: string | null;
  status: number;
  route: string;
};
function lastRow(): Row {
  tw.proxy.usage.flush();
  return tw.proxy.usage.ledger.db.get('SELECT * FROM requests ORDER BY id DESC LIMIT 1') as Row;
}

test('a conversation longer than the local context is trimmed to fit and answered', async () => {
  const history = Array.from({ length: 12 }, (_, i) => [
    { role: 'user' as const, content: `Question ${i}: tell me about topic number ${i} in some detail please.` },
    {
      role: 'assistant' as const,
      content: `Topic ${i} is a long story with many parts and details worth keeping in mind.`,
    },
  ]).flat();
  const messages = [
    { role: 'system' as const, content: 'Be brief.' },
    ...history,
    { role: 'user' as const, content: 'And the last one?' },
  ];
  const untrimmed = await tw.fetch('/v1/chat/completions', {
    method: 'POST',
    headers: { 'x-tokenwise-trim': 'off' },
    body: JSON.stringify({ model: 'local', messages, max_tokens: 8 }),
  });
  assert.equal(untrimmed.status, 400, 'without trimming it does not fit');
  const completion = await tw.openai.chat.completions.create({
    model: 'local',
    messages,
    max_tokens: 8,
    temperature: 0,
  });
  assert.equal(completion.usage!.completion_tokens, 8);
  const row = lastRow();
  assert.equal(row.route, 'local');
  assert.ok(row.original_input_tokens > row.input_tokens, `${row.original_input_tokens} > ${row.input_tokens}`);
  const report = JSON.parse(row.trim!) as { strategy: string; tokensBefore: number; tokensAfter: number }[];
  assert.ok(
    report.some((r) => r.strategy === 'window' && r.tokensAfter < r.tokensBefore),
    'older turns went first',
  );
});

test('a cloud request with many irrelevant documents is cut down, and the ledger books the dollars', async () => {
  const filler = (topic: string) => `${topic} `.repeat(60);
  const documents = [
    '<document title="Vitamin C"><content>Vitamin C, also called ascorbic acid, is found in citrus fruit such as oranges and lemons.</content></document>',
    ...Array.from(
      { length: 14 },
      (_, i) =>
        `<document title="Unrelated ${i}"><content>${filler(`gearbox turbine shipping ledger ${i}`)}</content></document>`,
    ),
  ].join('\n');
  const request = {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user' as const, content: `${documents}\n\nQuestion: Which fruits contain vitamin C?` }],
  };
  await tw.openai.chat.completions.create(request);
  const sent = JSON.stringify(cloud.requests.at(-1)!.body.messages);
  assert.ok(sent.includes('ascorbic acid'), 'the relevant passage stays');
  assert.ok(sent.length < JSON.stringify(request.messages).length / 2, 'most of the rest went');
  const row = lastRow();
  assert.ok(row.saved_trimming > 0);
  assert.ok(row.original_input_tokens > row.input_tokens);

  await tw.openai.chat.completions.create(request, { headers: { 'x-tokenwise-trim': 'off' } });
  assert.equal(
    JSON.stringify(cloud.requests.at(-1)!.body.messages),
    JSON.stringify(request.messages),
    'x-tokenwise-trim: off sends it as it came',
  );
});

test('Anthropic document blocks are passages too: the unrelated ones are left out of a request to another provider', async () => {
  const filler = (topic: string) => `${topic} `.repeat(60);
  const document = (title: string, data: string) => ({
    type: 'document',
    title,
    source: { type: 'text', media_type: 'text/plain', data },
  });
  const content = [
    document('Vitamin C', 'Vitamin C, also called ascorbic acid, is found in citrus fruit such as oranges and lemons.'),
    ...Array.from({ length: 9 }, (_, i) => document(`Unrelated ${i}`, filler(`gearbox turbine shipping ledger ${i}`))),
    { type: 'text', text: 'Which fruits contain vitamin C?' },
  ];
  const response = await tw.fetch('/v1/messages', {
    method: 'POST',
    headers: { 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 32, messages: [{ role: 'user', content }] }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  const sent = JSON.stringify(cloud.requests.at(-1)!.body.messages);
  assert.ok(
    sent.includes('Vitamin C\\nVitamin C, also called ascorbic acid'),
    'the relevant document stays, with its title',
  );
  assert.ok(!sent.includes('Unrelated 3'), 'unrelated documents went');
  assert.match(sent, /9 of 10 documents left out/);
  assert.ok(sent.includes('Which fruits contain vitamin C?'), 'the question stays');
});
