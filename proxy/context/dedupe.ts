/**
 * @module Duplicate removal: the same file, document or tool output sent more than once in one request keeps one
 * copy; the others become a one-line reference carrying the copy's hash, so `expandDuplicates` restores them.
 *
 * Which copy stays: one in a system message if there is one (system prompts are never edited), else the LATEST.
 * The latest sits nearest the question and reads as the current state of a file; and history trimming drops the
 * oldest turns first, so a reference can never outlive the copy it points to. The price: when a duplicate first
 * appears, the earlier message changes once and the provider's prompt cache misses from there on that request.
 */
import { createHash } from 'node:crypto';
import type { ChatMessage, ChatRequest } from '../chat.ts';
import type { DedupeOptions } from './options.ts';
import { NOTE_PREFIX } from './structure.ts';
import { mapText, type StrategyResult } from './strategy.ts';
import type { TokenCounter } from './tokens.ts';

/** Blocks inside a text that can repeat on their own: the body of fenced code, and XML-tagged documents. */
const BLOCKS = /^ {0,3}(`{3,}|~{3,})[^\n]*\n([\s\S]*?)\n {0,3}\1[ \t]*$|<document\b[^>]*>[\s\S]*?<\/document>/gm;
const REFERENCE = new RegExp(
  `\\${NOTE_PREFIX}: identical to the [a-z ]+ (?:later in this conversation|in the system prompt); omitted here #([0-9a-f]{12})\\]`,
  'g',
);

const hashOf = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

/** One text that may be sent again: a whole text part, or a block inside one. */
interface Copy {
  message: number;
  text: string;
  kind: string;
}

function copiesIn(messages: ChatMessage[]): Copy[] {
  const units: Copy[] = [];
  messages.forEach((message, m) => {
    if (message.role === 'assistant') return;
    for (const part of message.content) {
      if (part.type !== 'text') continue;
      units.push({ message: m, text: part.text, kind: message.role === 'tool' ? 'tool output' : 'text' });
      for (const [element, , body] of part.text.matchAll(BLOCKS))
        units.push(
          body === undefined
            ? { message: m, text: element, kind: 'document' }
            : { message: m, text: body, kind: 'code block' },
        );
    }
  });
  return units;
}

function reference(kind: string, hash: string, inSystem: boolean): string {
  return `${NOTE_PREFIX}: identical to the ${kind} ${inSystem ? 'in the system prompt' : 'later in this conversation'}; omitted here #${hash}]`;
}

/** Replaces repeated texts, code blocks and documents by references to the copy that stays. */
export function dedupeRequest(request: ChatRequest, options: DedupeOptions, counter: TokenCounter): StrategyResult {
  const before = counter.request(request);
  const copies = new Map<string, Copy[]>();
  for (const unit of copiesIn(request.messages)) {
    if (!unit.text.trim()) continue;
    const list = copies.get(unit.text) ?? [];
    if (!list.some((u) => u.message === unit.message)) list.push(unit);
    copies.set(unit.text, list);
  }
  // Longest first: a whole repeated part wins over the blocks inside it, and a block inside a copy that stays is
  // never replaced (the reference to that copy would no longer find it).
  const groups = [...copies]
    .filter(([text, list]) => list.length > 1 && counter.text(text) >= options.minTokens)
    .sort((a, b) => b[0].length - a[0].length);
  const kept: Copy[] = [];
  const replace = new Map<number, { text: string; with: string }[]>();
  for (const [text, list] of groups) {
    const system = list.find((u) => request.messages[u.message]!.role === 'system');
    const keeper = system ?? list.at(-1)!;
    kept.push(keeper);
    for (const unit of list) {
      if (unit === keeper || request.messages[unit.message]!.role === 'system') continue;
      if (kept.some((k) => k.message === unit.message && k.text.includes(text))) continue;
      const edits = replace.get(unit.message) ?? [];
      edits.push({ text, with: reference(unit.kind, hashOf(text), !!system) });
      replace.set(unit.message, edits);
    }
  }
  if (!replace.size) return { request, before, after: before };
  const result = mapText(request, (text, _message, index) => {
    let out = text;
    for (const edit of replace.get(index) ?? [])
      out = out === edit.text ? edit.with : out.split(edit.text).join(edit.with);
    return out;
  });
  return { request: result, before, after: counter.request(result) };
}

/** The request with every reference replaced by the text it stands for (found by hash among what was kept). */
export function expandDuplicates(request: ChatRequest): ChatRequest {
  const byHash = new Map<string, string>();
  for (const unit of copiesIn(request.messages)) byHash.set(hashOf(unit.text), unit.text);
  return mapText(request, (text) => text.replace(REFERENCE, (whole, hash: string) => byHash.get(hash) ?? whole));
}
