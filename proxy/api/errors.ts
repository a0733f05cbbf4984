/**
 * @module Renders any error in the caller's API error shape: OpenAI `{error:{message,type,param,code}}` or
 * Anthropic `{type:"error", error:{type,message}}`. Unknown errors become a 500 without leaking internals.
 */
import type { ErrorKind } from '../errors.ts';
import { ProxyError } from '../errors.ts';

/** `responses` is OpenAI's Responses API: its errors have OpenAI's shape. */
export type WireApi = 'openai' | 'anthropic' | 'responses';

const openaiType: Record<ErrorKind, string> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'invalid_request_error',
  too_large: 'invalid_request_error',
  rate_limit: 'rate_limit_error',
  upstream: 'upstream_error',
  overloaded: 'server_error',
  timeout: 'timeout_error',
};

const anthropicType: Record<ErrorKind, string> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  too_large: 'request_too_large',
  rate_limit: 'rate_limit_error',
  upstream: 'api_error',
  overloaded: 'overloaded_error',
  timeout: 'timeout_error',
};

/** Normalises anything thrown into a ProxyError (internal errors keep their message in the log, not the reply). */
export function toProxyError(error: unknown): ProxyError {
  if (error instanceof ProxyError) return error;
  return new ProxyError('upstream', 'internal error in the Tokenwise proxy', { status: 500, code: 'internal_error' });
}

/** The JSON error body for a caller of the given API. */
export function errorBody(api: WireApi, error: ProxyError): Record<string, unknown> {
  if (api === 'anthropic') return { type: 'error', error: { type: anthropicType[error.kind], message: error.message } };
  return {
    error: {
      message: error.message,
      type: openaiType[error.kind],
      param: paramFor(api, error.options.param),
      code: error.options.code ?? (error.kind === 'not_found' ? 'model_not_found' : null),
    },
  };
}

/** Errors raised past the API layer name the internal field (`messages`); a Responses caller sent it as `input`. */
function paramFor(api: WireApi, param: string | undefined): string | null {
  if (param === undefined) return null;
  return api === 'responses' && param === 'messages' ? 'input' : param;
}
