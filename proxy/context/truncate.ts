/**
 * @module Tool-output truncation. A very long tool result keeps its head and its tail (where commands print what
 * they did and how it ended) and, from the middle, the lines an agent acts on next: errors, tracebacks with their
 * file and line, failed tests, and lines naming what the call asked about. Each cut is marked with the line
 * numbers it removed, so the model knows what it is not seeing and can ask for it.
 */
import type { ChatMessage, ChatRequest } from '../chat.ts';
import type { TruncateOptions } from './options.ts';
import { mapText, type StrategyResult } from './strategy.ts';
import type { TokenCounter } from './tokens.ts';

/** Lines worth keeping from the middle, most important first. */
const IMPORTANT = [
  /Traceback|\b\w*(Error|Exception)\b|\bFAILED\b|\bFAIL\b|\bpanic(ked)?\b|\bfatal\b|^E {2,}|\berror\b[:[]/i,
  /\bFile "[^"]+", line \d+|\bat .+:\d+(:\d+)?\)?$|^[\w./-]+\.\w+:\d+/,
];
/** Characters per token when a single line must be cut inside (minified JSON, base64): o200k's English average. */
const CHARS_PER_TOKEN = 4;

function elision(from: number, to: number): string {
  return `[… Tokenwise omitted lines ${from}–${to} (${to - from + 1} lines) …]`;
}

/** Words of the call that produced this output (a grep pattern, a file name): lines naming them matter. */
function callTerms(call: string): RegExp | undefined {
  const words = [...new Set(call.match(/[A-Za-z_][\w.]{3,}/g) ?? [])].filter(
    (w) => !/^(command|bash|python|true|false|null)$/i.test(w),
  );
  return words.length ? new RegExp(words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')) : undefined;
}

/**
 * The text cut to about `limit` tokens: head, tail and important middle lines, in their original order.
 * @example truncateText(log, 2000, 0.4, counter)
 */
export function truncateText(text: string, limit: number, headShare: number, counter: TokenCounter, call = ''): string {
  if (counter.text(text) <= limit) return text;
  const lines = text.split('\n');
  if (lines.length < 3) {
    const chars = Math.floor(limit * headShare * CHARS_PER_TOKEN);
    return `${text.slice(0, chars)}\n[… Tokenwise omitted ${text.length - 2 * chars} characters …]\n${text.slice(-chars)}`;
  }
  const sizes = lines.map((l) => counter.text(l) + 1);
  const keep = new Array<boolean>(lines.length).fill(false);
  let head = 0;
  for (let used = 0; head < lines.length && used + sizes[head]! <= limit * headShare; head++) {
    used += sizes[head]!;
    keep[head] = true;
  }
  for (let i = lines.length - 1, used = 0; i >= head && used + sizes[i]! <= limit * headShare; i--) {
    used += sizes[i]!;
    keep[i] = true;
  }
  let middle = limit - sizes.reduce((sum, s, i) => sum + (keep[i] ? s : 0), 0);
  const asked = callTerms(call);
  for (const pattern of [...IMPORTANT, ...(asked ? [asked] : [])]) {
    lines.forEach((line, i) => {
      if (keep[i] || !pattern.test(line) || sizes[i]! > middle) return;
      keep[i] = true;
      middle -= sizes[i]!;
    });
  }
  const out: string[] = [];
  for (let i = 0; i < lines.length; ) {
    if (keep[i]) out.push(lines[i++]!);
    else {
      let j = i;
      while (j < lines.length && !keep[j]) j++;
      out.push(elision(i + 1, j));
      i = j;
    }
  }
  return out.join('\n');
}

/** The arguments of the call a tool message answers. */
function callOf(messages: ChatMessage[], index: number): string {
  const id = messages[index]!.toolCallId;
  for (let i = index - 1; i >= 0; i--) {
    const call = messages[i]!.toolCalls?.find((c) => c.id === id);
    if (call) return call.arguments;
  }
  return '';
}

/** Truncates long tool results; the results the request ends with get the larger `maxTokensLatest`. */
export function truncateToolOutputs(
  request: ChatRequest,
  options: TruncateOptions,
  counter: TokenCounter,
): StrategyResult {
  const before = counter.request(request);
  let latest = request.messages.length;
  while (latest > 0 && request.messages[latest - 1]!.role === 'tool') latest--;
  const result = mapText(request, (text, message, index) => {
    if (message.role !== 'tool') return text;
    const limit = index >= latest ? options.maxTokensLatest : options.maxTokens;
    return truncateText(text, limit, options.headShare, counter, callOf(request.messages, index));
  });
  return { request: result, before, after: result === request ? before : counter.request(result) };
}
