// Costs against @pydantic/genai-prices, the baseline, and the saving split by lever, to the cent.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { calcPrice } from '@pydantic/genai-prices';
import { Pricing } from '../../proxy/usage/pricing.ts';
import { baselineModelFor, priceRequest, totalSaved, type FinishedRequest } from '../../proxy/usage/record.ts';

const pricing = new Pricing({
  overrides: { 'acme-internal': { inputMtok: 2, outputMtok: 8, cacheReadMtok: 0.5 } },
  localCostPerHour: 0.36,
});
const mtok = (tokens: number, dollarsPerMillion: number) => (tokens * dollarsPerMillion) / 1e6;
const close = (actual: number | null, expected: number) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);

describe('Pricing', () => {
  test('OpenAI: cached input at the cache-read price, reasoning inside output', () => {
    const { model_price } = calcPrice({ input_tokens: 1, output_tokens: 1 }, 'gpt-4o-mini', { providerId: 'openai' })!;
    const p = model_price as { input_mtok: number; cache_read_mtok: number; output_mtok: number };
    const cost = pricing.cost('gpt-4o-mini', 'openai', {
      inputTokens: 10_000,
      cachedInputTokens: 6_000,
      outputTokens: 2_000,
      reasoningTokens: 500,
    });
    close(cost, mtok(4_000, p.input_mtok) + mtok(6_000, p.cache_read_mtok) + mtok(2_000, p.output_mtok));
  });

  test('Anthropic: cache reads, 5-minute writes and 1-hour writes each at their own price', () => {
    const haiku = { input: 1, write5m: 1.25, write1h: 2, read: 0.1, output: 5 }; // claude-haiku-4-5, $/Mtok
    const usage = { inputTokens: 10_000, cachedInputTokens: 5_000, cacheWriteTokens: 3_000, outputTokens: 1_000 };
    const fiveMinute = pricing.cost('claude-haiku-4-5', 'anthropic', usage);
    close(
      fiveMinute,
      mtok(2_000, haiku.input) + mtok(5_000, haiku.read) + mtok(3_000, haiku.write5m) + mtok(1_000, haiku.output),
    );
    const oneHour = pricing.cost('claude-haiku-4-5', 'anthropic', { ...usage, cacheWrite1hTokens: 3_000 });
    close(
      oneHour,
      mtok(2_000, haiku.input) + mtok(5_000, haiku.read) + mtok(3_000, haiku.write1h) + mtok(1_000, haiku.output),
    );
  });

  test('overrides price private models; the local model costs its GPU time; unknown models cost null, warned once', () => {
    close(
      pricing.cost('acme-internal', 'openai', { inputTokens: 1_000, cachedInputTokens: 400, outputTokens: 100 }),
      mtok(600, 2) + mtok(400, 0.5) + mtok(100, 8),
    );
    close(pricing.cost('tiny', 'local', { inputTokens: 99, outputTokens: 99 }, 10_000), 0.001);
    const warnings: string[] = [];
    const strict = new Pricing({ overrides: {}, localCostPerHour: 0 }, (w) => warnings.push(w));
    assert.equal(strict.cost('mystery-model', 'openai', { inputTokens: 1, outputTokens: 1 }), null);
    assert.equal(strict.cost('mystery-model', 'openai', { inputTokens: 1, outputTokens: 1 }), null);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /mystery-model/);
  });
});

function finished(over: Partial<FinishedRequest>): FinishedRequest {
  return {
    time: 0,
    client: 'test',
    api: 'openai',
    modelAsked: 'gpt-4o',
    modelUsed: 'gpt-4o',
    provider: 'openai',
    providerKind: 'openai',
    route: 'cloud',
    reason: '',
    cache: 'miss',
    stream: false,
    status: 200,
    usage: { inputTokens: 1_000, outputTokens: 200 },
    tokensEstimated: false,
    originalInputTokens: 1_000,
    latencyMs: 1,
    overheadMs: 0,
    generationMs: 0,
    ...over,
  };
}
const options = { premiumModel: 'gpt-4o' };

describe('baseline and savings', () => {
  test('the baseline is the model named, or the premium model for auto and local', () => {
    assert.equal(baselineModelFor('claude-haiku-4-5', options), 'claude-haiku-4-5');
    assert.equal(baselineModelFor('openai/gpt-4.1', options), 'gpt-4.1');
    assert.equal(baselineModelFor('auto', options), 'gpt-4o');
    assert.equal(baselineModelFor('claude-haiku-4-5', { ...options, baselineModel: 'gpt-5' }), 'gpt-5');
  });

  test('a local answer saves the whole baseline cost, under routing', () => {
    const record = priceRequest(
      1,
      finished({ modelAsked: 'auto', modelUsed: 'tiny', provider: 'local', providerKind: 'local', route: 'local' }),
      pricing,
      options,
    );
    const baseline = pricing.cost('gpt-4o', 'openai', { inputTokens: 1_000, outputTokens: 200 })!;
    assert.equal(record.costUsd, 0);
    close(record.baselineCostUsd, baseline);
    close(record.savedUsd.routing, baseline);
    close(totalSaved(record), baseline);
  });

  test('prompt-cache reads are saved under promptCache; the model named costs no routing saving', () => {
    const record = priceRequest(
      2,
      finished({ usage: { inputTokens: 1_000, cachedInputTokens: 800, outputTokens: 200 } }),
      pricing,
      options,
    );
    const full = pricing.cost('gpt-4o', 'openai', { inputTokens: 1_000, outputTokens: 200 })!;
    close(record.baselineCostUsd, full);
    close(record.savedUsd.promptCache, full - record.costUsd!);
    close(record.savedUsd.routing, 0);
    close(totalSaved(record), record.baselineCostUsd! - record.costUsd!);
  });

  test('an unknown model records null cost and no invented saving', () => {
    const record = priceRequest(3, finished({ modelAsked: 'mystery', modelUsed: 'mystery' }), pricing, options);
    assert.equal(record.costUsd, null);
    assert.equal(totalSaved(record), 0);
  });
});

test('the cached flat-price path gives exactly what genai-prices computes', () => {
  const fast = new Pricing({ overrides: {}, localCostPerHour: 0 });
  const cases: [string, 'openai' | 'anthropic', Record<string, number>][] = [
    ['gpt-4o-mini', 'openai', { input_tokens: 12_345, cache_read_tokens: 3_000, output_tokens: 678 }],
    ['gpt-4-1106-preview', 'openai', { input_tokens: 5_000, cache_read_tokens: 1_000, output_tokens: 100 }],
    [
      'claude-haiku-4-5',
      'anthropic',
      {
        input_tokens: 9_000,
        cache_read_tokens: 2_000,
        cache_write_tokens: 3_000,
        cache_write_1h_tokens: 1_000,
        output_tokens: 500,
      },
    ],
    ['claude-sonnet-4-5', 'anthropic', { input_tokens: 250_000, cache_read_tokens: 10_000, output_tokens: 2_000 }],
  ];
  for (const [model, provider, u] of cases) {
    const usage = {
      inputTokens: u.input_tokens!,
      outputTokens: u.output_tokens!,
      cachedInputTokens: u.cache_read_tokens,
      cacheWriteTokens: u.cache_write_tokens,
      cacheWrite1hTokens: u.cache_write_1h_tokens,
    };
    for (let i = 0; i < 2; i++)
      close(fast.cost(model, provider, usage), calcPrice(u, model, { providerId: provider })!.total_price);
  }
});

test('a cache hit costs nothing and saves what producing the answer cost; coalescing likewise under its lever', () => {
  const usage = { inputTokens: 1_000, outputTokens: 200 };
  const produced = pricing.cost('gpt-4o-mini', 'openai', usage)!;
  const baseline = pricing.cost('gpt-4o', 'openai', usage)!;
  const hit = priceRequest(
    4,
    finished({ modelAsked: 'auto', modelUsed: 'gpt-4o-mini', cache: 'exact', usage }),
    pricing,
    options,
  );
  assert.equal(hit.costUsd, 0);
  close(hit.savedUsd.cache, produced);
  close(hit.savedUsd.routing, baseline - produced);
  close(totalSaved(hit), baseline);
  const shared = priceRequest(
    5,
    finished({ modelAsked: 'auto', modelUsed: 'gpt-4o-mini', cache: 'coalesced', usage }),
    pricing,
    options,
  );
  close(shared.savedUsd.coalescing, produced);
  assert.equal(shared.savedUsd.cache, 0);
});
