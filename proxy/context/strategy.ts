/**
 * @module What every trimming strategy returns, and the one way a strategy builds its new request.
 */
import type { ChatMessage, ChatRequest } from '../chat.ts';

export type StrategyName = 'normalize' | 'dedupe' | 'select' | 'truncate' | 'summary' | 'window';

export interface StrategyResult {
  request: ChatRequest;
  /** Tokens of the whole request before and after this strategy. */
  before: number;
  after: number;
}

export interface StrategyReport {
  strategy: StrategyName;
  tokensBefore: number;
  tokensAfter: number;
}

/**
 * The request with new messages: a new object, so the caller's original body no longer goes with it (see wire.ts)
 * and upstreams are sent the trimmed request re-encoded.
 */
export function withMessages(request: ChatRequest, messages: ChatMessage[]): ChatRequest {
  return { ...request, messages };
}

/** Applies `edit` to every text part; the request is returned as is when no text changed. */
export function mapText(
  request: ChatRequest,
  edit: (text: string, message: ChatMessage, index: number) => string,
): ChatRequest {
  let changed = false;
  const messages = request.messages.map((message, index) => {
    let touched = false;
    const content = message.content.map((part) => {
      if (part.type !== 'text') return part;
      const text = edit(part.text, message, index);
      if (text === part.text) return part;
      touched = true;
      return { ...part, text };
    });
    if (!touched) return message;
    changed = true;
    return { ...message, content };
  });
  return changed ? withMessages(request, messages) : request;
}
