// Property-based fuzzing through real HTTP: whatever body and headers a caller sends to either API, the answer is a
// 2xx or a 4xx in that API's error shape, never a 5xx, a crash or a hang; and nothing the proxy produced (answers,
// log lines, ledger rows) carries a stack trace, the upstream key or the local token.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { after, before, test } from 'node:test';
import { startFakeAnthropic } from '../../support/fake-anthropic.ts';
import { startFakeOpenAI } from '../../support/fake-openai.ts';
import { startTestProxy, TEST_TOKEN } from '../../support/proxy.ts';

const KEYS = ['sk-upstream-secret', 'sk-ant-upstream-secret'];
const logs: string[] = [];
const produced: string[] = [];
let clouds: {
  openai: Awaited<ReturnType<typeof startFakeOpenAI>>;
  anthropic: Awaited<ReturnType<typeof startFakeAnthropic>>;
};
let tw: Awaited<ReturnType<typeof startTestProxy>>;

before(async () => {
  clouds = { openai: await startFakeOpenAI(), anthropic: await startFakeAnthropic() };
  tw = await startTestProxy({
    config: { router: { retries: 0, lastResortLocal: false } },
    env: {
      OPENAI_BASE_URL: `${clouds.openai.url}/v1`,
      OPENAI_API_KEY: KEYS[0],
      ANTHROPIC_BASE_URL: clouds.anthropic.url,
      ANTHROPIC_API_KEY: KEYS[1],
    },
    log: (line) => logs.push(line),
  });
});
after(async () => {
  await tw.close();
  await clouds.openai.close();
  await clouds.anthropic.close();
});

const text = fc.oneof(fc.string(), fc.constantFrom('', 'hi', '\u0000', '\r\nx: 1', '{"a":', '💥'.repeat(3)));
const content = fc.oneof(
  text,
  fc.array(
    fc.record(
      {
        type: fc.constantFrom('text', 'image_url', 'image', 'tool_result', 'nope'),
        text: fc.option(text),
        image_url: fc.option(fc.jsonValue()),
      },
      { requiredKeys: ['type'] },
    ),
    { maxLength: 3 },
  ),
  fc.jsonValue(),
);
const message = fc.record(
  {
    role: fc.constantFrom('user', 'assistant', 'system', 'tool', 'developer', 'nobody'),
    content,
    tool_calls: fc.option(fc.jsonValue()),
    tool_call_id: fc.option(text),
  },
  { requiredKeys: ['role'] },
);
const body = fc.oneof(
  fc.record(
    {
      model: fc.oneof(fc.constantFrom('gpt-4o-mini', 'claude-haiku-4-5', 'auto', 'local', ''), text, fc.jsonValue()),
      messages: fc.oneof(fc.array(message, { maxLength: 4 }), fc.jsonValue()),
      max_tokens: fc.oneof(fc.integer({ min: -5, max: 100 }), fc.jsonValue()),
      stream: fc.oneof(fc.boolean(), fc.jsonValue()),
      temperature: fc.oneof(fc.double(), fc.jsonValue()),
      tools: fc.jsonValue(),
      system: fc.oneof(text, fc.jsonValue()),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue(),
);
const headers = fc.record(
  {
    'x-tokenwise-cache': fc.constantFrom('off', 'refresh', 'bogus'),
    'x-tokenwise-route': fc.constantFrom('local', 'cloud', '??'),
    'x-tokenwise-trim': fc.constantFrom('off', 'x'),
    'anthropic-version': fc.constantFrom('2023-06-01', ''),
    'content-encoding': fc.constantFrom('identity', 'gzip', 'zstd'),
  },
  { requiredKeys: [] },
);

for (const route of ['/v1/chat/completions', '/v1/messages', '/v1/responses', '/v1/messages/count_tokens']) {
  test(`fuzzed bodies and headers on ${route}: 2xx or a 4xx in the API’s shape`, { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(body, headers, async (json, extra) => {
        const response = await tw.fetch(route, {
          method: 'POST',
          body: JSON.stringify(json),
          headers: extra as Record<string, string>,
          signal: AbortSignal.timeout(20_000),
        });
        const answer = await response.text();
        produced.push(answer);
        response.headers.forEach((value, name) => produced.push(`${name}: ${value}`));
        assert.ok(
          response.status < 500,
          `${response.status} for ${JSON.stringify(json).slice(0, 300)}: ${answer.slice(0, 300)}`,
        );
        if (response.status >= 400) {
          const error = (JSON.parse(answer) as { error?: { message?: unknown; type?: unknown } }).error;
          assert.ok(typeof error?.message === 'string' && typeof error.type === 'string', answer);
        }
      }),
      { numRuns: 60, seed: 22 },
    );
  });
}

test('nothing produced carries a stack trace, an upstream key or the local token', () => {
  tw.proxy.usage.flush();
  const rows = JSON.stringify(tw.proxy.usage.ledger.db.all('SELECT * FROM requests'));
  for (const [what, haystack] of [
    ['responses', produced.join('\n')],
    ['logs', logs.join('\n')],
    ['ledger', rows],
  ] as const) {
    for (const secret of [...KEYS, TEST_TOKEN]) assert.ok(!haystack.includes(secret), `${what} contain a secret`);
    assert.ok(!/\n\s+at .+\(.*:\d+:\d+\)/.test(haystack), `${what} contain a stack trace`);
  }
});
