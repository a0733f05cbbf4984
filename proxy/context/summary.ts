/**
 * @module History summary: above the budget, the oldest turns are replaced by one summary message (written by the
 * local model, through the `Summarizer` the proxy plugs in). Summaries are cached by a hash of the messages they
 * cover, chained message by message, so a growing conversation reuses its summary until the recent turns outgrow
 * their share of the budget; then only the turns since the last summary are summarized, together with it.
 */
import { createHash } from 'node:crypto';
import type { ChatMessage, ChatRequest } from '../chat.ts';
import { NOTE_PREFIX } from './structure.ts';
import { withMessages, type StrategyResult } from './strategy.ts';
import type { TokenCounter } from './tokens.ts';
import { droppableUnits, replaceMessages } from './window.ts';

/** Writes a summary of a run of conversation messages. */
export interface Summarizer {
  summarize(messages: ChatMessage[]): Promise<string>;
}

/** Summaries by the hash of the messages they cover; the oldest go past `maxEntries`. */
export class SummaryCache {
  private readonly entries = new Map<string, string>();
  constructor(private readonly maxEntries = 256) {}

  get(key: string): string | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: string): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}

export interface SummaryResult extends StrategyResult {
  /** For each output message, the index of the input message it is, or -1 for the summary. */
  origin: number[];
  /** Messages the summary stands for (0: nothing summarized). */
  summarized: number;
  /** True when the summary came from the cache. */
  cached: boolean;
}

export interface SummarizeHistoryOptions {
  budget: number;
  summarizer: Summarizer;
  cache: SummaryCache;
  keepShare: number;
}

function summaryMessage(count: number, summary: string): ChatMessage {
  return {
    role: 'user',
    content: [
      {
        type: 'text',
        text: `${NOTE_PREFIX}: summary of ${count} earlier message${count === 1 ? '' : 's'}]\n${summary.trim()}`,
      },
    ],
  };
}

/** chain[i] covers the first i droppable messages: sha256(chain[i-1] + message i). */
function hashChain(messages: ChatMessage[]): string[] {
  const chain = [''];
  for (const message of messages)
    chain.push(
      createHash('sha256')
        .update(chain.at(-1)!)
        .update(JSON.stringify([message.role, message.content, message.toolCalls, message.toolCallId]))
        .digest('hex'),
    );
  return chain;
}

/**
 * Replaces the oldest turns by a summary when the request is over budget. A cached summary that makes the request
 * fit is reused as is; otherwise the cut moves forward until the recent turns fill at most `keepShare` of the
 * budget, and the new summary covers the last cached one plus the turns after it.
 */
export async function summarizeHistory(
  request: ChatRequest,
  options: SummarizeHistoryOptions,
  counter: TokenCounter,
): Promise<SummaryResult> {
  const before = counter.request(request);
  const unchanged: SummaryResult = {
    request,
    before,
    after: before,
    origin: request.messages.map((_, i) => i),
    summarized: 0,
    cached: false,
  };
  if (before <= options.budget) return unchanged;
  const units = droppableUnits(request.messages);
  const order = units.flatMap((u) => Array.from({ length: u.end - u.start }, (_, k) => u.start + k));
  const chain = hashChain(order.map((i) => request.messages[i]!));
  // Unit boundaries, as counts of droppable messages: a cut never splits a tool call from its results.
  const cuts: number[] = [];
  units.reduce((n, u) => (cuts.push(n + u.end - u.start), n + u.end - u.start), 0);
  const sizes = request.messages.map((m) => counter.message(m));
  const remaining = (cut: number, summary: string) =>
    before - order.slice(0, cut).reduce((sum, i) => sum + sizes[i]!, 0) + counter.message(summaryMessage(cut, summary));

  const build = (cut: number, summary: string, cached: boolean): SummaryResult => {
    const { messages, origin } = replaceMessages(
      request.messages,
      new Set(order.slice(0, cut)),
      summaryMessage(cut, summary),
    );
    const trimmed = withMessages(request, messages);
    return { request: trimmed, before, after: counter.request(trimmed), origin, summarized: cut, cached };
  };

  const cachedCut = [...cuts].reverse().find((cut) => options.cache.get(chain[cut]!) !== undefined);
  const cachedSummary = cachedCut === undefined ? undefined : options.cache.get(chain[cachedCut]!)!;
  if (cachedCut !== undefined && remaining(cachedCut, cachedSummary!) <= options.budget)
    return build(cachedCut, cachedSummary!, true);

  const target = options.budget * options.keepShare;
  const kept = (cut: number) => order.slice(cut).reduce((sum, i) => sum + sizes[i]!, 0);
  const cut = cuts.find((c) => c > (cachedCut ?? 0) && before - kept(0) + kept(c) <= target) ?? cuts.at(-1);
  if (!cut || cut <= (cachedCut ?? 0)) return unchanged;
  const from = cachedCut ?? 0;
  const input = [
    ...(cachedSummary ? [summaryMessage(from, cachedSummary)] : []),
    ...order.slice(from, cut).map((i) => request.messages[i]!),
  ];
  const summary = await options.summarizer.summarize(input);
  options.cache.set(chain[cut]!, summary);
  return build(cut, summary, false);
}
