/**
 * @module One finished request, as the ledger, the live feed and the metrics see it: tokens, dollars, what the
 * baseline model would have cost, and the saving split by lever.
 */
import { LEVERS, type Lever } from '../../shared/protocol.ts';

export { LEVERS, type Lever };
import type { Usage } from '../chat.ts';
import type { Pricing, Provider } from './pricing.ts';

/** What the pipeline knows when a request ends; cheap to build on the hot path (pricing comes later). */
export interface FinishedRequest {
  /** Completion time, ms since the epoch. */
  time: number;
  client: string;
  /** The agent conversation it belongs to (the session breaker's id: the agent's session id, else its first message's hash). */
  conversation?: string;
  api: 'openai' | 'anthropic' | 'responses';
  modelAsked: string;
  modelUsed: string;
  provider: string;
  providerKind: Provider;
  route: 'local' | 'cloud';
  reason: string;
  cache: 'miss' | 'exact' | 'semantic' | 'coalesced';
  stream: boolean;
  /** HTTP status the caller got (or would have: 499 when it left). */
  status: number;
  error?: string;
  usage: Usage;
  /** Tokens were counted by the proxy, not reported by the provider. */
  tokensEstimated: boolean;
  /** Input tokens before any trimming (the baseline pays for these). */
  originalInputTokens: number;
  /** Tokens before / after each trimming strategy, when the request was trimmed. */
  trim?: { strategy: string; tokensBefore: number; tokensAfter: number }[];
  latencyMs: number;
  /** Time to the first answer chunk. */
  firstChunkMs?: number;
  overheadMs: number;
  /** Time spent generating on the local model (for $/hour pricing). */
  generationMs: number;
}

export interface UsageRecord extends FinishedRequest {
  id: number;
  costUsd: number | null;
  baselineModel: string;
  baselineCostUsd: number | null;
  savedUsd: Record<Lever, number>;
}

export interface BaselineOptions {
  /** A fixed baseline for every request; unset: the model the client named, or `premiumModel` for auto/local. */
  baselineModel?: string;
  premiumModel: string;
}

/** The model a request is measured against. */
export function baselineModelFor(modelAsked: string, options: BaselineOptions): string {
  if (options.baselineModel) return options.baselineModel;
  return modelAsked === 'auto' || modelAsked === 'local'
    ? options.premiumModel
    : modelAsked.replace(/^[a-z0-9_-]+\//, '');
}

function kindOfBaseline(model: string): Provider {
  return /^claude-/.test(model) ? 'anthropic' : /^(gpt-|o[1-9]|chatgpt-)/.test(model) ? 'openai' : model;
}

/** What producing an answer costs on the model that produced it (the local model: by its generation time). */
export function answerCost(
  finished: Pick<FinishedRequest, 'modelUsed' | 'providerKind' | 'usage' | 'generationMs'>,
  pricing: Pricing,
): number | null {
  return pricing.cost(finished.modelUsed, finished.providerKind, finished.usage, finished.generationMs);
}

/** What a request paid: its answer's cost on a miss; nothing when the cache or a shared call served it. */
export function paidCost(
  finished: Pick<FinishedRequest, 'cache' | 'modelUsed' | 'providerKind' | 'usage' | 'generationMs'>,
  pricing: Pricing,
): number | null {
  return finished.cache === 'miss' ? answerCost(finished, pricing) : 0;
}

/**
 * Prices a finished request and splits the saving, so that the levers add up to baseline − cost:
 * `routing` = baseline − the model used at full input price for the untrimmed prompt; `trimming` = what trimming
 * took off that; `promptCache` = what the provider's cache reads/writes
 * changed on that model; `cache` / `coalescing` = what producing the answer cost, when the proxy served it for free.
 * The baseline pays full price for the untrimmed prompt. Levers not yet built record 0.
 */
export function priceRequest(
  id: number,
  finished: FinishedRequest,
  pricing: Pricing,
  options: BaselineOptions,
): UsageRecord {
  const { usage } = finished;
  const savedUsd: Record<Lever, number> = { cache: 0, coalescing: 0, routing: 0, trimming: 0, promptCache: 0 };
  const baselineModel = baselineModelFor(finished.modelAsked, options);
  if (finished.status >= 400 && !usage.inputTokens && !usage.outputTokens)
    return withPrice(finished, id, 0, baselineModel, 0, savedUsd);

  const produced = answerCost(finished, pricing);
  const costUsd = finished.cache === 'miss' ? produced : 0;
  const baselineCostUsd = pricing.cost(baselineModel, kindOfBaseline(baselineModel), {
    inputTokens: finished.originalInputTokens,
    outputTokens: usage.outputTokens,
  });
  if (produced !== null && baselineCostUsd !== null) {
    const fullPrice =
      pricing.cost(
        finished.modelUsed,
        finished.providerKind,
        { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens },
        finished.generationMs,
      ) ?? produced;
    const untrimmed =
      pricing.cost(
        finished.modelUsed,
        finished.providerKind,
        { inputTokens: finished.originalInputTokens, outputTokens: usage.outputTokens },
        finished.generationMs,
      ) ?? fullPrice;
    savedUsd.routing = baselineCostUsd - untrimmed;
    savedUsd.trimming = untrimmed - fullPrice;
    savedUsd.promptCache = fullPrice - produced;
    if (finished.cache === 'coalesced') savedUsd.coalescing = produced;
    else if (finished.cache !== 'miss') savedUsd.cache = produced;
  }
  return withPrice(finished, id, costUsd, baselineModel, baselineCostUsd, savedUsd);
}

/**
 * The record: every field spelled out. `{ ...finished, id, … }` did the same at 50× the cost (V8 clones a
 * 20-field object through its slow path: ~15 µs per request, measured in bench/profile-overhead.ts); the mapped
 * type makes the compiler reject a field missing here.
 */
function withPrice(
  f: FinishedRequest,
  id: number,
  costUsd: number | null,
  baselineModel: string,
  baselineCostUsd: number | null,
  savedUsd: Record<Lever, number>,
): UsageRecord {
  const record: { [K in keyof Required<UsageRecord>]: UsageRecord[K] } = {
    time: f.time,
    client: f.client,
    conversation: f.conversation,
    api: f.api,
    modelAsked: f.modelAsked,
    modelUsed: f.modelUsed,
    provider: f.provider,
    providerKind: f.providerKind,
    route: f.route,
    reason: f.reason,
    cache: f.cache,
    stream: f.stream,
    status: f.status,
    error: f.error,
    usage: f.usage,
    tokensEstimated: f.tokensEstimated,
    originalInputTokens: f.originalInputTokens,
    trim: f.trim,
    latencyMs: f.latencyMs,
    firstChunkMs: f.firstChunkMs,
    overheadMs: f.overheadMs,
    generationMs: f.generationMs,
    id,
    costUsd,
    baselineModel,
    baselineCostUsd,
    savedUsd,
  };
  return record;
}

/** Total saved by all levers. */
export function totalSaved(record: Pick<UsageRecord, 'savedUsd'>): number {
  let sum = 0;
  for (const lever of LEVERS) sum += record.savedUsd[lever];
  return sum;
}
