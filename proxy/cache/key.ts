/**
 * @module The exact-cache key: a hash of everything that can change the answer — the resolved provider and model,
 * and the caller's whole body (messages, tools, tool_choice, response_format, sampling, stop, …) — and of nothing
 * else: key order and whitespace of the JSON, client headers, and fields that only steer delivery or bookkeeping.
 */
import { createHash } from 'node:crypto';
import type { ChatRequest } from '../chat.ts';
import { encodeChatCompletion } from '../providers/openai/encode.ts';

/** Body fields that never change the answer's content. */
const delivery = new Set(['model', 'stream', 'stream_options', 'user', 'metadata', 'store', 'prompt_cache_key', 'service_tier']);

/** JSON with object keys sorted at every depth, so equal bodies hash equal however they were written. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The answer-relevant body: the caller's own (so unknown fields count), or the internal request's encoding. */
function answerBody(request: ChatRequest): Record<string, unknown> {
  const body = request.source?.body ?? encodeChatCompletion(request, request.model);
  const relevant: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (!delivery.has(key)) relevant[key] = value;
  return relevant;
}

/** Key of a request as resolved to `provider`/`model`. */
export function exactKey(request: ChatRequest, provider: string, model: string): string {
  return createHash('sha256').update(canonicalJson({ v: 1, api: request.source?.api ?? 'internal', provider, model, body: answerBody(request) })).digest('base64url');
}

/** A deterministic request gives the same answer every time: temperature 0, or a fixed seed. */
export function isDeterministic(request: ChatRequest): boolean {
  return request.temperature === 0 || request.seed !== undefined;
}

/**
 * The question a semantic hit may match on, and the key of everything else: a semantic hit requires that all but the
 * final user message be identical (system prompt, tools, earlier turns, model, parameters). Undefined when the
 * request is not a plain question: tool results (answers depend on them), images, or no final user text.
 */
export function semanticParts(request: ChatRequest, provider: string, model: string): { contextKey: string; question: string } | undefined {
  const last = request.messages.at(-1);
  if (!last || last.role !== 'user' || last.content.some((p) => p.type !== 'text')) return undefined;
  if (request.messages.some((m) => m.role === 'tool')) return undefined;
  const question = last.content.map((p) => (p as { text: string }).text).join('');
  const body = answerBody(request);
  const context = { ...body, messages: Array.isArray(body.messages) ? body.messages.slice(0, -1) : body.messages };
  return { contextKey: createHash('sha256').update(canonicalJson({ v: 1, semantic: true, api: request.source?.api ?? 'internal', provider, model, body: context })).digest('base64url'), question };
}
