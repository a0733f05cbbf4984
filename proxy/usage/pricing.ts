/**
 * @module Dollar cost of a usage, from @pydantic/genai-prices (input, output, cache read, 5-minute and 1-hour cache
 * writes), per-model overrides for private deployments, and GPU time for the local model. An unknown model costs
 * `null` — never a guess presented as fact.
 */
import { createRequire } from 'node:module';
import type { Usage } from '../chat.ts';
import { printable } from '../printable.ts';

type GenaiPrices = typeof import('@pydantic/genai-prices');
let genaiPrices: GenaiPrices | undefined;

/**
 * genai-prices builds its whole price table when loaded (~17 MB, ~100 ms), so it loads on the first price asked
 * (the usage batch, after a response) rather than at startup. `require` is what the bundler inlines as a lazily run
 * module; the source run by tsx has no `require` and loads the package's CommonJS build instead.
 */
function calcPrice(...args: Parameters<GenaiPrices['calcPrice']>): ReturnType<GenaiPrices['calcPrice']> {
  genaiPrices ??= (
    typeof require === 'function'
      ? require('@pydantic/genai-prices')
      : createRequire(import.meta.url)('@pydantic/genai-prices')
  ) as GenaiPrices;
  return genaiPrices.calcPrice(...args);
}

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

/** A model's per-million-token prices when they are flat (no tiers or conditions), read from genai-prices. */
interface FlatPrice {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  cacheWrite1h: number;
}

/** genai-prices' own lookup costs ~40 µs; a model's flat prices are looked up once an hour instead. */
const PRICE_TABLE_TTL_MS = 3_600_000;

/** Model names whose price lookups (and unknown-price warnings) are remembered. */
const MAX_REMEMBERED_MODELS = 1000;

export class Pricing {
  private readonly warned = new Set<string>();
  private readonly tables = new Map<string, { price: FlatPrice | 'tiered' | 'unknown'; at: number }>();

  constructor(
    private readonly options: PricingOptions,
    private readonly warn: (line: string) => void = () => {},
  ) {}

  /**
   * Cost in USD of one call, or null when the model is unknown.
   * @param generationMs local generation time, billed at `localCostPerHour`
   */
  cost(model: string, providerKind: Provider, usage: Usage, generationMs = 0): number | null {
    if (providerKind === 'local') return (this.options.localCostPerHour * generationMs) / 3_600_000;
    const override = this.options.overrides[model];
    if (override) return overrideCost(override, usage);
    const table = this.tableFor(model, providerKind);
    if (table === 'unknown') return this.unknown(model);
    if (table !== 'tiered') return flatCost(table, usage);
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
    return result ? result.total_price : this.unknown(model);
  }

  private tableFor(model: string, providerKind: Provider): FlatPrice | 'tiered' | 'unknown' {
    const key = `${providerKind}\0${model}`;
    const cached = this.tables.get(key);
    if (cached && Date.now() - cached.at < PRICE_TABLE_TTL_MS) return cached.price;
    const probe = calcPrice(
      { input_tokens: 1, output_tokens: 1 },
      model,
      providerIds[providerKind] ? { providerId: providerIds[providerKind] } : undefined,
    );
    const price = probe ? flatPriceOf(probe.model_price) : 'unknown';
    // Callers choose model names: a flood of made-up ones must not grow the table for good.
    if (this.tables.size >= MAX_REMEMBERED_MODELS) this.tables.clear();
    this.tables.set(key, { price, at: Date.now() });
    return price;
  }

  private unknown(model: string): null {
    if (!this.warned.has(model) && this.warned.size < MAX_REMEMBERED_MODELS) {
      this.warned.add(model);
      this.warn(
        `no price known for model "${printable(model)}": its cost is recorded as unknown (add usage.priceOverrides.${printable(model)} to price it)`,
      );
    }
    return null;
  }
}

/** The flat prices of a genai-prices entry, or 'tiered' when any price depends on volume or time. */
function flatPriceOf(prices: Record<string, unknown>): FlatPrice | 'tiered' {
  const read = (name: string): number | undefined | 'tiered' => {
    const value = prices[name];
    if (value === undefined) return undefined;
    return typeof value === 'number' ? value : 'tiered';
  };
  const [input, output, cacheRead, cacheWrite, cacheWrite1h] = [
    'input_mtok',
    'output_mtok',
    'cache_read_mtok',
    'cache_write_mtok',
    'cache_write_1h_mtok',
  ].map(read);
  if (
    [input, output, cacheRead, cacheWrite, cacheWrite1h].includes('tiered') ||
    input === undefined ||
    output === undefined
  )
    return 'tiered';
  // A missing cache price means those tokens are billed as plain input, as genai-prices itself does.
  const write = (cacheWrite as number | undefined) ?? (input as number);
  return {
    input: input as number,
    output: output as number,
    cacheRead: (cacheRead as number | undefined) ?? (input as number),
    cacheWrite: write,
    cacheWrite1h: (cacheWrite1h as number | undefined) ?? write,
  };
}

function flatCost(price: FlatPrice, usage: Usage): number {
  const read = usage.cachedInputTokens ?? 0;
  const write = usage.cacheWriteTokens ?? 0;
  const write1h = usage.cacheWrite1hTokens ?? 0;
  const fresh = usage.inputTokens - read - write;
  return (
    (fresh * price.input +
      read * price.cacheRead +
      (write - write1h) * price.cacheWrite +
      write1h * price.cacheWrite1h +
      usage.outputTokens * price.output) /
    1e6
  );
}

function overrideCost(price: PriceOverride, usage: Usage): number {
  const read = usage.cachedInputTokens ?? 0;
  const write = usage.cacheWriteTokens ?? 0;
  const fresh = usage.inputTokens - read - write;
  return (
    (fresh * price.inputMtok +
      read * (price.cacheReadMtok ?? price.inputMtok) +
      write * (price.cacheWriteMtok ?? price.inputMtok) +
      usage.outputTokens * price.outputMtok) /
    1e6
  );
}
