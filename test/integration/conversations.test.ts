// What each agent conversation cost, from the ledger over HTTP (GET /tokenwise/conversations): a conversation is the
// session breaker's id (the agent's session id, else its first user message) within one tool.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ConversationsReply } from '../../shared/protocol.ts';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import { startTestProxy } from '../support/proxy.ts';

let openai: Awaited<ReturnType<typeof startFakeOpenAI>>;
let tw: Awaited<ReturnType<typeof startTestProxy>>;
const started = Date.now();

before(async () => {
  openai = await startFakeOpenAI();
  tw = await startTestProxy({ env: { OPENAI_BASE_URL: `${openai.url}/v1`, OPENAI_API_KEY: 'k' } });
});
after(async () => {
  await tw.close();
  await openai.close();
});

async function chat(
  client: string,
  messages: { role: 'user' | 'assistant'; content: string }[],
  extra: Record<string, unknown> = {},
) {
  const response = await tw.fetch('/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify({ model: 'gpt-4o-mini', messages, ...extra }),
    headers: { 'x-tokenwise-client': client },
  });
  assert.equal(response.status, 200, await response.clone().text());
  await response.json();
}

async function conversations(query = ''): Promise<ConversationsReply> {
  const response = await tw.fetch(`/tokenwise/conversations${query}`);
  assert.equal(response.status, 200);
  return (await response.json()) as ConversationsReply;
}

test('each conversation’s requests, tokens, cost and first/last time, costliest first; a tool’s own session id wins', async () => {
  const opening = { role: 'user' as const, content: 'refactor the parser module please' };
  // Three turns of one aider conversation: every turn resends the opening message.
  await chat('aider', [opening]);
  await chat('aider', [
    opening,
    { role: 'assistant', content: 'done' },
    { role: 'user', content: 'now add tests for it' },
  ]);
  await chat('aider', [
    opening,
    { role: 'assistant', content: 'done' },
    { role: 'user', content: 'now add tests for it' },
    { role: 'assistant', content: 'ok' },
    { role: 'user', content: 'and the docs' },
  ]);
  // The same opening from another tool is another conversation.
  await chat('cline', [opening]);
  // Codex names its session (prompt_cache_key): two different openings, one conversation.
  await chat('codex', [{ role: 'user', content: 'first task' }], { prompt_cache_key: 'codex-session-42' });
  await chat('codex', [{ role: 'user', content: 'a different opening' }], { prompt_cache_key: 'codex-session-42' });

  const { conversations: list } = await conversations();
  assert.deepEqual(
    list.map((c) => [c.client, c.requests]),
    [
      ['aider', 3],
      ['codex', 2],
      ['cline', 1],
    ],
  );
  assert.equal(list.find((c) => c.client === 'codex')!.id, 'codex-session-42');
  const aider = list[0]!;
  assert.ok(aider.costUsd > list[1]!.costUsd && list[1]!.costUsd > 0, 'priced, costliest first');
  assert.ok(started <= aider.first && aider.first < aider.last && aider.last <= Date.now());

  // The three aider turns add up to exactly what the ledger holds for them.
  const rows = tw.proxy.usage.ledger.db.all(
    "SELECT input_tokens, output_tokens, cost_usd FROM requests WHERE client = 'aider'",
  ) as { input_tokens: number; output_tokens: number; cost_usd: number }[];
  assert.equal(rows.length, 3);
  assert.equal(
    aider.inputTokens,
    rows.reduce((sum, r) => sum + r.input_tokens, 0),
  );
  assert.equal(
    aider.outputTokens,
    rows.reduce((sum, r) => sum + r.output_tokens, 0),
  );
  assert.ok(Math.abs(aider.costUsd - rows.reduce((sum, r) => sum + r.cost_usd, 0)) < 1e-12);
});

test('the range and the limit are honoured; a bad limit is a 400 naming it', async () => {
  assert.deepEqual((await conversations(`?since=${Date.now() + 60_000}`)).conversations, []);
  assert.deepEqual(
    (await conversations('?limit=1')).conversations.map((c) => c.client),
    ['aider'],
  );
  const bad = await tw.fetch('/tokenwise/conversations?limit=0');
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: { message: string } }).error.message, /^limit: /);
});
