// Shared helpers for the context tests: a word-counting tokenizer (no tiktoken load, so each file stays fast) and
// terse message builders.
import type { ChatMessage, ChatRequest } from '../../proxy/chat.ts';
import { TokenCounter } from '../../proxy/context/tokens.ts';

/** Counts whitespace-separated words: exact enough to reason about budgets in tests. */
export const words = new TokenCounter(
  { encoding: 'local', factor: 1, exact: true },
  (text) => text.split(/\s+/).filter(Boolean).length,
);

export const text = (t: string) => ({ type: 'text' as const, text: t });
export const system = (t: string): ChatMessage => ({ role: 'system', content: [text(t)] });
export const user = (t: string): ChatMessage => ({ role: 'user', content: [text(t)] });
export const assistant = (t: string, calls: string[] = []): ChatMessage => ({
  role: 'assistant',
  content: t ? [text(t)] : [],
  ...(calls.length
    ? { toolCalls: calls.map((id) => ({ id, name: 'bash', arguments: `{"command":"run ${id}"}` })) }
    : {}),
});
export const tool = (id: string, t: string): ChatMessage => ({ role: 'tool', toolCallId: id, content: [text(t)] });
export const request = (messages: ChatMessage[]): ChatRequest => ({ model: 'gpt-4o', stream: false, messages });
export const textOfMessage = (m: ChatMessage) => m.content.map((p) => (p.type === 'text' ? p.text : '')).join('');

/** A small seeded PRNG (mulberry32), so property tests are reproducible. */
export function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
