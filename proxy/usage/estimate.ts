/**
 * @module Token counts for when a provider reports none, with the model family's tokenizer (proxy/context/tokens);
 * records built on them are marked `tokensEstimated`.
 */
import type { ChatRequest, Usage } from '../chat.ts';
import { loadTokenCounter } from '../context/index.ts';

/** A provider that sent no usage sends zeros (or nothing). */
export function isMissingUsage(usage: Usage | undefined): boolean {
  return !usage || (usage.inputTokens === 0 && usage.outputTokens === 0);
}

/** Counts a request and the answer text it got, for `model`. */
export async function countUsage(
  request: ChatRequest,
  outputText: string,
  model: string,
  signal?: AbortSignal,
): Promise<Usage> {
  const counter = await loadTokenCounter(model);
  return await counter.settle(
    () => ({ inputTokens: counter.request(request), outputTokens: counter.text(outputText) }),
    signal,
  );
}
