/**
 * @module What the analysis does to findings before anyone sees them: `tokenwise-ignore` comments (the next line, or
 * `tokenwise-ignore-file` for the whole file, optionally naming rules), and ranges narrowed to one line, so a finding
 * squiggles the line that shows the problem rather than the whole call.
 *
 * @example
 * // tokenwise-ignore template-padding
 * const r = await client.responses.create({ … });
 */
import type { Finding, RuleName } from './types.ts';

/** A comment in any of the languages read (`//`, `#`, `/*`, `<!--`) that starts with the directive. */
const DIRECTIVE = /(?:\/\/|#|\/\*|<!--)\s*tokenwise-ignore(-file)?\b([^\n]*)/;

interface Ignore {
  /** Rules named after the directive; empty: every rule. */
  rules: Set<string>;
  /** The 0-based line the comment applies to; undefined for the whole file. */
  line?: number;
}

/** The file's ignore directives. */
export function ignoreDirectives(source: string): Ignore[] {
  if (!source.includes('tokenwise-ignore')) return [];
  const ignores: Ignore[] = [];
  for (const [i, line] of source.split('\n').entries()) {
    const match = DIRECTIVE.exec(line);
    if (!match) continue;
    const rules = new Set(
      match[2]!
        .replace(/\*\/|-->/g, ' ')
        .split(/[\s,]+/)
        .filter((word) => /^[a-z]+(-[a-z]+)+$/.test(word)),
    );
    ignores.push(match[1] ? { rules } : { rules, line: i + 1 });
  }
  return ignores;
}

/** Line index (0-based) of each offset, through a table of line starts. */
export function lineIndex(source: string): (offset: number) => number {
  const starts = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  };
}

/**
 * Whether an ignore directive covers a finding: a file-wide one, or one on the line above the finding or above the
 * call the finding belongs to.
 */
export function isIgnored(ignores: Ignore[], rule: RuleName, lines: number[]): boolean {
  return ignores.some(
    (ignore) =>
      (!ignore.rules.size || ignore.rules.has(rule)) && (ignore.line === undefined || lines.includes(ignore.line)),
  );
}

/** The finding's range cut to its first line with text, from the first non-blank character: one line, one squiggle. */
export function narrowed(finding: Finding, source: string): Finding {
  const text = source.slice(finding.start, finding.end);
  if (!text.includes('\n')) return finding;
  let at = 0;
  for (const line of text.split('\n')) {
    const lead = line.length - line.trimStart().length;
    if (line.trim())
      return { ...finding, start: finding.start + at + lead, end: finding.start + at + line.trimEnd().length };
    at += line.length + 1;
  }
  return finding;
}
