/**
 * @module What to try when the chosen provider cannot answer: the same provider again after its retry-after (with
 * backoff, for rate limits and transient upstream failures), then the configured fallback chain, then the local
 * model; a request sent to the local model that it cannot take (unavailable, busy, over its context) goes to the
 * cloud. Only failures before the first chunk fall back: a stream that breaks mid-way is an error, never a silently
 * different answer.
 */
import type { ChatRequest } from '../chat.ts';
import { ProxyError } from '../errors.ts';
import { selectRoute, type ModelCatalog, type RouteDecision } from './catalog.ts';

export interface FallbackOptions {
  /** Model names tried in order after the chosen one fails. */
  chain: string[];
  /** Try the local model last, after every cloud option failed. */
  lastResortLocal: boolean;
  /** Retries of the same provider for a rate limit or a transient failure. */
  retries: number;
  /** A retry-after longer than this moves on to the next option instead of waiting. */
  maxRetryAfterSeconds: number;
  /** First backoff step when the upstream gave no retry-after. */
  backoffMs: number;
}

/** The same provider may answer later: rate limits, overload, timeouts, 5xx. */
export function worthRetrying(error: unknown): boolean {
  return (
    error instanceof ProxyError &&
    ['rate_limit', 'overloaded', 'timeout', 'upstream'].includes(error.kind) &&
    !['upstream_auth', 'local_model_unavailable', 'low_confidence'].includes(error.options.code ?? '')
  );
}

/**
 * Another provider may answer: everything worth retrying, plus a request too long for this model's context or with a
 * constraint (a response format, a forced tool call) this provider cannot keep.
 */
export function worthFallingBack(error: unknown): boolean {
  return (
    worthRetrying(error) ||
    (error instanceof ProxyError &&
      [
        'context_length_exceeded',
        'local_model_unavailable',
        'upstream_auth',
        'low_confidence',
        'unsupported_parameter',
      ].includes(error.options.code ?? ''))
  );
}

/** How long to wait before retry `attempt` (0-based), or undefined to move on instead. */
export function retryDelayMs(error: unknown, attempt: number, options: FallbackOptions): number | undefined {
  if (attempt >= options.retries || !worthRetrying(error)) return undefined;
  const retryAfter = (error as ProxyError).options.retryAfterSeconds;
  if (retryAfter !== undefined) return retryAfter <= options.maxRetryAfterSeconds ? retryAfter * 1000 : undefined;
  return options.backoffMs * 2 ** attempt;
}

/** The decisions to try in order: the chosen one, the chain, then local (or, after local, the default cloud model). */
export function fallbackPlan(
  request: ChatRequest,
  first: RouteDecision,
  catalog: ModelCatalog,
  options: FallbackOptions,
): RouteDecision[] {
  const names = [...options.chain];
  if (first.target === 'local' && request.model === 'auto') names.unshift(catalog.defaultCloudModel);
  if (options.lastResortLocal && first.target === 'cloud' && catalog.local) names.push('local');
  const plan = [first];
  for (const name of names) {
    try {
      const next = selectRoute({ ...request, model: name }, catalog);
      if (!plan.some((d) => d.provider === next.provider && d.model === next.model))
        plan.push({ ...next, reason: `fallback to ${name}` });
    } catch {
      // not configured here: skip it
    }
  }
  return plan;
}
