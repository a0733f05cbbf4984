/**
 * @module What each routing record's cloud call costs: its prompt counted with the strong model's tokenizer, its
 * answer from the record's `output_chars` (about 4 characters a token), priced by @pydantic/genai-prices. The
 * local model costs $0.
 */
import { calcPrice } from '@pydantic/genai-prices';
import { loadTokenCounter, type TokenCounter } from '../context/tokens.ts';
import { chatMessagesOf, type RoutingRecord } from './training/routing-data.ts';

/**
 * Output tokens of a record without `output_chars`. The only such data, MMLU, was answered with a single token:
 * RouteLLM generated it with `max_new_tokens=1` (routellm/evals/mmlu/generate_responses.py).
 */
export const DEFAULT_OUTPUT_TOKENS = 1;
const CHARS_PER_TOKEN = 4;

export interface CloudCosts {
  /** Dollars per record, or 1 per record (a count of calls) when some strong model has no known price. */
  costs: number[];
  /** Strong models genai-prices does not know. */
  unpriced: string[];
}

export async function cloudCosts(
  records: readonly RoutingRecord[],
  outputTokens = DEFAULT_OUTPUT_TOKENS,
): Promise<CloudCosts> {
  const counters = new Map<string, TokenCounter>();
  const costs: number[] = [];
  const unpriced = new Set<string>();
  for (const record of records) {
    const model = record.strong.model;
    let counter = counters.get(model);
    if (!counter) counters.set(model, (counter = await loadTokenCounter(model)));
    const chars = record.strong.output_chars;
    const usage = {
      input_tokens: counter.request({ messages: chatMessagesOf(record) }),
      output_tokens: chars === null ? outputTokens : Math.ceil(chars / CHARS_PER_TOKEN),
    };
    const price = calcPrice(usage, model);
    if (!price) unpriced.add(model);
    costs.push(price?.total_price ?? 0);
  }
  return unpriced.size ? { costs: costs.map(() => 1), unpriced: [...unpriced] } : { costs, unpriced: [] };
}
