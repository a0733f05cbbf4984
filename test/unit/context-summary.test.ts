import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatMessage } from '../../proxy/chat.ts';
import { SummaryCache, summarizeHistory } from '../../proxy/context/summary.ts';
import { trimRequest } from '../../proxy/context/trim.ts';
import { assistant, request, system, textOfMessage, user, words } from './context-fixtures.ts';

function chat(turns: number): ChatMessage[] {
  const messages: ChatMessage[] = [system('you help')];
  for (let t = 0; t < turns; t++)
    messages.push(user(`question ${t} `.repeat(10)), assistant(`answer ${t} `.repeat(10)));
  return [...messages, user('and now?')];
}

function fakeSummarizer() {
  const calls: string[][] = [];
  return {
    calls,
    summarize: async (messages: ChatMessage[]) => (calls.push(messages.map(textOfMessage)), `S${calls.length}`),
  };
}

test('older turns become one summary; a growing conversation reuses it until the recent turns outgrow their share', async () => {
  const summarizer = fakeSummarizer();
  const cache = new SummaryCache();
  const options = { budget: 300, summarizer, cache, keepShare: 0.5 };
  const first = await summarizeHistory(request(chat(10)), options, words);
  assert.equal(summarizer.calls.length, 1);
  assert.ok(first.after <= 300 && first.summarized > 0);
  assert.equal(first.request.messages[0]!.role, 'system');
  assert.match(textOfMessage(first.request.messages[1]!), /^\[Tokenwise: summary of \d+ earlier messages\]\nS1$/);
  assert.equal(textOfMessage(first.request.messages.at(-1)!), 'and now?');

  const grown = await summarizeHistory(request(chat(11)), options, words);
  assert.equal(summarizer.calls.length, 1, 'no new summary while the cached one still fits');
  assert.ok(grown.cached && grown.after <= 300);

  const outgrown = await summarizeHistory(request(chat(16)), options, words);
  assert.equal(summarizer.calls.length, 2);
  const input = summarizer.calls[1]!;
  assert.match(input[0]!, /^\[Tokenwise: summary of \d+ earlier messages\]\nS1$/, 'the old summary goes in');
  assert.ok(
    input.slice(1).every((t) => !t.startsWith('question 0 ')),
    'already-summarized turns do not',
  );
  assert.ok(outgrown.after <= 300);
});

test('a failing summarizer leaves the history to the window', async () => {
  const result = await trimRequest(
    request(chat(10)),
    {
      tier: 'local',
      budgets: { localContext: 400, cloudContext: 1e6, reserveOutput: 100 },
      summary: { enabled: true, summarizer: { summarize: async () => Promise.reject(new Error('busy')) } },
    },
    { counter: words },
  );
  assert.deepEqual(
    result.report.map((r) => r.strategy),
    ['normalize', 'dedupe', 'select', 'truncate', 'summary', 'window'],
  );
  const summary = result.report.find((r) => r.strategy === 'summary')!;
  assert.equal(summary.tokensBefore, summary.tokensAfter);
  assert.ok(result.fits);
});
