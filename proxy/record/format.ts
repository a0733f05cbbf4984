/**
 * @module The recording format: one JSON line per request that went through the proxy, in the caller's own API
 * (secrets redacted), with the answer it got. `tokenwise eval replay --data` reads it back.
 *
 * @example
 * {"v":1,"session":"3f2c…","client":"claude-code","api":"anthropic","time":1767…,"request":{…},
 *  "headers":{"anthropic-version":"2023-06-01"},"answer":{"text":"…","toolCalls":[],"finishReason":"stop","outputTokens":12},
 *  "route":"cloud","model":"claude-sonnet-4-5","cache":"miss","usage":{"inputTokens":9120,"outputTokens":12}}
 */
import type { FinishReason, ToolCall, Usage } from '../chat.ts';

export const RECORDING_VERSION = 1;

export interface RecordingLine {
  v: typeof RECORDING_VERSION;
  /** The agent conversation (Claude Code's session id, Codex's prompt_cache_key, or the first user message's hash). */
  session: string;
  client: string;
  api: 'openai' | 'anthropic' | 'responses';
  /** When the request arrived, ms since the epoch. */
  time: number;
  /** The caller's body, redacted. */
  request: Record<string, unknown>;
  /** The caller's headers an upstream of the same API gets (anthropic-beta, anthropic-version). */
  headers?: Record<string, string>;
  /** The caller's per-request instructions to the proxy, when not the defaults. */
  directives?: { cache?: 'off' | 'refresh'; trim?: 'off'; route?: 'local' | 'cloud' };
  answer: {
    text: string;
    toolCalls: ToolCall[];
    items?: Record<string, unknown>[];
    finishReason: FinishReason;
    outputTokens: number;
  };
  /** How the live proxy answered: for comparing a replay with the ledger. */
  route: 'local' | 'cloud';
  model: string;
  cache: 'miss' | 'exact' | 'semantic' | 'coalesced';
  usage: Usage;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether a parsed JSON line is a recording line this version reads. */
export function isRecordingLine(value: unknown): value is RecordingLine {
  if (!isObject(value) || value.v !== RECORDING_VERSION) return false;
  const answer = value.answer;
  return (
    typeof value.session === 'string' &&
    typeof value.client === 'string' &&
    (value.api === 'openai' || value.api === 'anthropic' || value.api === 'responses') &&
    typeof value.time === 'number' &&
    isObject(value.request) &&
    isObject(answer) &&
    typeof answer.text === 'string' &&
    Array.isArray(answer.toolCalls)
  );
}
