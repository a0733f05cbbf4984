/**
 * @module The language-neutral shape the TypeScript and Python finders turn call arguments into, so one recognizer
 * (calls.ts) reads the SDK calls of both: text resolved within the file, objects/dicts, arrays/tuples/lists, calls,
 * and values only known at run time, with an estimate of their size.
 */
import type { LiteralSpan, PromptPart, TextEdit } from './types.ts';

export type Value =
  | { type: 'text'; parts: PromptPart[]; literals: LiteralSpan[]; viaName: boolean }
  | { type: 'object'; entries: Map<string, Value> }
  | { type: 'array'; items: Value[] }
  | { type: 'call'; callee: string; args: Value[]; params: Map<string, Value>; source: string }
  | { type: 'number'; value: number }
  | {
      type: 'unknown';
      source: string;
      json?: 'compact' | 'indented';
      range?: { start: number; end: number };
      rewrite?: TextEdit;
    };

/**
 * Estimates for values only known at run time, in tokens. A plain interpolated value (a name, a date, a question) is
 * short; serialized objects are the usual way prompts grow: a compact JSON object of a few dozen fields is ~200
 * tokens, and indenting it adds about half again (newlines and runs of spaces tokenize separately).
 */
export const ESTIMATE = { value: 20, jsonCompact: 200, jsonIndented: 300, history: 300 } as const;

export const unknown = (source: string): Value => ({ type: 'unknown', source });

export function text(parts: PromptPart[], literals: LiteralSpan[] = [], viaName = false): Value {
  return { type: 'text', parts: mergeParts(parts), literals, viaName };
}

/** Adjacent static parts joined, so a part boundary never splits a word. */
export function mergeParts(parts: PromptPart[]): PromptPart[] {
  const merged: PromptPart[] = [];
  for (const part of parts) {
    const last = merged.at(-1);
    if (part.kind === 'static' && last?.kind === 'static')
      merged[merged.length - 1] = { kind: 'static', text: last.text + part.text };
    else if (part.kind !== 'static' || part.text) merged.push(part);
  }
  return merged;
}

/** A run-time value as a prompt part. */
export function dynamicPart(value: Extract<Value, { type: 'unknown' }>): PromptPart {
  const estimateTokens =
    value.json === 'indented'
      ? ESTIMATE.jsonIndented
      : value.json === 'compact'
        ? ESTIMATE.jsonCompact
        : ESTIMATE.value;
  return {
    kind: 'dynamic',
    source: value.source,
    estimateTokens,
    ...(value.json ? { json: value.json } : {}),
    ...(value.range ? { range: value.range } : {}),
    ...(value.rewrite ? { rewrite: value.rewrite } : {}),
  };
}

/** Any value as text: text as it is, a run-time value as one estimated part, anything else as its source. */
export function asText(
  value: Value | undefined,
): { parts: PromptPart[]; literals: LiteralSpan[]; viaName: boolean } | undefined {
  if (!value) return undefined;
  if (value.type === 'text') return value;
  if (value.type === 'unknown') return { parts: [dynamicPart(value)], literals: [], viaName: false };
  if (value.type === 'number')
    return { parts: [{ kind: 'static', text: String(value.value) }], literals: [], viaName: false };
  if (value.type === 'call')
    return { parts: [dynamicPart({ type: 'unknown', source: value.source })], literals: [], viaName: false };
  return undefined;
}

/** Concatenation (`a + b`, adjacent literals, `"".join`) of values that are text or run-time values. */
export function concat(values: Value[], separator = ''): Value | undefined {
  const parts: PromptPart[] = [];
  const literals: LiteralSpan[] = [];
  let viaName = false;
  for (const [i, value] of values.entries()) {
    const piece = asText(value);
    if (!piece) return undefined;
    if (i > 0 && separator) parts.push({ kind: 'static', text: separator });
    parts.push(...piece.parts);
    literals.push(...piece.literals);
    viaName ||= piece.viaName;
  }
  return text(parts, literals, viaName);
}

/** A string literal with no interpolation. */
export function literalText(value: Value | undefined): string | undefined {
  return value?.type === 'text' && value.parts.every((p) => p.kind === 'static')
    ? value.parts.map((p) => (p as { text: string }).text).join('')
    : undefined;
}

/** `.trim()` / `.strip()`: whitespace at the ends of the text removed. */
export function trimmed(value: Extract<Value, { type: 'text' }>): Value {
  const parts = [...value.parts];
  const first = parts[0];
  if (first?.kind === 'static') parts[0] = { kind: 'static', text: first.text.trimStart() };
  const last = parts.at(-1);
  if (last?.kind === 'static') parts[parts.length - 1] = { kind: 'static', text: last.text.trimEnd() };
  return text(parts, value.literals, value.viaName);
}

/** `textwrap.dedent` (or a `dedent` template tag) on text whose run-time values count as non-blank characters. */
export function dedented(value: Extract<Value, { type: 'text' }>): Value {
  const HOLE = '\u0000';
  const joined = value.parts.map((p) => (p.kind === 'static' ? p.text : HOLE)).join('');
  const lines = joined.split('\n');
  const margins = lines.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length);
  const margin = margins.length ? Math.min(...margins) : 0;
  const dedented = lines.map((l) => (l.trim() ? l.slice(margin) : l.replace(/^[ \t]+$/, ''))).join('\n');
  const dynamics = value.parts.filter((p) => p.kind === 'dynamic');
  const parts: PromptPart[] = dedented
    .split(HOLE)
    .flatMap((piece, i) =>
      i === 0
        ? [{ kind: 'static' as const, text: piece }]
        : [dynamics[i - 1]!, { kind: 'static' as const, text: piece }],
    );
  for (const literal of value.literals) literal.dedented = true;
  return text(parts, value.literals, value.viaName);
}
