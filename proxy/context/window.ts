/**
 * @module History window: above the budget, the oldest turns go first. Never a system message, never the final
 * user message, never half of a tool call and its results (units go whole). A note stands where turns were left
 * out, as a user message: the model learns history is missing, and after system messages the conversation still
 * opens with a user turn, as Anthropic requires.
 */
import type { ChatMessage, ChatRequest } from '../chat.ts';
import { finalUserIndex, NOTE_PREFIX, unitsOf, type Unit } from './structure.ts';
import { withMessages, type StrategyResult } from './strategy.ts';
import type { TokenCounter } from './tokens.ts';

export interface WindowResult extends StrategyResult {
  /** For each output message, the index of the input message it is, or -1 for the note. */
  origin: number[];
}

/** The units that may go, oldest first: all but system messages and the final user message. */
export function droppableUnits(messages: ChatMessage[]): Unit[] {
  const pinned = finalUserIndex(messages);
  return unitsOf(messages).filter((u) => messages[u.start]!.role !== 'system' && u.start !== pinned);
}

function omissionNote(count: number): ChatMessage {
  return {
    role: 'user',
    content: [
      {
        type: 'text',
        text: `${NOTE_PREFIX}: ${count} earlier message${count === 1 ? '' : 's'} left out to fit the context window]`,
      },
    ],
  };
}

/**
 * The messages with `dropped` left out and `insert` standing where the first of them was.
 * Returns the messages and, per output message, its input index (-1 for `insert`).
 */
export function replaceMessages(
  messages: ChatMessage[],
  dropped: Set<number>,
  insert: ChatMessage,
): { messages: ChatMessage[]; origin: number[] } {
  const out: ChatMessage[] = [];
  const origin: number[] = [];
  let placed = false;
  messages.forEach((message, i) => {
    if (!dropped.has(i)) {
      out.push(message);
      origin.push(i);
    } else if (!placed) {
      out.push(insert);
      origin.push(-1);
      placed = true;
    }
  });
  return { messages: out, origin };
}

/** Drops the oldest droppable units until the request fits `budget` tokens (or nothing droppable is left). */
export function windowHistory(request: ChatRequest, budget: number, counter: TokenCounter): WindowResult {
  const before = counter.request(request);
  const identity = request.messages.map((_, i) => i);
  if (before <= budget) return { request, before, after: before, origin: identity };
  const sizes = request.messages.map((m) => counter.message(m));
  const dropped = new Set<number>();
  let total = before;
  for (const unit of droppableUnits(request.messages)) {
    if (total + counter.message(omissionNote(dropped.size)) <= budget) break;
    for (let i = unit.start; i < unit.end; i++) {
      dropped.add(i);
      total -= sizes[i]!;
    }
  }
  if (!dropped.size) return { request, before, after: before, origin: identity };
  const { messages, origin } = replaceMessages(request.messages, dropped, omissionNote(dropped.size));
  const trimmed = withMessages(request, messages);
  return { request: trimmed, before, after: counter.request(trimmed), origin };
}
