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
  const param = paramFor(api, error.options.param);
  // A message that opens with the internal field name says it the caller's way.
  const message =
    param && error.options.param && param !== error.options.param && error.message.startsWith(`${error.options.param}:`)
      ? `${param}${error.message.slice(error.options.param.length)}`
      : error.message;
  if (api === 'anthropic') return { type: 'error', error: { type: anthropicType[error.kind], message } };
  return {
    error: {
      message,
      type: openaiType[error.kind],
      param,
      code: error.options.code ?? (error.kind === 'not_found' ? 'model_not_found' : null),
    },
  };
}

/**
 * Errors raised past the API layer name the internal field in chat-completions words (`messages`,
 * `response_format`); the other APIs' callers sent it under their own name. Keys are field-path prefixes.
 */
const callerFields: Record<Exclude<WireApi, 'openai'>, Record<string, string>> = {
  responses: {
    messages: 'input',
    response_format: 'text.format',
    'response_format.json_schema': 'text.format',
    reasoning_effort: 'reasoning.effort',
  },
  anthropic: {
    response_format: 'output_config.format',
    'response_format.json_schema': 'output_config.format',
    stop: 'stop_sequences',
  },
};

function paramFor(api: WireApi, param: string | undefined): string | null {
  if (param === undefined) return null;
  if (api === 'openai') return param;
  const names = callerFields[api];
  const prefix = Object.keys(names)
    .filter((k) => param === k || param.startsWith(`${k}.`))
    .sort((a, b) => b.length - a.length)[0];
  return prefix === undefined ? param : `${names[prefix]}${param.slice(prefix.length)}`;
}
