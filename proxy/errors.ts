/**
 * @module Errors that carry an HTTP meaning. Anything thrown below `api/` that should reach the caller as a
 * specific status is a `ProxyError`; `api/` renders it in the caller's own error shape.
 */

export type ErrorKind =
  | 'invalid_request' // 400
  | 'authentication' // 401
  | 'permission' // 403
  | 'not_found' // 404
  | 'too_large' // 413
  | 'rate_limit' // 429
  | 'upstream' // 502
  | 'overloaded' // 503
  | 'timeout'; // 504

const statusOf: Record<ErrorKind, number> = {
  invalid_request: 400,
  authentication: 401,
  permission: 403,
  not_found: 404,
  too_large: 413,
  rate_limit: 429,
  upstream: 502,
  overloaded: 503,
  timeout: 504,
};

export class ProxyError extends Error {
  readonly status: number;
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly options: {
      status?: number;
      code?: string;
      param?: string;
      retryAfterSeconds?: number;
      /** Asking again will not help (a session limit): callers are told not to retry (`x-should-retry: false`). */
      final?: boolean;
    } = {},
  ) {
    super(message);
    this.status = options.status ?? statusOf[kind];
  }
}

/** A caller mistake: 400 with the offending field named. */
export function badRequest(message: string, param?: string): ProxyError {
  return new ProxyError('invalid_request', message, { param });
}

/** Maps an upstream HTTP status onto our kinds, so a provider's 429 stays a 429 for our caller. */
export function kindForUpstreamStatus(status: number): ErrorKind {
  if (status === 400 || status === 422) return 'invalid_request';
  if (status === 401) return 'authentication';
  if (status === 403) return 'permission';
  if (status === 404) return 'not_found';
  if (status === 413) return 'too_large';
  if (status === 429) return 'rate_limit';
  if (status === 503 || status === 529) return 'overloaded';
  if (status === 504) return 'timeout';
  return 'upstream';
}
