/**
 * @module The `tokenwise` command line: finds the command in the table, parses its flags strictly, runs it.
 * Exit codes: 0 done, 1 failed, 2 a mistake on the command line.
 */
import { ConfigError } from '../config/load.ts';
import { VERSION } from '../server.ts';
import { CliError, parseCommandArgs, suggestion, UsageError } from './args.ts';
import { COMMANDS, type Command } from './commands.ts';
import { commandHelp, mainHelp } from './help.ts';

/** The command and subcommand the arguments name, the path to them, and the arguments left. */
function resolve(argv: string[]): { command: Command; path: string[]; rest: string[] } {
  const name = argv[0]!;
  const command = COMMANDS.find((c) => c.name === name);
  if (!command)
    throw new UsageError(
      `tokenwise: unknown command "${name}"${suggestion(
        name,
        COMMANDS.map((c) => c.name),
      )} (see tokenwise --help)`,
    );
  const sub = argv[1];
  const subcommand = command.subcommands?.find((s) => s.name === sub);
  if (subcommand) return { command: subcommand, path: [name, sub!], rest: argv.slice(2) };
  if (command.subcommands && !command.run && sub !== undefined && !sub.startsWith('-')) {
    const names = command.subcommands.map((s) => s.name);
    throw new UsageError(
      `tokenwise ${name}: unknown command "${sub}"${suggestion(sub, names)}; expected one of ${names.join(', ')}`,
    );
  }
  return { command, path: [name], rest: argv.slice(1) };
}

async function main(argv: string[]): Promise<void> {
  if (!argv.length || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(mainHelp(COMMANDS));
    return;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  if (argv[0]!.startsWith('-'))
    throw new UsageError(`tokenwise: a command comes first, got "${argv[0]}" (see tokenwise --help)`);
  const { command, path, rest } = resolve(argv);
  const args = parseCommandArgs(
    path.join(' '),
    rest,
    command.options,
    command.positionals !== undefined || command.subcommands !== undefined,
  );
  if (args.values.help || !command.run) {
    if (!command.run && !args.values.help)
      throw new UsageError(
        `tokenwise ${path.join(' ')}: name one of ${command.subcommands!.map((s) => s.name).join(', ')} (see tokenwise ${path.join(' ')} --help)`,
      );
    process.stdout.write(commandHelp(path, command));
    return;
  }
  await command.run(args);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof CliError) process.stderr.write(`${error.message}\n`);
  else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
    process.stderr.write(`port already in use: ${(error as Error).message}\n`);
  else process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
