/**
 * @module How commands print: tables with a header row, colour only on a terminal that wants it, and JSON/CSV
 * with money rounded to 1e-9 so float noise (`0.00010169999999999999`) never reaches a report.
 */
import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

/** Colour only when stdout is a terminal and NO_COLOR is unset or empty (https://no-color.org). */
export function colourWanted(
  stream: { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR;
}

/** `text` in `style` when colour is wanted, else as is. */
export function paint(style: Style, text: string, colour = colourWanted()): string {
  // The decision is made above; newer Node versions would otherwise check process.stdout again.
  return colour ? styleText(style, text, { validateStream: false }) : text;
}

/** A number rounded to 1e-9: dollars carry no more precision than a billionth, and no binary float noise. */
export function round9(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}

/** JSON for the terminal or a file, every non-integer number rounded to 1e-9. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? round9(v) : v), 2)}\n`;
}

export interface TableOptions {
  /** Columns aligned right (numbers and money); the rest align left. */
  right?: number[];
  /** Rows drawn in bold (a total). */
  bold?: number[];
  colour?: boolean;
}

/** A table: the header row, then the rows, columns padded to their widest cell. */
export function table(header: string[], rows: string[][], options: TableOptions = {}): string {
  const colour = options.colour ?? colourWanted();
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (options.right?.includes(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const lines = [
    paint('bold', line(header), colour),
    ...rows.map((r, i) => (options.bold?.includes(i) ? paint('bold', line(r), colour) : line(r))),
  ];
  return `${lines.join('\n')}\n`;
}
