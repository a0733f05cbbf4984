/**
 * @module Strict argument parsing for one command (`util.parseArgs` with `strict: true`): an unknown flag, a flag
 * missing its value or a value of the wrong kind is a `UsageError` (exit 2) that names it, with a "did you mean".
 */
import { parseArgs } from 'node:util';
import { parseTime } from '../usage/index.ts';

/** A mistake the command cannot recover from: printed without a stack, exit code 1. */
export class CliError extends Error {}

/** A mistake in how the command was called (flag, value, command name): exit code 2, like other Unix tools. */
export class UsageError extends CliError {}

/** What a flag's value must be: a whole number, any number, a time (`7d`, an ISO date) or one of a list. */
export type ValueCheck = 'integer' | 'number' | 'time' | readonly string[];

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** The value's placeholder in the help (`N`, `FILE`). */
  value?: string;
  help: string;
  check?: ValueCheck;
  /** The flag may repeat (`--data a --data b`). */
  multiple?: boolean;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** Levenshtein distance with adjacent transpositions (`sinse` → `since` is one edit). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest of `candidates` to `word`, if it is close enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const limit = word.length <= 3 ? 1 : word.length <= 6 ? 2 : 3;
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(word, name);
    if (distance <= limit && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** ` (did you mean X?)` or nothing. */
export function suggestion(word: string, candidates: readonly string[], prefix = ''): string {
  const near = closest(word, candidates);
  return near ? ` (did you mean ${prefix}${near}?)` : '';
}

function checkValue(flag: string, value: string, check: ValueCheck): void {
  const fail = (expected: string) => {
    throw new UsageError(`--${flag}: expected ${expected}, got "${value}"`);
  };
  if (check === 'integer' && !/^\d+$/.test(value)) fail('a whole number');
  else if (check === 'number' && (value.trim() === '' || !Number.isFinite(Number(value)))) fail('a number');
  else if (check === 'time') {
    try {
      parseTime(value);
    } catch {
      fail('a time (7d, 24h, 30m, an ISO date or epoch ms)');
    }
  } else if (Array.isArray(check) && !check.includes(value)) fail(`one of ${check.join(', ')}`);
}

/**
 * Parses one command's arguments strictly.
 * @example parseCommandArgs('usage', ['--since', '7d'], { since: { type: 'string', help: '…', check: 'time' } }, false)
 */
export function parseCommandArgs(
  command: string,
  argv: string[],
  options: Record<string, OptionSpec>,
  allowPositionals: boolean,
): { values: OptionValues; positionals: string[] } {
  const config = Object.fromEntries(
    Object.entries(options).map(([name, o]) => [name, { type: o.type, ...(o.multiple ? { multiple: true } : {}) }]),
  );
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...config, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals,
    }) as typeof parsed;
  } catch (error) {
    throw new UsageError(describeParseError(command, error as NodeJS.ErrnoException, Object.keys(options)));
  }
  if (parsed.values.help) return parsed;
  for (const [name, value] of Object.entries(parsed.values)) {
    const check = options[name]?.check;
    if (!check) continue;
    for (const one of Array.isArray(value) ? value : [value]) if (typeof one === 'string') checkValue(name, one, check);
  }
  return parsed;
}

function describeParseError(command: string, error: NodeJS.ErrnoException, known: string[]): string {
  const quoted = error.message.match(/'([^']+)'/)?.[1] ?? '';
  const help = `(see tokenwise ${command} --help)`;
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const name = quoted.replace(/^-+/, '').split('=')[0]!;
      return `tokenwise ${command}: unknown flag ${quoted}${suggestion(name, known, '--')} ${help}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const flag = quoted.split(' ')[0]!;
      return error.message.includes('does not take an argument')
        ? `tokenwise ${command}: ${flag} takes no value ${help}`
        : `tokenwise ${command}: ${flag} needs a value ${help}`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `tokenwise ${command}: unexpected argument "${quoted}" ${help}`;
    default:
      return `tokenwise ${command}: ${error.message}`;
  }
}

/** The flags `loadConfig` reads (all, or only `names`), as strings and booleans: `--no-download` is `download: false`. */
export function configFlags(values: OptionValues, names?: string[]): Record<string, string | boolean> {
  const flags: Record<string, string | boolean> = {};
  for (const [name, value] of Object.entries(values)) {
    if (name === 'no-download' && value === true) flags.download = false;
    else if (
      (typeof value === 'string' || typeof value === 'boolean') &&
      name !== 'help' &&
      name !== 'no-download' &&
      (!names || names.includes(name))
    )
      flags[name] = value;
  }
  return flags;
}
