/**
 * @module The rules that flag bloated prompts, each with a mechanical fix where there is one. A rule's name is the
 * diagnostic's code. Token figures come from the prompt's own counter, so a fix's saving is measured, not guessed.
 */
import type { CountText } from '../context/index.ts';
import { minCacheableTokens } from './provider-facts.ts';
import type { Finding, Fix, LiteralSpan, PromptCost, PromptReport, TextEdit } from './types.ts';

/** Static text after the first run-time value worth flagging: below this, the lost cache prefix is noise. */
const MIN_STATIC_AFTER_DYNAMIC = 64;
/**
 * Whitespace padding worth flagging: at least this many tokens and this share of the literal. Indentation costs
 * about one token per line, so 8 tokens is eight padded lines; below 5% of the text the saving is smaller than the
 * uncertainty of the estimate itself (run-time values are guessed at ~20 tokens each), and the dedent is churn.
 */
const MIN_PADDING_TOKENS = 8;
const MIN_PADDING_SHARE = 0.05;
/** A line this long, repeated within one prompt, is a repeated block. */
const MIN_REPEATED_LINE = 60;
/** A system prompt this long written at two call sites is a duplicate worth sharing. */
const MIN_SYSTEM_PROMPT = 80;

export interface RuleOptions {
  /** Input tokens above which a prompt is an error (`--max-tokens`, `tokenwise.promptHints.maxTokens`). */
  maxTokens: number;
}

type Prompt = Omit<PromptReport, 'findings'>;

/** Every per-prompt rule's findings. */
export function promptFindings(prompt: Prompt, source: string, count: CountText, options: RuleOptions): Finding[] {
  return [
    overBudget(prompt, options),
    dynamicBeforeStatic(prompt, source, count),
    ...padding(prompt, source, count),
    ...largeJson(prompt),
    repeatedBlock(prompt, source),
  ].filter((f): f is Finding => f !== undefined);
}

const tokens = (cost: PromptCost) => `${cost.estimated ? '≈' : ''}${cost.inputTokens.toLocaleString('en')}`;

function overBudget(prompt: Prompt, { maxTokens }: RuleOptions): Finding | undefined {
  if (prompt.cost.inputTokens <= maxTokens) return undefined;
  return {
    rule: 'over-token-budget',
    severity: 'error',
    message: `${tokens(prompt.cost)} input tokens is over the budget of ${maxTokens.toLocaleString('en')}`,
    start: prompt.start,
    end: prompt.end,
  };
}

function dynamicBeforeStatic(prompt: Prompt, source: string, count: CountText): Finding | undefined {
  const after = staticAfterFirstDynamic(prompt);
  if (after === undefined) return undefined;
  // Even with every fixed token first, a prefix under the provider's minimum is never cached.
  if (prompt.cost.staticTokens < minCacheableTokens(prompt.cost.model)) return undefined;
  const lost = count(after);
  if (lost < MIN_STATIC_AFTER_DYNAMIC) return undefined;
  const literal = prompt.literals.find((l) => l.holes.length && l.verbatim && startsWithHole(l, source));
  const fix = literal && reorderFix(literal, source);
  return {
    rule: 'dynamic-before-static',
    severity: 'warning',
    message: `${lost.toLocaleString('en')} tokens of fixed text come after a run-time value, so the provider's prompt cache, which matches from the start, cannot reuse them: put the fixed text first`,
    start: literal ? literal.contentStart : prompt.start,
    end: literal ? literal.contentEnd : prompt.end,
    ...(fix ? { fix } : {}),
  };
}

/** The static text following the prompt's first run-time value, or undefined when there is none. */
function staticAfterFirstDynamic(prompt: Prompt): string | undefined {
  let seen = false;
  let after = '';
  for (const message of prompt.messages) {
    for (const part of message.parts) {
      if (part.kind === 'dynamic' && message.role !== 'history') seen = true;
      else if (part.kind === 'static' && seen) after += part.text;
    }
  }
  return seen ? after : undefined;
}

/** Whether the literal's first non-blank line holds a run-time value. */
function startsWithHole(literal: LiteralSpan, source: string): boolean {
  const lines = sourceLines(literal, source);
  const first = lines.find((l) => l.hole || l.text.trim());
  return first?.hole ?? false;
}

function sourceLines(
  literal: LiteralSpan,
  source: string,
): { text: string; start: number; end: number; hole: boolean }[] {
  const lines: { text: string; start: number; end: number; hole: boolean }[] = [];
  let at = literal.contentStart;
  for (const text of source.slice(literal.contentStart, literal.contentEnd).split('\n')) {
    const end = at + text.length;
    lines.push({ text, start: at, end, hole: literal.holes.some((h) => h.start < end && h.end > at) });
    at = end + 1;
  }
  return lines;
}

/** Lines holding run-time values moved after the fixed lines, when every value sits on its own line(s). */
function reorderFix(literal: LiteralSpan, source: string): Fix | undefined {
  const content = source.slice(literal.contentStart, literal.contentEnd);
  if (literal.holes.some((h) => source.slice(h.start, h.end).includes('\n'))) return undefined;
  const lines = sourceLines(literal, source);
  const trailing: string[] = [];
  while (lines.length > 1 && !lines.at(-1)!.hole && !lines.at(-1)!.text.trim()) trailing.unshift(lines.pop()!.text);
  const dynamic = lines.filter((l) => l.hole).map((l) => l.text);
  const fixed = lines.filter((l) => !l.hole).map((l) => l.text);
  while (fixed.length && !fixed[0]!.trim()) fixed.shift();
  if (!dynamic.length || !fixed.some((l) => l.trim())) return undefined;
  const reordered = [...fixed, ...(fixed.at(-1)?.trim() ? [''] : []), ...dynamic, ...trailing].join('\n');
  if (reordered === content) return undefined;
  return {
    title: 'Move the run-time values after the fixed text',
    edits: [{ start: literal.contentStart, end: literal.contentEnd, newText: reordered }],
  };
}

/** Indentation leaked from the code, blank-line runs and trailing spaces inside multi-line literals. */
function padding(prompt: Prompt, source: string, count: CountText): Finding[] {
  if (prompt.kind === 'prompt-file') return [];
  const findings: Finding[] = [];
  for (const literal of unique(prompt.literals)) {
    if (literal.dedented || !literal.verbatim) continue;
    const content = source.slice(literal.contentStart, literal.contentEnd);
    if (!content.includes('\n')) continue;
    const tight = tighten(literal, source);
    const before = count(content);
    const saved = before - count(tight);
    if (saved < MIN_PADDING_TOKENS || saved < before * MIN_PADDING_SHARE) continue;
    // The squiggle goes on the first padded line: that is where the problem shows.
    const padded = sourceLines(literal, source).find((l, i) => i > 0 && /^[ \t]+\S/.test(l.text));
    findings.push({
      rule: 'template-padding',
      severity: 'warning',
      message: `${saved.toLocaleString('en')} tokens of indentation and blank lines inside the prompt text: the model is billed for them`,
      start: padded?.start ?? literal.contentStart,
      end: padded?.end ?? literal.contentEnd,
      fix: {
        title: 'Dedent the prompt text and collapse blank lines',
        edits: [{ start: literal.contentStart, end: literal.contentEnd, newText: tight }],
      },
    });
  }
  return findings;
}

/** The literal's content with its common indentation (from the second line on) removed, runs of blank lines cut
 * to one, and trailing spaces dropped; text inside interpolations is left as it is. */
function tighten(literal: LiteralSpan, source: string): string {
  const lines = sourceLines(literal, source);
  const rest = lines.slice(1).filter((l) => l.text.trim());
  const margin = rest.length ? Math.min(...rest.map((l) => /^[ \t]*/.exec(l.text)![0].length)) : 0;
  const out: string[] = [];
  for (const [i, line] of lines.entries()) {
    let text = i > 0 && line.text.trim() ? line.text.slice(margin) : line.text.trim() ? line.text : '';
    if (!line.hole) text = text.trimEnd();
    const blank = !text.trim();
    if (blank && i > 0 && i < lines.length - 1 && !out.at(-1)?.trim()) continue;
    out.push(blank && i < lines.length - 1 ? '' : text);
  }
  return out.join('\n');
}

function largeJson(prompt: Prompt): Finding[] {
  const findings: Finding[] = [];
  for (const message of prompt.messages) {
    for (const part of message.parts) {
      if (part.kind !== 'dynamic' || !part.json) continue;
      const range = part.range ?? { start: prompt.start, end: prompt.end };
      const fix: Fix | undefined = part.rewrite
        ? { title: 'Serialize without indentation', edits: [part.rewrite] }
        : undefined;
      findings.push({
        rule: 'large-json-interpolation',
        severity: 'warning',
        message: `${part.source.length > 60 ? `${part.source.slice(0, 57)}…` : part.source} puts a whole serialized object in the prompt (≈${part.estimateTokens} tokens estimated, growing with the data)${part.json === 'indented' ? '; its indentation alone adds about a third' : ''}: send only the fields the model needs`,
        ...range,
        ...(fix ? { fix } : {}),
      });
    }
  }
  return findings;
}

/** Long lines that appear more than once in one prompt; the fix deletes the later copies written in the source. */
function repeatedBlock(prompt: Prompt, source: string): Finding | undefined {
  const seen = new Map<string, number>();
  for (const message of prompt.messages) {
    for (const part of message.parts) {
      if (part.kind !== 'static') continue;
      for (const line of part.text.split('\n')) {
        const key = line.trim();
        if (key.length >= MIN_REPEATED_LINE) seen.set(key, (seen.get(key) ?? 0) + 1);
      }
    }
  }
  const repeated = [...seen].filter(([, n]) => n > 1).map(([line]) => line);
  if (!repeated.length) return undefined;
  const edits: TextEdit[] = [];
  const lines = unique(prompt.literals)
    .filter((l) => l.verbatim)
    .sort((a, b) => a.contentStart - b.contentStart)
    .flatMap((l) =>
      sourceLines(l, source).map((line, i, all) => ({ ...line, first: i === 0, last: i === all.length - 1 })),
    );
  for (const text of repeated) {
    const copies = lines.filter((l) => !l.hole && l.text.trim() === text);
    for (const copy of copies.slice(1)) edits.push(deleteLine(copy, source));
  }
  const first = lines.find((l) => repeated.includes(l.text.trim()));
  return {
    rule: 'repeated-block',
    severity: 'warning',
    message: `${repeated.length} line${repeated.length > 1 ? 's' : ''} of the prompt appear${repeated.length > 1 ? '' : 's'} more than once: the model reads each copy and is billed for it`,
    start: first?.start ?? prompt.start,
    end: first?.end ?? prompt.end,
    ...(edits.length
      ? { fix: { title: 'Delete the repeated lines', edits: edits.sort((a, b) => b.start - a.start) } }
      : {}),
  };
}

/**
 * Deletes a line with its newline. A literal that is the line alone (an element of a joined array) goes with its
 * quotes, comma and the space after; anywhere else it is emptied, which leaves the code valid.
 */
function deleteLine(line: { start: number; end: number; first: boolean; last: boolean }, source: string): TextEdit {
  if (!line.first) return { start: line.last ? line.start - 1 : line.start, end: line.end, newText: '' };
  if (!line.last) return { start: line.start, end: line.end + 1, newText: '' };
  const before = /[,[(]\s*$/.test(source.slice(Math.max(0, line.start - 200), line.start - 1));
  const after = /^\s*,\s*/.exec(source.slice(line.end + 1, line.end + 200));
  if (before && after) return { start: line.start - 1, end: line.end + 1 + after[0].length, newText: '' };
  return { start: line.start, end: line.end, newText: '' };
}

/** The same system prompt written inline at more than one call site: the second and later sites are flagged. */
export function duplicateSystemPrompts<T extends Pick<Prompt, 'inlineSystem' | 'start' | 'end'>>(
  prompts: T[],
  where: (prompt: T) => string,
): Map<T, Finding> {
  const first = new Map<string, T>();
  const findings = new Map<T, Finding>();
  for (const prompt of prompts) {
    const key = prompt.inlineSystem?.trim().replace(/\s+/g, ' ');
    if (!key || key.length < MIN_SYSTEM_PROMPT) continue;
    const original = first.get(key);
    if (!original) {
      first.set(key, prompt);
      continue;
    }
    findings.set(prompt, {
      rule: 'duplicate-system-prompt',
      severity: 'warning',
      message: `the same system prompt is written at ${where(original)}: define it once and share it, so both stay the same and share one cache prefix`,
      start: prompt.start,
      end: prompt.end,
    });
  }
  return findings;
}

const unique = <T>(items: T[]) => [...new Set(items)];
