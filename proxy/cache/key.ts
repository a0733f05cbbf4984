/**
 * @module The exact-cache key: a hash of everything that can change the answer — the resolved provider and model,
 * and the caller's whole body (messages, tools, tool_choice, response_format, sampling, stop, …) — and of nothing
 * else: key order and whitespace of the JSON, client headers, and fields that only steer delivery or bookkeeping.
 */
import { createHash } from 'node:crypto';
import type { ChatRequest } from '../chat.ts';
import { wireOf } from '../wire.ts';

/** Body fields that never change the answer's content. */
const delivery = new Set([
  'model',
  'stream',
  'stream_options',
  'user',
  'metadata',
  'store',
  'prompt_cache_key',
  'service_tier',
]);

/** JSON with object keys sorted at every depth, so equal bodies hash equal however they were written. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The answer-relevant body: the caller's own while the request is unchanged since parsing (so fields the internal
 * shape does not hold, sent upstream as they came, count), else the internal request itself.
 */
function answerBody(request: ChatRequest): Record<string, unknown> {
  const body: object = wireOf(request)?.body ?? request;
  const relevant: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (!delivery.has(key)) relevant[key] = value;
  return relevant;
}

export interface RequestKeys {
  /** The exact-cache key. */
  exact: string;
  /** Where a semantic hit may come from, when the request is a plain question (see `semanticQuestion`). */
  semantic?: { contextKey: string; question: string };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

/**
 * The cache keys of a request as resolved to `provider`/`model`. The body is canonicalised once, message by message,
 * and both keys are hashed from those pieces: agents send bodies of ~100 KB on every turn.
 */
export function requestKeys(request: ChatRequest, provider: string, model: string): RequestKeys {
  // The conversation (a Responses body's `input`) is hashed item by item, so the semantic key can leave out the last.
  const api = wireOf(request)?.api;
  const { [api === 'responses' ? 'input' : 'messages']: messages, ...rest } = answerBody(request);
  const header = canonicalJson({ v: 2, api: api ?? 'internal', provider, model, body: rest });
  const parts = Array.isArray(messages) ? messages.map(canonicalJson) : [canonicalJson(messages)];
  const exact = sha256(`${header}\n${parts.join(',')}`);
  const question = semanticQuestion(request);
  if (question === undefined) return { exact };
  // Everything but the final user message: a semantic hit may only ever come from an identical context.
  return { exact, semantic: { contextKey: sha256(`semantic\n${header}\n${parts.slice(0, -1).join(',')}`), question } };
}

/** Key of a request as resolved to `provider`/`model`. */
export function exactKey(request: ChatRequest, provider: string, model: string): string {
  return requestKeys(request, provider, model).exact;
}

/** A deterministic request gives the same answer every time: temperature 0, or a fixed seed. */
export function isDeterministic(request: ChatRequest): boolean {
  return request.temperature === 0 || request.seed !== undefined;
}

/**
 * The question a semantic hit may match on: the final user message's text. Undefined when the request is not a plain
 * question: tool results (answers depend on them), images, or no final user text.
 */
function semanticQuestion(request: ChatRequest): string | undefined {
  const last = request.messages.at(-1);
  if (last?.role !== 'user' || last.content.some((p) => p.type !== 'text')) return undefined;
  if (request.messages.some((m) => m.role === 'tool')) return undefined;
  return last.content.map((p) => (p as { text: string }).text).join('');
}
