/**
 * @module The replay's structural quality checks. Dropped items: what a turn's answer uses from the tool outputs in its
 * context (file paths, line numbers, error lines, identifiers: the traces metric of shared/data/README.md), that the
 * trimmed request no longer holds. Cache hits: the context of the request that filled the entry must be the
 * context of the request it answered, field for field.
 */
import { textOf, type ChatRequest } from '../../chat.ts';
import { canonicalJson } from '../../cache/key.ts';
import { expandDuplicates } from '../../context/dedupe.ts';
import { survives, usedItems } from '../context-survival.ts';
import type { RecordedAnswer } from './simulated-providers.ts';
import { wireOf } from '../../wire.ts';

export interface DroppedItems {
  used: number;
  dropped: number;
  /** A few of the dropped items, for the report. */
  examples: string[];
}

/**
 * Items of the tool outputs in `original` that `answer` uses, and how many of them `sent` lost. Error lines count
 * only for the outputs the answer follows directly (the metric's rule: the next message acts on them).
 */
export function droppedItems(original: ChatRequest, sent: ChatRequest, answer: RecordedAnswer): DroppedItems {
  const result: DroppedItems = { used: 0, dropped: 0, examples: [] };
  if (sent === original) return result;
  const said = [answer.text, ...answer.toolCalls.map((c) => c.arguments)].join('\n');
  const expanded = expandDuplicates(sent);
  const byCall = new Map(
    expanded.messages.filter((m) => m.role === 'tool' && m.toolCallId).map((m) => [m.toolCallId!, textOf(m)]),
  );
  const everything = expanded.messages.map(textOf).join('\n');
  let latest = original.messages.length;
  while (latest > 0 && original.messages[latest - 1]!.role === 'tool') latest--;
  original.messages.forEach((message, i) => {
    if (message.role !== 'tool' || !message.toolCallId) return;
    const kept = byCall.get(message.toolCallId);
    for (const item of usedItems(textOf(message), said)) {
      if (item.kind === 'error_lines' && i < latest) continue;
      result.used++;
      const there = kept !== undefined && survives(item, kept);
      if (there || (item.kind !== 'line_numbers' && everything.includes(item.value))) continue;
      result.dropped++;
      if (result.examples.length < 3) result.examples.push(`${item.kind}: ${item.value.slice(0, 80)}`);
    }
  });
  return result;
}

/** Everything in a request that can change its answer, as one string. */
export function contextOf(request: ChatRequest, withoutLast = false): string {
  const { model: _model, stream: _stream, streamUsage: _usage, user: _user, messages, ...rest } = request;
  const source = wireOf(request);
  const kept = withoutLast ? messages.slice(0, -1) : messages;
  const body = source
    ? Object.fromEntries(
        Object.entries(source.body).filter(
          ([k]) => !['model', 'stream', 'stream_options', 'metadata', 'user', 'messages', 'input'].includes(k),
        ),
      )
    : undefined;
  return canonicalJson({ ...rest, messages: kept, body });
}
