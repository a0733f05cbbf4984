/**
 * @module The one JSONL reader behind every evaluation data set: each line parsed on its own, numbered from 1 so a
 * format error names its file and line.
 */

/** One line of a JSONL text: its JSON value, or the parser's `error` when the line is not JSON at all. */
export interface JsonlLine {
  line: number;
  text: string;
  value: unknown;
  error?: string;
}

/** The lines of a JSONL text, parsed; the empty string after a final newline is not a line. */
export function jsonlLines(text: string): JsonlLine[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line, i) => {
    try {
      return { line: i + 1, text: line, value: JSON.parse(line) as unknown };
    } catch (error) {
      return { line: i + 1, text: line, value: undefined, error: (error as Error).message };
    }
  });
}

/** A JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
