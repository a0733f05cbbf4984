// README.md's first screen, run as written: its offline start line (generate the small model, `npm start` on it) and
// then its curl, in a shell in the repository, must end with an answer from the proxy. Only what a test must own
// changes: a throwaway HOME (so the token and ledger are fresh), port 0 in place of 8787, one thread on this
// 2-core machine, and no cloud keys from the environment.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

const root = path.resolve(import.meta.dirname, '../..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8').split('\n');
const firstHeading = readme.findIndex((line) => line.startsWith('## '));
const screen = readme.slice(0, firstHeading);
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-readme-'));
const model = path.join(root, 'tiny.gguf');
const modelWasThere = fs.existsSync(model);
let child: ChildProcess | undefined;

/** The shell blocks of the first screen, each as the text a user pastes. */
function shellBlocks(): string[] {
  const blocks: string[] = [];
  let current: string[] | undefined;
  for (const line of screen) {
    if (current && line.startsWith('```')) {
      blocks.push(current.join('\n'));
      current = undefined;
    } else if (current) current.push(line);
    else if (line === '```sh') current = [];
  }
  return blocks;
}

/** The environment of a user with nothing configured yet. */
function freshEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(TOKENWISE_|XDG_|OPENAI_|ANTHROPIC_)/.test(name)),
  );
  return { ...env, HOME: home, TOKENWISE_PORT: '0', TOKENWISE_THREADS: '1' };
}

after(() => {
  if (child?.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
  if (!modelWasThere) fs.rmSync(model, { force: true });
  fs.rmSync(home, { recursive: true, force: true });
});

test('the first screen is one screen: the two commands, a start and a request before the first section', () => {
  assert.ok(firstHeading > 0 && firstHeading <= 50, `the first "## " heading is on line ${firstHeading + 1}`);
  const blocks = shellBlocks();
  assert.match(blocks[0]!, /^npm install && npm start +#.*\nnpm test +#/);
  assert.equal(
    blocks.filter((b) => b.includes('npm start') && !b.includes('npm install')).length,
    1,
    'one offline start',
  );
  assert.equal(blocks.filter((b) => b.includes('curl ')).length, 1, 'one request');
});

test('run verbatim on this offline machine, the first screen ends with an answer from the proxy', async () => {
  const blocks = shellBlocks();
  const start = blocks.find((b) => b.includes('npm start') && !b.includes('npm install'))!;
  const request = blocks.find((b) => b.includes('curl '))!;
  child = spawn('sh', ['-c', start], { cwd: root, env: freshEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  let url = '';
  for (let i = 0; i < 2400 && !(url && output.includes('local model ready')) && child.exitCode === null; i++) {
    url = output.match(/listening on (http:\/\/\S+)/)?.[1] ?? '';
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.ok(url && output.includes('local model ready'), `the proxy did not get ready:\n${output}`);
  assert.match(output, /local model: +tiny\.gguf/);

  const asked = spawnSync('sh', ['-c', request.replaceAll('http://127.0.0.1:8787', url)], {
    cwd: root,
    env: freshEnv(),
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(asked.status, 0, asked.stderr);
  const answer = JSON.parse(asked.stdout) as {
    object: string;
    choices: { message: { role: string; content: string } }[];
    usage: { completion_tokens: number };
  };
  assert.equal(answer.object, 'chat.completion');
  assert.equal(answer.choices[0]!.message.role, 'assistant');
  assert.ok(answer.choices[0]!.message.content.length > 0, asked.stdout);
  assert.ok(answer.usage.completion_tokens > 0 && answer.usage.completion_tokens <= 24, asked.stdout);
});
