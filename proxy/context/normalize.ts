/**
 * @module Lossless whitespace normalisation. What goes: trailing whitespace on every line, runs of blank lines,
 * and indentation that pads a whole prose block. What stays: everything inside fenced code blocks except trailing
 * whitespace (indentation and blank lines can be code), every line of tool output (line positions are what
 * "line 120" and editors' line numbers refer to), and diffs, byte for byte (a context line of one space is data).
 */
import type { ChatRequest } from '../chat.ts';
import { mapText, type StrategyResult } from './strategy.ts';
import type { TokenCounter } from './tokens.ts';

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const DIFF = /^(diff --git |@@ -\d+(,\d+)? \+\d+)/m;

const stripTrailing = (line: string) => line.replace(/[ \t\f\v\r]+$/, '');

/** Prose: trailing whitespace, at most one blank line in a row, common indentation removed. */
function normalizeProse(lines: string[]): string[] {
  const out: string[] = [];
  for (const line of lines.map(stripTrailing)) if (line || out.at(-1) !== '') out.push(line);
  const indents = out.filter((l) => l).map((l) => l.match(/^[ \t]*/)![0]);
  const common = indents.length ? indents.reduce(commonPrefix) : '';
  return common ? out.map((l) => l.slice(common.length)) : out;
}

function commonPrefix(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return a.slice(0, i);
}

/**
 * The normalised text. `verbatim` keeps every line (tool output): only trailing whitespace goes.
 * @example normalizeText('a  \n\n\n\nb') // 'a\n\nb'
 */
export function normalizeText(text: string, verbatim: boolean): string {
  if (DIFF.test(text)) return text;
  const lines = text.split('\n');
  if (verbatim) return lines.map(stripTrailing).join('\n').replace(/\n+$/, '') || text;
  const out: string[] = [];
  let prose: string[] = [];
  let fence: { marker: string; diff: boolean } | undefined;
  for (const line of lines) {
    const match = line.match(FENCE);
    if (!fence && match) {
      out.push(...normalizeProse(prose), stripTrailing(line));
      prose = [];
      fence = { marker: match[1]!, diff: /^\s*(diff|patch)\b/i.test(match[2]!) };
    } else if (fence) {
      const closes =
        match && match[1]![0] === fence.marker[0] && match[1]!.length >= fence.marker.length && !match[2]!.trim();
      out.push(fence.diff && !closes ? line : stripTrailing(line));
      if (closes) fence = undefined;
    } else prose.push(line);
  }
  out.push(...normalizeProse(prose));
  const joined = out.join('\n').replace(/^\n+/, '').replace(/\n+$/, '');
  // A text that was only whitespace stays as it was: an empty text part is rejected upstream.
  return joined || text;
}

/** Lossless whitespace normalisation of every text part. */
export function normalizeWhitespace(request: ChatRequest, counter: TokenCounter): StrategyResult {
  const before = counter.request(request);
  const result = mapText(request, (text, message) => normalizeText(text, message.role === 'tool'));
  return { request: result, before, after: result === request ? before : counter.request(result) };
}
