/**
 * @module Token counts for when a provider reports none. Rough by design (about 4 characters a token in English and
 * code); records built on it are marked `tokensEstimated`.
 */
import type { ChatRequest } from '../chat.ts';

export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function estimateRequestTokens(request: ChatRequest): number {
  let chars = 0;
  for (const message of request.messages) {
    for (const part of message.content) if (part.type === 'text') chars += part.text.length;
    for (const call of message.toolCalls ?? []) chars += call.name.length + call.arguments.length;
  }
  for (const tool of request.tools ?? []) chars += JSON.stringify(tool).length;
  // ~4 tokens of framing per message, as OpenAI documents for chat formats.
  return Math.ceil(chars / 4) + 4 * request.messages.length;
}
