/**
 * @module `--help` text, generated from the command table so every command and flag has its line.
 */
import { VERSION } from '../server.ts';
import type { Command } from './commands.ts';

const EXIT_CODES = 'Exit codes: 0 done, 1 failed (or lint-prompts found an error), 2 bad command line.';

function optionLines(options: Command['options']): string[] {
  const rows: [string, string][] = Object.entries(options).map(([name, o]) => [
    `--${name}${o.value ? ` ${o.value}` : ''}`,
    `${o.help}${o.multiple ? ' (repeatable)' : ''}`,
  ]);
  rows.push(['-h, --help', 'print this help']);
  const width = Math.min(24, Math.max(...rows.map(([flag]) => flag.length)));
  return rows.map(([flag, help]) =>
    flag.length > width ? `  ${flag}\n  ${''.padEnd(width)}  ${help}` : `  ${flag.padEnd(width)}  ${help}`,
  );
}

function listLines(commands: Command[], prefix: string): string[] {
  const width = Math.max(...commands.map((c) => c.name.length));
  return commands.map((c) => `  ${prefix}${c.name.padEnd(width)}  ${c.summary}`);
}

/** The help of one command (`path` is e.g. `['eval', 'context']`). */
export function commandHelp(path: string[], command: Command): string {
  const name = `tokenwise ${path.join(' ')}`;
  const lines: string[] = [];
  if (command.run)
    lines.push(
      `Usage: ${name}${command.positionals ? ` ${command.positionals}` : ''}${Object.keys(command.options).length ? ' [flags]' : ''}`,
    );
  if (command.subcommands) lines.push(`Usage: ${name} <${command.subcommands.map((s) => s.name).join('|')}> [flags]`);
  lines.push('', command.summary);
  if (command.subcommands)
    lines.push(
      '',
      'Commands:',
      ...listLines(command.subcommands, ''),
      '',
      `Run \`${name} <command> --help\` for its flags.`,
    );
  lines.push('', 'Flags:', ...optionLines(command.options), '', EXIT_CODES);
  return `${lines.join('\n')}\n`;
}

/** `tokenwise --help`: every command in one line each. */
export function mainHelp(commands: Command[]): string {
  return [
    `tokenwise ${VERSION} — a local proxy that cuts what you pay for LLM calls`,
    '',
    'Usage: tokenwise <command> [flags]',
    '',
    'Commands:',
    ...listLines(commands, ''),
    '',
    'Run `tokenwise <command> --help` for its flags; `tokenwise --version` prints the version.',
    '',
    'Environment: TOKENWISE_PORT, TOKENWISE_HOST, TOKENWISE_DATA_DIR, TOKENWISE_LOCAL_MODEL, TOKENWISE_THREADS, TOKENWISE_GPU,',
    'TOKENWISE_TOKEN, TOKENWISE_CONFIG, OPENAI_API_KEY, OPENAI_BASE_URL, ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL; NO_COLOR turns colour off.',
    EXIT_CODES,
    '',
  ].join('\n');
}
