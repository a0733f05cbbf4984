/**
 * @module Dollar cost of a usage, from @pydantic/genai-prices (input, output, cache read, 5-minute and 1-hour cache
 * writes), per-model overrides for private deployments, and GPU time for the local model. An unknown model costs
 * `null` — never a guess presented as fact.
 */
import { calcPrice } from '@pydantic/genai-prices';
import type { Usage } from '../chat.ts';

export interface PriceOverride {
  inputMtok: number;
  outputMtok: number;
  cacheReadMtok?: number;
  cacheWriteMtok?: number;
}

export interface PricingOptions {
  overrides: Record<string, PriceOverride>;
  /** Dollars per hour of local generation (0: the GPU is already paid for). */
  localCostPerHour: number;
}

export type Provider = 'local' | 'openai' | 'anthropic' | string;

/** genai-prices' provider ids for our built-in provider kinds; other names let genai-prices match the model. */
const providerIds: Record<string, string> = { openai: 'openai', anthropic: 'anthropic' };

export class Pricing {
  private readonly warned = new Set<string>();

  constructor(private readonly options: PricingOptions, private readonly warn: (line: string) => void = () => {}) {}

  /**
   * Cost in USD of one call, or null when the model is unknown.
   * @param generationMs local generation time, billed at `localCostPerHour`
   */
  cost(model: string, providerKind: Provider, usage: Usage, generationMs = 0): number | null {
    if (providerKind === 'local') return (this.options.localCostPerHour * generationMs) / 3_600_000;
    const override = this.options.overrides[model];
    if (override) return overrideCost(override, usage);
    const result = calcPrice(
      {
        input_tokens: usage.inputTokens,
        output_tokens: usage.outputTokens,
        ...(usage.cachedInputTokens ? { cache_read_tokens: usage.cachedInputTokens } : {}),
        ...(usage.cacheWriteTokens ? { cache_write_tokens: usage.cacheWriteTokens } : {}),
        ...(usage.cacheWrite1hTokens ? { cache_write_1h_tokens: usage.cacheWrite1hTokens } : {}),
      },
      model,
      providerIds[providerKind] ? { providerId: providerIds[providerKind] } : undefined,
    );
    if (result) return result.total_price;
    if (!this.warned.has(model)) {
      this.warned.add(model);
      this.warn(`no price known for model "${model}": its cost is recorded as unknown (add usage.priceOverrides.${model} to price it)`);
    }
    return null;
  }
}

function overrideCost(price: PriceOverride, usage: Usage): number {
  const read = usage.cachedInputTokens ?? 0;
  const write = usage.cacheWriteTokens ?? 0;
  const fresh = usage.inputTokens - read - write;
  return (fresh * price.inputMtok + read * (price.cacheReadMtok ?? price.inputMtok) + write * (price.cacheWriteMtok ?? price.inputMtok) + usage.outputTokens * price.outputMtok) / 1e6;
}
