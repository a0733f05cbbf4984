/**
 * @module A cached answer: the chunk stream of one complete, successful response, replayable as JSON or SSE in
 * either API, plus what the ledger needs to price the saving.
 */
import { randomUUID } from 'node:crypto';
import type { ChatChunk, Usage } from '../chat.ts';
import type { ProviderKind } from '../providers/provider.ts';

export interface CachedAnswer {
  /** Every chunk after `start`, ending with `done`. */
  chunks: ChatChunk[];
  modelUsed: string;
  provider: string;
  providerKind: ProviderKind;
  route: 'local' | 'cloud';
  usage: Usage;
  created: number;
}

/** Replays a cached answer as a fresh response (its own id), so callers cannot tell it from a live one. */
export async function* replayAnswer(answer: CachedAnswer): AsyncGenerator<ChatChunk> {
  yield { type: 'start', id: `chatcmpl-${randomUUID()}`, model: answer.modelUsed, inputTokens: answer.usage.inputTokens };
  yield* answer.chunks;
}

/** Collects a stream into a CachedAnswer; returns undefined unless it ended with `done` (a cut stream is never kept). */
export class AnswerRecorder {
  private readonly chunks: ChatChunk[] = [];
  private modelUsed = '';

  observe(chunk: ChatChunk): void {
    if (chunk.type === 'start') this.modelUsed = chunk.model;
    else this.chunks.push(chunk);
  }

  complete(meta: Omit<CachedAnswer, 'chunks' | 'modelUsed' | 'usage' | 'created'>): CachedAnswer | undefined {
    const done = this.chunks.at(-1);
    if (done?.type !== 'done') return undefined;
    return { ...meta, chunks: this.chunks, modelUsed: this.modelUsed, usage: done.usage, created: Date.now() };
  }
}
