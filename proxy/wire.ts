/**
 * @module The caller's own wire body, kept beside the internal request parsed from it, and the upstream's own answer
 * beside the chunk or response built from it. A provider that speaks the caller's API sends the body as it came
 * (fields the proxy does not interpret and the client's cache_control breakpoints survive byte for byte), and an
 * answer in the caller's API is relayed as it came.
 *
 * The link is a WeakMap keyed by the very object parsed (or built): it holds while that object is passed on
 * unchanged, and any rewrite — `{ ...request, messages }`, a trimmed copy, a rebuilt chunk — is a new object without
 * it. No lever has to remember to drop the body when it changes the messages; it cannot keep it by mistake.
 */
import type { ChatChunk, ChatRequest, ChatResponse } from './chat.ts';

export type WireApi = 'openai' | 'anthropic' | 'responses';

/** The caller's body as it came, for a request unchanged since parsing. */
export interface WireRequest {
  api: WireApi;
  body: Record<string, unknown>;
  /** What the internal shape could not express (e.g. a Responses `custom` tool): lost when another API answers. */
  unmapped?: string[];
  /** Caller's headers an upstream of the same API gets too (Anthropic's `anthropic-beta` and `anthropic-version`). */
  headers?: Record<string, string>;
}

/** The upstream's own JSON answer, as it came, when the provider speaks the caller's API (every field it sent). */
export interface WireAnswer {
  api: 'openai';
  text: string;
}

const requests = new WeakMap<ChatRequest, WireRequest>();
const answers = new WeakMap<ChatChunk | ChatResponse, WireAnswer>();

/** Links `request` to the body it was parsed from; returns the request. */
export function parsedFrom<T extends ChatRequest>(request: T, wire: WireRequest): T {
  requests.set(request, wire);
  return request;
}

/** The caller's body, while `request` is the very object parsed from it. */
export function wireOf(request: ChatRequest): WireRequest | undefined {
  return requests.get(request);
}

/** The request sent to another model: only the name changes, so the caller's body still holds (its model is swapped on sending). */
export function withModel(request: ChatRequest, model: string): ChatRequest {
  const renamed = { ...request, model };
  const wire = requests.get(request);
  return wire ? parsedFrom(renamed, wire) : renamed;
}

/** Links a done chunk (or a collected response) to the upstream's own answer; returns it. */
export function answeredAs<T extends ChatChunk | ChatResponse>(value: T, wire: WireAnswer | undefined): T {
  if (wire) answers.set(value, wire);
  return value;
}

/** The upstream's own answer, while `value` is the very chunk or response built from it. */
export function wireAnswerOf(value: ChatChunk | ChatResponse): WireAnswer | undefined {
  return answers.get(value);
}

/** Whether a body (or any part of it) carries a `cache_control` breakpoint: the client manages its prompt cache. */
export function hasBreakpoint(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasBreakpoint);
  if (value && typeof value === 'object') return 'cache_control' in value || Object.values(value).some(hasBreakpoint);
  return false;
}
