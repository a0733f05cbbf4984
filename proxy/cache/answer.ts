/**
 * @module A cached answer: the chunk stream of one complete, successful response, replayable as JSON or SSE in
 * either API, plus what the ledger needs to price the saving.
 */
import { randomUUID } from 'node:crypto';
import type { ChatChunk, Usage } from '../chat.ts';
import type { ProviderKind } from '../providers/index.ts';
import { answeredAs, wireAnswerOf, type WireAnswer } from '../wire.ts';

export interface CachedAnswer {
  /** Every chunk after `start`, ending with `done`. */
  chunks: ChatChunk[];
  modelUsed: string;
  provider: string;
  providerKind: ProviderKind;
  route: 'local' | 'cloud';
  usage: Usage;
  created: number;
  /** The upstream's own answer in the caller's API, relayed on replay (see wire.ts). */
  wire?: WireAnswer;
}

/** Replays a cached answer as a fresh response (its own id), so callers cannot tell it from a live one. */
export async function* replayAnswer(answer: CachedAnswer): AsyncGenerator<ChatChunk> {
  const id = `chatcmpl-${randomUUID()}`;
  yield { type: 'start', id, model: answer.modelUsed, inputTokens: answer.usage.inputTokens };
  for (const chunk of answer.chunks)
    yield chunk.type === 'done' && answer.wire ? answeredAs({ ...chunk }, renewed(answer.wire, id)) : chunk;
}

/** The upstream's own answer with the replay's id and time, every other field as it came. */
function renewed(wire: WireAnswer, id: string): WireAnswer {
  const body = JSON.parse(wire.text) as Record<string, unknown>;
  return { ...wire, text: JSON.stringify({ ...body, id, created: Math.floor(Date.now() / 1000) }) };
}

/** Collects a stream into a CachedAnswer; returns undefined unless it ended with `done` (a cut stream is never kept). */
export class AnswerRecorder {
  private readonly chunks: ChatChunk[] = [];
  private modelUsed = '';
  private wire: WireAnswer | undefined;

  observe(chunk: ChatChunk): void {
    if (chunk.type === 'start') this.modelUsed = chunk.model;
    else this.chunks.push(chunk);
    if (chunk.type === 'done') this.wire = wireAnswerOf(chunk);
  }

  complete(meta: Omit<CachedAnswer, 'chunks' | 'modelUsed' | 'usage' | 'created' | 'wire'>): CachedAnswer | undefined {
    const done = this.chunks.at(-1);
    if (done?.type !== 'done') return undefined;
    return {
      ...meta,
      chunks: this.chunks,
      modelUsed: this.modelUsed,
      usage: done.usage,
      created: Date.now(),
      ...(this.wire ? { wire: this.wire } : {}),
    };
  }
}
