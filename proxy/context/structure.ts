/**
 * @module The structural rules both APIs enforce on a conversation, and the units history trimming may drop
 * without breaking them: an assistant message that calls tools together with the results that answer it.
 */
import type { ChatMessage } from '../chat.ts';

/** Text that Tokenwise itself puts into a conversation (omission notes, summaries) starts with this. */
export const NOTE_PREFIX = '[Tokenwise';

/** A run of messages `[start, end)` that is kept or dropped whole. */
export interface Unit {
  start: number;
  end: number;
}

const isNote = (message: ChatMessage) =>
  message.content[0]?.type === 'text' && message.content[0].text.startsWith(NOTE_PREFIX);

/** The last user message the caller wrote (notes Tokenwise added do not count), or -1. */
export function finalUserIndex(messages: ChatMessage[]): number {
  return messages.findLastIndex((m) => m.role === 'user' && !isNote(m));
}

/** The conversation cut into units: a tool-calling assistant message with the tool messages right after it, or one message. */
export function unitsOf(messages: ChatMessage[]): Unit[] {
  const units: Unit[] = [];
  for (let i = 0; i < messages.length; ) {
    let end = i + 1;
    if (messages[i]!.role === 'assistant' && messages[i]!.toolCalls?.length)
      while (messages[end]?.role === 'tool') end++;
    units.push({ start: i, end });
    i = end;
  }
  return units;
}

/**
 * What OpenAI or Anthropic would reject in this conversation: a tool result that does not answer a call of the
 * assistant message right before its run of results, a call left unanswered, a first turn (after system
 * messages) that is not the user's, or an empty text part. Consecutive same-role turns are fine: Anthropic merges
 * them (tool results count as user turns), which leaves user and assistant alternating.
 */
export function structureProblems(messages: ChatMessage[]): string[] {
  const problems: string[] = [];
  const first = messages.findIndex((m) => m.role !== 'system');
  if (first < 0) problems.push('no user or assistant message');
  else if (messages[first]!.role !== 'user')
    problems.push(`message ${first}: the first turn is ${messages[first]!.role}, not user`);
  messages.forEach((message, i) => {
    if (message.content.some((p) => p.type === 'text' && !p.text.length) && !message.toolCalls?.length)
      problems.push(`message ${i}: empty text`);
    if (message.role !== 'tool') return;
    let caller = i - 1;
    while (messages[caller]?.role === 'tool') caller--;
    const calls = messages[caller]?.role === 'assistant' ? (messages[caller]!.toolCalls ?? []) : [];
    if (!calls.some((c) => c.id === message.toolCallId))
      problems.push(`message ${i}: tool result ${message.toolCallId ?? '(no id)'} answers no call right before it`);
  });
  messages.forEach((message, i) => {
    if (message.role !== 'assistant' || !message.toolCalls?.length) return;
    const answered = new Set<string | undefined>();
    for (let j = i + 1; messages[j]?.role === 'tool'; j++) answered.add(messages[j]!.toolCallId);
    for (const call of message.toolCalls)
      if (!answered.has(call.id)) problems.push(`message ${i}: tool call ${call.id} has no result right after it`);
  });
  return problems;
}
