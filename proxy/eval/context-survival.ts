/**
 * @module The traces metric of shared/data/README.md: of what the next assistant message uses from a tool output
 * (file paths, line numbers, error lines, identifiers), how much survives trimming of that output.
 */

export type ItemKind = 'paths' | 'line_numbers' | 'error_lines' | 'identifiers';

export interface UsedItem {
  kind: ItemKind;
  value: string;
}

const PATH =
  /(?:[\w.-]*\/)+[\w.-]+|\b[\w-]+\.(?:py|js|ts|tsx|jsx|json|md|txt|cfg|toml|ya?ml|c|h|cpp|go|rs|java|rb|sh|html|css|ini|lock|enc)\b/g;
const ERROR_LINE = /Traceback|Error|FAILED/;
const IDENTIFIER =
  /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+|[A-Za-z_]*_[A-Za-z0-9_]+|[a-z]+[A-Z][A-Za-z0-9]*|[A-Za-z_][A-Za-z0-9_]{2,}(?=\()/g;

/** A line number as tool output shows it: `120:` at a line start (file views), `line 120`, or `file.py:120`. */
function lineNumberIn(text: string, n: string): boolean {
  return new RegExp(`(^|\\n)\\s*${n}:|\\bline ${n}\\b|\\w:${n}\\b`).test(text);
}

/** What `next` (an assistant message) uses from `output` (the tool output before it). */
export function usedItems(output: string, next: string): UsedItem[] {
  const items = new Map<string, UsedItem>();
  const add = (kind: ItemKind, value: string) => items.set(`${kind}\0${value}`, { kind, value });
  for (const [path] of next.matchAll(PATH)) if (path.length > 3 && output.includes(path)) add('paths', path);
  for (const [n] of next.matchAll(/\b\d{1,5}\b/g)) if (lineNumberIn(output, n)) add('line_numbers', n);
  for (const line of output.split('\n')) if (ERROR_LINE.test(line) && line.trim()) add('error_lines', line.trim());
  for (const [id] of next.matchAll(IDENTIFIER)) if (id.length > 3 && output.includes(id)) add('identifiers', id);
  return [...items.values()];
}

/** Whether an item is still in the trimmed output. */
export function survives(item: UsedItem, trimmed: string): boolean {
  return item.kind === 'line_numbers' ? lineNumberIn(trimmed, item.value) : trimmed.includes(item.value);
}
