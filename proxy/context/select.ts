/**
 * @module Passage selection: of the retrieved documents a request carries, keep the ones the question needs. By
 * default a passage goes only when neither BM25 nor the bridge ties it to the question (see `relevance`); a top-k
 * or a token budget can cut deeper, in relevance order. Kept passages stay where they were, byte for byte, so
 * citations like [3] still point at the right document; a one-line note says how many were left out.
 */
import type { ChatMessage, ChatRequest, ContentPart } from '../chat.ts';
import type { SelectOptions } from './options.ts';
import { findDocuments, questionOf, type DocumentGroup, type Passage } from './passages.ts';
import { relevance } from './relevance.ts';
import { withMessages, type StrategyResult } from './strategy.ts';
import type { TokenCounter } from './tokens.ts';

export interface SelectResult extends StrategyResult {
  /** Passages found, and kept. */
  passages: number;
  kept: number;
  /** Per document group: which passages were kept, in the group's order (for evaluation). */
  groups: { group: DocumentGroup; keep: boolean[] }[];
}

function note(dropped: number, total: number): string {
  return `[Tokenwise: ${dropped} of ${total} documents left out as unrelated to the question]\n\n`;
}

async function choose(
  question: string,
  passages: Passage[],
  options: SelectOptions,
  counter: TokenCounter,
): Promise<boolean[]> {
  const scores = await relevance(question, passages, options);
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const keep = new Array<boolean>(passages.length).fill(false);
  let tokens = 0;
  for (const [rank, i] of order.entries()) {
    if (rank > 0 && scores[i]! < options.minRelevance) break;
    if (rank > 0 && options.maxPassages !== undefined && rank >= options.maxPassages) break;
    const size = counter.text(passages[i]!.text) + (passages[i]!.title ? counter.text(passages[i]!.title!) : 0);
    if (rank > 0 && options.maxTokens !== undefined && tokens + size > options.maxTokens) break;
    keep[i] = true;
    tokens += size;
  }
  return keep;
}

function cut(messages: ChatMessage[], group: DocumentGroup, keep: boolean[]): void {
  const dropped = group.passages.filter((_, i) => !keep[i]);
  if (!dropped.length) return;
  const message = messages[group.message]!;
  const content: (ContentPart | undefined)[] = [...message.content];
  const first = dropped[0]!;
  if (group.format === 'parts') {
    for (const passage of dropped) content[passage.part] = undefined;
    content[first.part] = { type: 'text', text: note(dropped.length, keep.length).trim() };
  } else {
    // Later spans first, so earlier offsets stay valid.
    for (const passage of [...dropped].reverse()) {
      const part = content[passage.part] as { type: 'text'; text: string };
      const insert = passage === first ? note(dropped.length, keep.length) : '';
      content[passage.part] = {
        type: 'text',
        text: part.text.slice(0, passage.start) + insert + part.text.slice(passage.end),
      };
    }
  }
  messages[group.message] = { ...message, content: content.filter((p): p is ContentPart => p !== undefined) };
}

/**
 * Drops the documents the question does not need.
 * @example await selectPassages(request, DEFAULT_TRIM_OPTIONS.select, counter)
 */
export async function selectPassages(
  request: ChatRequest,
  options: SelectOptions,
  counter: TokenCounter,
): Promise<SelectResult> {
  const before = counter.request(request);
  const groups = findDocuments(request.messages, options.minPassages);
  const question = questionOf(request.messages, groups);
  const passages = groups.reduce((n, g) => n + g.passages.length, 0);
  if (!groups.length || !question)
    return {
      request,
      before,
      after: before,
      passages,
      kept: passages,
      groups: groups.map((group) => ({ group, keep: group.passages.map(() => true) })),
    };

  const messages = [...request.messages];
  const chosen: SelectResult['groups'] = [];
  // Groups in one message are cut from the last, so the spans of earlier groups in the same part stay valid.
  for (const group of [...groups].reverse()) {
    const keep = await choose(question, group.passages, options, counter);
    cut(messages, group, keep);
    chosen.unshift({ group, keep });
  }
  const kept = chosen.reduce((n, c) => n + c.keep.filter(Boolean).length, 0);
  if (kept === passages) return { request, before, after: before, passages, kept, groups: chosen };
  const trimmed = withMessages(request, messages);
  return { request: trimmed, before, after: counter.request(trimmed), passages, kept, groups: chosen };
}
