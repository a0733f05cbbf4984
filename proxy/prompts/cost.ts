/**
 * @module What a found prompt costs per call: its tokens (js-tiktoken on the text resolved in the file, through the
 * proxy's own counting rules, plus estimates for run-time values) and dollars (the proxy's genai-prices pricing):
 * input plus expected output, the same with the cacheable prefix read from the provider's cache, and on the local
 * tier.
 */
import { countingRule, loadEncodingCounter, type CountText } from '../context/index.ts';
import { Pricing, type PriceOverride } from '../usage/index.ts';
import { minCacheableTokens } from './provider-facts.ts';
import type { FoundPrompt, PromptCost } from './types.ts';

export interface CostOptions {
  /** The model for calls that do not name one in a literal. */
  defaultModel: string;
  /** Output tokens assumed per call when the call sets no lower `max_tokens`. */
  expectedOutputTokens: number;
  /** Dollars per hour of local generation (the proxy's `usage.localCostPerHour`; 0: the GPU is paid for). */
  localCostPerHour: number;
  /** Local generation speed assumed for the local-tier price: prompt and output tokens per second. */
  localPromptTokensPerSecond: number;
  localOutputTokensPerSecond: number;
  /** Prices for models genai-prices does not know (the proxy's `usage.priceOverrides`). */
  priceOverrides: Record<string, PriceOverride>;
}

export const DEFAULT_COST_OPTIONS: CostOptions = {
  defaultModel: 'gpt-4o-mini',
  expectedOutputTokens: 256,
  localCostPerHour: 0,
  localPromptTokensPerSecond: 500,
  localOutputTokensPerSecond: 30,
  priceOverrides: {},
};

/** genai-prices' provider for a call: the SDK's own, else guessed from the model name (else genai-prices matches). */
function providerOf(prompt: FoundPrompt, model: string): string {
  if (model === 'local') return 'local';
  if (prompt.kind.startsWith('openai.')) return 'openai';
  if (prompt.kind === 'anthropic.messages') return 'anthropic';
  if (/claude/i.test(model)) return 'anthropic';
  if (/^(gpt-|o\d|chatgpt|text-embedding)/i.test(model)) return 'openai';
  return 'any';
}

/** Resolved text of each message: the text known in the file, run-time values left out. */
export function messageTexts(prompt: FoundPrompt): string[] {
  return prompt.messages.map((m) => m.parts.map((p) => (p.kind === 'static' ? p.text : '')).join(''));
}

/** Counts a prompt's text for its model. */
export interface PromptCounter {
  /** The encoding's exact count. */
  raw: CountText;
  /** What the model's family is estimated to use per encoding token (1 for OpenAI models). */
  factor: number;
  exact: boolean;
  /** The model's count for one text. */
  text: CountText;
}

/** Prices prompts; one per analysis run, so the price lookups are shared. */
export class PromptPricer {
  private readonly pricing: Pricing;

  constructor(private readonly options: CostOptions) {
    this.pricing = new Pricing({ overrides: options.priceOverrides, localCostPerHour: options.localCostPerHour });
  }

  /**
   * The model's token count for a piece of text (loaded once per encoding). Families counted with another family's
   * tokenizer get their factor on the total, so small messages are not each rounded up.
   */
  async counterFor(prompt: FoundPrompt): Promise<PromptCounter> {
    const rule = countingRule(prompt.model ?? this.options.defaultModel);
    const raw = await loadEncodingCounter(rule.encoding);
    return {
      raw,
      factor: rule.factor,
      exact: rule.exact && prompt.model !== 'local',
      text: (text) => Math.ceil(raw(text) * rule.factor),
    };
  }

  cost(prompt: FoundPrompt, counter: PromptCounter): PromptCost {
    const model = prompt.model ?? this.options.defaultModel;
    let raw = 0;
    let dynamicTokens = 0;
    let prefix = 0;
    let prefixOpen = true;
    for (const message of prompt.messages) {
      let text = '';
      for (const part of message.parts) {
        if (part.kind === 'static') {
          text += part.text;
          continue;
        }
        dynamicTokens += part.estimateTokens;
        if (prefixOpen) prefix += counter.raw(text);
        prefixOpen = false;
      }
      const tokens = counter.raw(text);
      raw += tokens;
      if (prefixOpen) prefix += tokens;
    }
    const staticTokens = Math.ceil(raw * counter.factor);
    prefix = Math.ceil(prefix * counter.factor);
    const inputTokens = staticTokens + dynamicTokens;
    const expectedOutputTokens = Math.min(prompt.maxOutputTokens ?? Infinity, this.options.expectedOutputTokens);
    const provider = providerOf(prompt, model);
    const minCacheable = minCacheableTokens(model);
    const price = (cached: number) =>
      this.pricing.cost(model, provider, {
        inputTokens,
        outputTokens: expectedOutputTokens,
        ...(cached ? { cachedInputTokens: cached } : {}),
      });
    const o = this.options;
    const localMs =
      (inputTokens / o.localPromptTokensPerSecond + expectedOutputTokens / o.localOutputTokensPerSecond) * 1000;
    return {
      model,
      modelFromCall: prompt.model !== undefined,
      staticTokens,
      dynamicTokens,
      inputTokens,
      estimated: dynamicTokens > 0 || !counter.exact,
      sizeUnknown: raw === 0,
      expectedOutputTokens,
      cacheablePrefixTokens: prefix,
      costPerCall: price(0),
      minCacheableTokens: minCacheable,
      cachedCostPerCall: price(prefix >= minCacheable ? prefix : 0),
      localCostPerCall:
        this.pricing.cost('local', 'local', { inputTokens, outputTokens: expectedOutputTokens }, localMs) ?? 0,
    };
  }
}
