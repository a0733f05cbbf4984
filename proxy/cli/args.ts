/**
 * @module Splits `argv` into a command, positionals and `--flag value` / `--flag=value` / `--no-flag` pairs.
 */
/** A mistake in a command's arguments: printed without a stack. */
export class CliError extends Error {}

export interface ParsedArgs {
  command: string | undefined;
  positionals: string[];
  flags: Record<string, string | boolean>;
}

/** Flags that never take a value. */
const booleanFlags = new Set(['help', 'json', 'csv', 'version', 'download', 'no-download']);

export function parseArgs(argv: string[]): ParsedArgs {
  const positionals: string[] = [];
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq > 0 ? eq : undefined);
    if (eq > 0) flags[name] = arg.slice(eq + 1);
    else if (name.startsWith('no-')) flags[name.slice(3)] = false;
    else if (booleanFlags.has(name) || i + 1 >= argv.length || argv[i + 1]!.startsWith('--')) flags[name] = true;
    else flags[name] = argv[++i]!;
  }
  return { command: positionals.shift(), positionals, flags };
}
