/**
 * @module The one interface every backend implements: the local llama.cpp model and each cloud API.
 */
import type { ProviderHealth } from '../../shared/protocol.ts';
import type { ChatChunk, ChatRequest } from '../chat.ts';

export type { ProviderHealth };

export type ProviderKind = 'local' | 'openai' | 'anthropic';

export interface ChatOptions {
  /**
   * The confidence gate (local model): hold the answer until it is complete, and refuse it (a `low_confidence`
   * error, before any chunk) when the model's mean probability of its own tokens is below this.
   */
  confidenceFloor?: number;
  /** Scores the answer's confidence once it has ended, and reports it (the audit's record); delays no chunk. */
  scoreConfidence?: (confidence: number) => void;
}

export interface Provider {
  /** Config name: `local`, `openai`, `anthropic`, or a user-defined provider. */
  readonly name: string;
  readonly kind: ProviderKind;
  /**
   * Answers one request as a chunk stream. Failures before the first chunk throw a ProxyError (so the caller still
   * gets a proper HTTP status); a failure after it throws mid-iteration.
   * @param model the upstream's own name for the model (prefix like `groq/` already removed)
   */
  chat(request: ChatRequest, model: string, signal: AbortSignal, options?: ChatOptions): AsyncIterable<ChatChunk>;
  /** The provider's own input-token count for a request (Anthropic's count_tokens), where it has one. */
  countTokens?(request: ChatRequest, model: string, signal: AbortSignal): Promise<number>;
  health(): ProviderHealth;
  /** Models to list in GET /v1/models. */
  models(): string[];
  close?(): Promise<void>;
}
