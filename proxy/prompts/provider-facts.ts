/**
 * @module What providers publish about their prompt caches, in one table: the shortest prefix each model caches.
 * A prompt shorter than that is never cached, so reordering it for the cache saves nothing.
 *
 * Sources (read 2026-12): OpenAI, https://platform.openai.com/docs/guides/prompt-caching ("prompts that are 1024
 * tokens or longer"); Anthropic, https://docs.claude.com/en/docs/build-with-claude/prompt-caching ("Cache
 * limitations": the minimum cacheable prompt length per model).
 */

interface CacheFact {
  /** Matches the model name (provider prefixes such as `anthropic/` are allowed before it). */
  model: RegExp;
  minCacheableTokens: number;
}

/** First match wins: the specific Claude versions before the families. */
const CACHE_FACTS: CacheFact[] = [
  { model: /claude-(opus-4-[56]|haiku-4-5)|claude-(4\.[56]-opus|4\.5-haiku)/i, minCacheableTokens: 4096 },
  { model: /claude-sonnet-4-6/i, minCacheableTokens: 2048 },
  { model: /claude-(3-5-haiku|3-haiku|haiku-3)/i, minCacheableTokens: 2048 },
  { model: /claude/i, minCacheableTokens: 1024 },
  { model: /^(openai\/)?(gpt-|o\d|chatgpt)/i, minCacheableTokens: 1024 },
];

/** OpenAI's and most Claude models' floor, used for a model the table does not know. */
export const DEFAULT_MIN_CACHEABLE_TOKENS = 1024;

/** The shortest prompt prefix the model's provider caches, in tokens. */
export function minCacheableTokens(model: string): number {
  return CACHE_FACTS.find((fact) => fact.model.test(model))?.minCacheableTokens ?? DEFAULT_MIN_CACHEABLE_TOKENS;
}
