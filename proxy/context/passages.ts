/**
 * @module Finds the retrieved documents a request carries, in the shapes RAG clients send them: XML-tagged
 * `<document>` elements (Anthropic's long-context layout), numbered `[1]` passages, markdown sections, or one text
 * part per document. Every passage is a span of one text part, so dropping it is cutting that span out.
 */
import type { ChatMessage } from '../chat.ts';
import { finalUserIndex } from './structure.ts';

export type PassageFormat = 'xml' | 'numbered' | 'markdown' | 'parts';

export interface Passage {
  message: number;
  part: number;
  /** The span in the part's text that dropping the passage removes (for `parts`: the whole part). */
  start: number;
  end: number;
  title?: string;
  text: string;
}

export interface DocumentGroup {
  message: number;
  format: PassageFormat;
  passages: Passage[];
}

const XML = /<(document|doc|passage)\b([^>]*)>([\s\S]*?)<\/\1>\s*/gi;
const NUMBERED = /^(?:(?:document|passage|source)\s*)?\[(\d{1,4})\][ \t]*/gim;
const HEADING = /^(#{1,6})[ \t]+(.+?)[ \t#]*$/gm;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/gm;

function attribute(attributes: string, name: string): string | undefined {
  return attributes.match(new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`, 'i'))?.[1];
}

function element(inner: string, names: string): string | undefined {
  return inner.match(new RegExp(`<(${names})>([\\s\\S]*?)</\\1>`, 'i'))?.[2]?.trim();
}

function xmlPassages(text: string): Omit<Passage, 'message' | 'part'>[] {
  return [...text.matchAll(XML)].map((match) => {
    const [whole, , attributes = '', inner = ''] = match;
    const title = attribute(attributes, 'title') ?? attribute(attributes, 'source') ?? element(inner, 'title|source');
    const body =
      element(inner, 'document_content|content|text') ?? inner.replace(/<(title|source)>[\s\S]*?<\/\1>/gi, '').trim();
    return { start: match.index, end: match.index + whole.length, title, text: body };
  });
}

/** A short first line without a full stop reads as a title. */
function splitTitle(body: string): { title?: string; text: string } {
  const inline = body.match(/^\(title:\s*([^)]*)\)\s*/i) ?? body.match(/^title:\s*(.+)\n/i);
  if (inline) return { title: inline[1]!.trim(), text: body.slice(inline[0].length).trim() };
  const newline = body.indexOf('\n');
  const first = newline < 0 ? '' : body.slice(0, newline).trim();
  if (first && first.length <= 120 && !/[.!?:]$/.test(first))
    return { title: first, text: body.slice(newline + 1).trim() };
  return { text: body.trim() };
}

/** Each numbered passage runs to the next number or the first blank line: text after that stays untouched. */
function numberedPassages(text: string): Omit<Passage, 'message' | 'part'>[] {
  const starts = [...text.matchAll(NUMBERED)].map((m) => m.index);
  return starts.map((start, i) => {
    const next = starts[i + 1] ?? text.length;
    const blank = text.slice(start, next).search(/\n[ \t]*\n/);
    let end = blank < 0 ? next : start + blank;
    while (end < next && /\s/.test(text[end]!)) end++;
    const body = text.slice(start, end).replace(NUMBERED_PREFIX, '');
    return { start, end, ...splitTitle(body.trim()) };
  });
}
const NUMBERED_PREFIX = /^(?:(?:document|passage|source)\s*)?\[\d{1,4}\][ \t]*/i;

/**
 * Sections under the most frequent heading level, each ending at the next heading of that level or above, or at a
 * horizontal rule. A section that runs to the end of the text may also hold the question that follows the
 * documents, so it is flagged and never dropped by selection.
 */
function markdownPassages(text: string): (Omit<Passage, 'message' | 'part'> & { open?: boolean })[] {
  const headings = [...text.matchAll(HEADING)];
  const byLevel = new Map<number, number>();
  for (const h of headings) byLevel.set(h[1]!.length, (byLevel.get(h[1]!.length) ?? 0) + 1);
  const level = [...byLevel.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0];
  if (level === undefined) return [];
  const sections = headings.filter((h) => h[1]!.length === level);
  const rules = [...text.matchAll(RULE)].map((r) => r.index);
  return sections.map((h) => {
    const bound = Math.min(
      ...[
        ...headings.filter((o) => o.index > h.index && o[1]!.length <= level).map((o) => o.index),
        ...rules.filter((r) => r > h.index),
      ],
    );
    const end = Number.isFinite(bound) ? bound : text.length;
    const title = h[2]!.trim();
    return {
      start: h.index,
      end,
      title,
      text: text.slice(h.index + h[0].length, end).trim(),
      ...(Number.isFinite(bound) ? {} : { open: true }),
    };
  });
}

/** Passages of one text, in the first format that yields at least `min` of them. */
export function parsePassages(
  text: string,
  min: number,
): { format: PassageFormat; passages: Omit<Passage, 'message' | 'part'>[] } | undefined {
  for (const [format, parse] of [
    ['xml', xmlPassages],
    ['numbered', numberedPassages],
    ['markdown', markdownPassages],
  ] as const) {
    const passages = parse(text).filter((p) => !('open' in p && p.open));
    if (passages.length >= min) return { format, passages };
  }
  return undefined;
}

/**
 * The document groups of a conversation's user messages. A message of several text parts (one per document, as
 * Anthropic document blocks arrive) is a group of its own; in the final message its last part is the question.
 */
export function findDocuments(messages: ChatMessage[], min: number): DocumentGroup[] {
  const lastUser = finalUserIndex(messages);
  const groups: DocumentGroup[] = [];
  messages.forEach((message, m) => {
    if (message.role !== 'user') return;
    const texts = message.content.map((part, p) => ({ part, p })).filter((x) => x.part.type === 'text');
    const documentParts = m === lastUser ? texts.slice(0, -1) : texts;
    const inParts: Passage[] = [];
    for (const { part, p } of texts) {
      const parsed = parsePassages((part as { text: string }).text, min);
      if (parsed)
        groups.push({
          message: m,
          format: parsed.format,
          passages: parsed.passages.map((x) => ({ ...x, message: m, part: p })),
        });
      else if (documentParts.some((d) => d.p === p)) {
        const text = (part as { text: string }).text;
        inParts.push({
          message: m,
          part: p,
          start: 0,
          end: text.length,
          ...splitTitle(text.replace(/^<document[^>]*>|<\/document>\s*$/gi, '').trim()),
        });
      }
    }
    if (inParts.length >= min) groups.push({ message: m, format: 'parts', passages: inParts });
  });
  return groups;
}

/** The question: the final user message without the documents it carries. */
export function questionOf(messages: ChatMessage[], groups: DocumentGroup[]): string {
  const last = finalUserIndex(messages);
  if (last < 0) return '';
  const spans = groups.filter((g) => g.message === last).flatMap((g) => g.passages);
  return messages[last]!.content.map((part, p) => {
    if (part.type !== 'text') return '';
    let text = part.text;
    for (const span of spans.filter((s) => s.part === p).sort((a, b) => b.start - a.start))
      text = text.slice(0, span.start) + text.slice(span.end);
    // The wrapper the documents came in says nothing about the question.
    return text.replace(/<documents>\s*<\/documents>/gi, '');
  })
    .join('\n')
    .trim();
}
