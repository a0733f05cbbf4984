/**
 * @module The context lever's one door: `fitRequest`, and the token counters the other levers price and count with.
 * Nothing outside `proxy/context/` imports the strategies behind it.
 *
 * When and how the pipeline trims a request for the provider about to answer it. The local tier is always
 * fitted to its context. A cloud request is trimmed only when that saves a real share of its tokens and the client
 * does not manage its own prompt cache (its cache_control breakpoints are worth more than the trim); a conversation
 * sent to a provider that caches prefixes is trimmed only when it is over its budget.
 */
import type { ChatRequest } from '../chat.ts';
import { hasBreakpoint, wireOf } from '../wire.ts';
import type { StrategyReport } from './strategy.ts';
import { trimRequest } from './trim.ts';
import type { TrimOverrides } from './options.ts';
import type { CountText } from './tokens.ts';

export { localSummarizer } from './local-summarizer.ts';
export { DEFAULT_TRIM_OPTIONS, type TrimOverrides } from './options.ts';
export type { StrategyReport } from './strategy.ts';
export { countingRule, loadEncodingCounter, loadTokenCounter, type CountText, type TokenCounter } from './tokens.ts';

export interface FitOptions {
  overrides: TrimOverrides;
  /** A cloud request is trimmed only when that saves at least this share of its input tokens. */
  minCloudSaving: number;
  /** The local model's window and tokenizer, once loaded. */
  local?: () => { contextSize: number; countTokens: CountText } | undefined;
  /** Whether the provider caches the prefixes it is sent (OpenAI automatically; Anthropic where breakpoints are added). */
  cachesPrefix?: (target: TrimTarget) => boolean;
}

/** Where the request goes, as trimming needs to know it (a route decision is one). */
export interface TrimTarget {
  target: 'local' | 'cloud';
  /** The upstream's model name. */
  model: string;
  provider: { readonly kind: 'local' | 'openai' | 'anthropic' };
}

export interface Fitted {
  request: ChatRequest;
  tokensBefore: number;
  tokensAfter: number;
  report: StrategyReport[];
}

/**
 * A cloud request with less message text than this is sent as it is, without counting its tokens: it cannot exceed
 * a cloud window, and the most trimming could save on ~1k tokens is worth a hundredth of a cent. Most requests are
 * this small, and skipping them keeps the tokenizer off their path (and out of memory until a large one comes).
 */
const MIN_CLOUD_TRIM_CHARS = 4096;

/** Tokens of headroom below the local window: the chat template renders a little differently from our count. */
const LOCAL_MARGIN = 0.9;

/** The request trimmed for `decision`, or undefined to send it as it is. */
export async function fitRequest(
  request: ChatRequest,
  decision: TrimTarget,
  options: FitOptions,
  signal?: AbortSignal,
): Promise<Fitted | undefined> {
  if (decision.target === 'cloud' && messageChars(request) < MIN_CLOUD_TRIM_CHARS) return undefined;
  const tier = decision.target;
  const local = tier === 'local' ? options.local?.() : undefined;
  const wire = wireOf(request);
  if (tier === 'cloud' && wire && hasBreakpoint(wire.body)) return undefined;
  // A Responses body for OpenAI carries what the internal shape cannot (reasoning items, custom tools) and its own
  // prompt_cache_key: a trimmed copy would lose both. Another provider answers from the internal shape anyway.
  if (tier === 'cloud' && wire?.api === 'responses' && decision.provider.kind === 'openai') return undefined;
  const result = await trimRequest(
    { ...request, model: tier === 'local' ? 'local' : decision.model },
    {
      ...options.overrides,
      tier,
      ...(local
        ? {
            budgets: {
              ...(options.overrides.budgets as object),
              localContext: Math.floor(local.contextSize * LOCAL_MARGIN),
            } as never,
            localTokenizer: local.countTokens,
          }
        : {}),
    },
    { signal },
  );
  const saved = result.tokensBefore - result.tokensAfter;
  if (saved <= 0) return undefined;
  // A conversation's history is the provider's cached prefix, read at a tenth of the price: trimming it differently
  // from one turn to the next rewrites that prefix, which cost more than the trim saved (on gpt-4.1, replaying 22
  // SWE-agent sessions cost 2.8% more than sending them as they were). Only a request over its budget is fitted.
  if (
    tier === 'cloud' &&
    options.cachesPrefix?.(decision) &&
    continues(request) &&
    result.tokensBefore <= result.budget
  )
    return undefined;
  if (tier === 'cloud' && saved < options.minCloudSaving * result.tokensBefore) return undefined;
  // A new object: the caller's own body no longer goes with it (see wire.ts), fields only the body had are lost.
  return {
    request: { ...result.request, model: request.model },
    tokensBefore: result.tokensBefore,
    tokensAfter: result.tokensAfter,
    report: result.report,
  };
}

/** A request that continues a conversation: it carries an earlier answer, so its history was sent before. */
function continues(request: ChatRequest): boolean {
  return request.messages.some((m) => m.role === 'assistant');
}

function messageChars(request: ChatRequest): number {
  let chars = 0;
  for (const message of request.messages) {
    for (const part of message.content) if (part.type === 'text') chars += part.text.length;
    for (const call of message.toolCalls ?? []) chars += call.arguments.length;
  }
  return chars;
}
