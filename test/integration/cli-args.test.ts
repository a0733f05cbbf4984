// The command line as a user meets it, run as a process: strict flags with a "did you mean", exit code 2 for a
// mistake on the command line, and `--help` for every command in the table without running it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { COMMANDS, type Command } from '../../proxy/cli/commands.ts';

const root = path.resolve(import.meta.dirname, '../..');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-args-'));
after(() => fs.rmSync(home, { recursive: true, force: true }));

/** The built CLI, with no proxy to find (port 1) and an empty data folder, so nothing here can reach a real one. */
function tokenwise(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/tokenwise.js', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      ...process.env,
      XDG_CONFIG_HOME: home,
      TOKENWISE_DATA_DIR: home,
      TOKENWISE_PORT: '1',
      TOKENWISE_LOCAL_MODEL: 'off',
      NO_COLOR: '',
    },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('a misspelled flag is named with the flag it resembles, and exits 2 without running', () => {
  const typo = tokenwise('usage', '--sinse', '7d');
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /unknown flag --sinse \(did you mean --since\?\)/);
  assert.equal(typo.stdout, '', 'no all-time totals printed');
  const far = tokenwise('usage', '--frobnicate');
  assert.equal(far.status, 2);
  assert.match(far.stderr, /unknown flag --frobnicate/);
  assert.doesNotMatch(far.stderr, /did you mean/);
  const serve = tokenwise('serve', '--prot', '9000');
  assert.equal(serve.status, 2);
  assert.match(serve.stderr, /did you mean --port\?/);
});

test('an unknown command or subcommand gets a "did you mean" and exit 2', () => {
  const command = tokenwise('usgae');
  assert.equal(command.status, 2);
  assert.match(command.stderr, /unknown command "usgae" \(did you mean usage\?\)/);
  const lever = tokenwise('eval', 'contxt', '--data', 'x.jsonl');
  assert.equal(lever.status, 2);
  assert.match(lever.stderr, /unknown command "contxt" \(did you mean context\?\)/);
  const bare = tokenwise('cache');
  assert.equal(bare.status, 2);
  assert.match(bare.stderr, /name one of stats, clear/);
});

test('a missing value, a bad number, a bad time or a bad choice exits 2 with the flag named', () => {
  const cases: [string[], RegExp][] = [
    [['usage', '--since'], /--since needs a value/],
    [['usage', '--since', '--json'], /--since needs a value/],
    [['usage', '--since', 'last tuesday'], /--since: expected a time .*got "last tuesday"/],
    [
      ['usage', '--group-by', 'week'],
      /--group-by: expected one of day, hour, minute, model, route, client, provider, got "week"/,
    ],
    [['usage', '--json=yes'], /--json takes no value/],
    [['serve', '--threads', 'two'], /--threads: expected a whole number, got "two"/],
    [['eval', 'cache', '--data', 'x.jsonl', '--threshold', 'high'], /--threshold: expected a number, got "high"/],
    [['eval', 'audit', '--data', 'x.jsonl', '--seed', '1,b'], /--seed: expected whole numbers/],
    [['eval', 'context'], /--data FILE\.jsonl is required/],
    [['cache', 'stats', 'extra'], /unexpected argument "extra"/],
    [['audit', 'shwo'], /did you mean tokenwise audit show/],
  ];
  for (const [args, message] of cases) {
    const run = tokenwise(...args);
    assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message, args.join(' '));
  }
});

/** Every command and subcommand in the table, with its path. */
function everyCommand(commands: Command[], parent: string[] = []): [string[], Command][] {
  return commands.flatMap((c) => [
    [[...parent, c.name], c] as [string[], Command],
    ...everyCommand(c.subcommands ?? [], [...parent, c.name]),
  ]);
}

test('`--help` and `-h` print the usage of every command and subcommand, with each flag, and run nothing', () => {
  const all = everyCommand(COMMANDS);
  assert.ok(all.length >= 15, 'the table holds every command and eval lever');
  for (const [names, command] of all) {
    for (const flag of ['--help', '-h']) {
      // Flags after --help are not checked or run: `serve --help` must not start a proxy.
      const run = tokenwise(...names, flag);
      assert.equal(run.status, 0, `${names.join(' ')} ${flag}: ${run.stderr}`);
      assert.match(run.stdout, new RegExp(`^Usage: tokenwise ${names.join(' ')}\\b`), names.join(' '));
      for (const option of Object.keys(command.options))
        assert.match(run.stdout, new RegExp(`--${option}\\b`), `${names.join(' ')} documents --${option}`);
      for (const sub of command.subcommands ?? []) assert.match(run.stdout, new RegExp(`^  ${sub.name} `, 'm'));
      assert.match(run.stdout, /Exit codes: 0 .*2 bad command line/);
      assert.doesNotMatch(run.stdout, /listening on/);
    }
  }
  const main = tokenwise('--help');
  assert.equal(main.status, 0);
  for (const command of COMMANDS)
    assert.match(main.stdout, new RegExp(`^  ${command.name} +\\S`, 'm'), `tokenwise --help lists ${command.name}`);
  assert.equal(tokenwise().stdout, main.stdout);
});
