/**
 * @module Every knob of context trimming, with its default, in one place: the proxy config maps onto `TrimOptions`
 * and nothing else holds a default.
 */
import type { Embed } from './relevance.ts';
import type { SummaryCache, Summarizer } from './summary.ts';
import type { CountText } from './tokens.ts';

export type Tier = 'local' | 'cloud';

export interface TrimBudgets {
  /** The local model's context window, shared by input and output (the local provider's own size when known). */
  localContext: number;
  /** A cloud model's window when the caller does not know the model's own (e.g. from the price catalog). */
  cloudContext: number;
  /** A cap on input tokens sent to a paid model, to bound one request's cost; unset: the window alone. */
  maxInputTokens?: number;
  /** Output tokens kept free when the request sets no max_tokens. */
  reserveOutput: number;
}

export interface NormalizeOptions {
  enabled: boolean;
}

export interface DedupeOptions {
  enabled: boolean;
  /** Smaller repeats ("ok", a short command) are left alone: the reference would cost about as much. */
  minTokens: number;
}

export interface TruncateOptions {
  enabled: boolean;
  /** Tool results longer than this are cut to about this size. */
  maxTokens: number;
  /** The same for the tool results the model is about to act on (after its last message), which it reads closely. */
  maxTokensLatest: number;
  /** Share of the kept size given to the start of the output; as much again goes to its end, the rest to error lines. */
  headShare: number;
}

export interface SelectOptions {
  enabled: boolean;
  /** Fewer documents than this in one message is not a retrieval dump: nothing is selected. */
  minPassages: number;
  /** Passages scoring below this share of the best passage's relevance (after the bridge) are dropped. */
  minRelevance: number;
  /** Bridge steps (0: plain BM25) and the share of relevance each step passes on. */
  hops: number;
  hopDecay: number;
  /** Optional hard limits on what is kept, applied in relevance order: a top-k and a token budget. */
  maxPassages?: number;
  maxTokens?: number;
  /** An embedding model, when one is loaded; selection is lexical without it. */
  embed?: Embed;
}

export interface SummaryOptions {
  /** Needs a summarizer; without one, history over budget is windowed instead. */
  enabled: boolean;
  summarizer?: Summarizer;
  cache?: SummaryCache;
  /** After summarizing, the kept recent turns fill at most this share of the budget, so the next turns fit too. */
  keepShare: number;
}

export interface WindowOptions {
  enabled: boolean;
}

export interface TrimOptions {
  /** Which tier's budget applies. */
  tier: Tier;
  budgets: TrimBudgets;
  /** The local model's tokenizer, used to count for the local tier. */
  localTokenizer?: CountText;
  normalize: NormalizeOptions;
  dedupe: DedupeOptions;
  truncate: TruncateOptions;
  select: SelectOptions;
  summary: SummaryOptions;
  window: WindowOptions;
}

/**
 * The defaults. Selection's come from a grid over the threshold, the hop decay and the co-mention weight on the
 * three context dev sets (HotpotQA, MuSiQue, SQuAD; `tokenwise eval context`): the setting that cuts most while
 * every set keeps answer_retention ≥ 0.95 and relevant_recall ≥ 0.9. MuSiQue's answer retention is what binds.
 * It was picked on the sets it is reported on, so expect a little less on new data.
 */
export const DEFAULT_TRIM_OPTIONS: TrimOptions = {
  tier: 'cloud',
  budgets: { localContext: 8192, cloudContext: 128_000, reserveOutput: 1024 },
  normalize: { enabled: true },
  dedupe: { enabled: true, minTokens: 64 },
  truncate: { enabled: true, maxTokens: 2000, maxTokensLatest: 8000, headShare: 0.4 },
  select: { enabled: true, minPassages: 3, minRelevance: 0.4, hops: 2, hopDecay: 0.9 },
  summary: { enabled: false, keepShare: 0.5 },
  window: { enabled: true },
};

export type TrimOverrides = {
  [K in keyof TrimOptions]?: TrimOptions[K] extends object ? Partial<TrimOptions[K]> : TrimOptions[K];
};

/** Defaults with the caller's overrides on top, one level deep (each strategy's options merge separately). */
export function resolveTrimOptions(overrides: TrimOverrides = {}): TrimOptions {
  const merged: Record<string, unknown> = { ...DEFAULT_TRIM_OPTIONS };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const base = (DEFAULT_TRIM_OPTIONS as unknown as Record<string, unknown>)[key];
    merged[key] =
      base && typeof base === 'object' && typeof value === 'object' && typeof value !== 'function'
        ? { ...base, ...value }
        : value;
  }
  return merged as unknown as TrimOptions;
}

/** Input tokens a request may use on a tier: the window less the output it asks for, and the cost cap on cloud. */
export function inputBudget(
  tier: Tier,
  budgets: TrimBudgets,
  maxTokens: number | undefined,
  cloudContext = budgets.cloudContext,
): number {
  const window = tier === 'local' ? budgets.localContext : cloudContext;
  const room = window - (maxTokens ?? budgets.reserveOutput);
  return tier === 'cloud' && budgets.maxInputTokens !== undefined ? Math.min(room, budgets.maxInputTokens) : room;
}
