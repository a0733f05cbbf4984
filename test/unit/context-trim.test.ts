import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inputBudget, resolveTrimOptions } from '../../proxy/context/options.ts';
import { trimRequest } from '../../proxy/context/trim.ts';
import { assistant, request, system, textOfMessage, tool, user, words } from './context-fixtures.ts';

test('options: overrides merge per strategy over the defaults; budgets per tier', () => {
  const options = resolveTrimOptions({ select: { minRelevance: 0.5 }, tier: 'local' });
  assert.equal(options.select.minRelevance, 0.5);
  assert.equal(options.select.hops, 2);
  assert.equal(options.tier, 'local');
  const budgets = { localContext: 8192, cloudContext: 128_000, reserveOutput: 1024, maxInputTokens: 20_000 };
  assert.equal(inputBudget('local', budgets, undefined), 8192 - 1024);
  assert.equal(inputBudget('local', budgets, 2000), 8192 - 2000);
  assert.equal(inputBudget('cloud', budgets, undefined), 20_000, 'the cost cap binds on cloud');
  assert.equal(inputBudget('cloud', { ...budgets, maxInputTokens: undefined }, 4096, 200_000), 200_000 - 4096);
});

test('strategies run in order and report tokens; history levers only above the budget', async () => {
  const file = Array.from({ length: 100 }, (_, i) => `row ${i} value`).join('\n');
  const input = request([
    system('sys'),
    user(`look   \n\n\n\n\`\`\`\n${file}\n\`\`\``),
    assistant('', ['c1']),
    tool('c1', file),
    user('and?'),
  ]);
  const roomy = await trimRequest(
    input,
    { tier: 'local', budgets: { localContext: 10_000, cloudContext: 1e6, reserveOutput: 100 } },
    { counter: words },
  );
  assert.deepEqual(
    roomy.report.map((r) => r.strategy),
    ['normalize', 'dedupe', 'select', 'truncate'],
  );
  assert.ok(roomy.fits && roomy.tokensAfter < roomy.tokensBefore);
  assert.match(
    textOfMessage(roomy.request.messages[1]!),
    /^look\n\n```\n\[Tokenwise: identical to the code block later/,
  );

  const tight = await trimRequest(
    input,
    { tier: 'local', budgets: { localContext: 150, cloudContext: 1e6, reserveOutput: 100 } },
    { counter: words },
  );
  assert.equal(tight.report.at(-1)!.strategy, 'window');
  assert.ok(tight.fits, `${tight.tokensAfter} <= ${tight.budget}`);
  assert.deepEqual(
    tight.origin.filter((i) => i >= 0),
    [0, 4],
  );

  const off = await trimRequest(
    input,
    {
      tier: 'local',
      budgets: { localContext: 150, cloudContext: 1e6, reserveOutput: 100 },
      normalize: { enabled: false },
      dedupe: { enabled: false },
      select: { enabled: false },
      truncate: { enabled: false },
      window: { enabled: false },
    },
    { counter: words },
  );
  assert.deepEqual(off.report, []);
  assert.equal(off.request, input);
  assert.equal(off.fits, false);
});

test('the local tier counts with the local model tokenizer', async () => {
  const result = await trimRequest(request([user('abc')]), { tier: 'local', localTokenizer: (t) => t.length * 10 });
  assert.equal(result.tokensBefore, 3 + 30 + 3);
});
