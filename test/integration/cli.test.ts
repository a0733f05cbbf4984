// `npm start` exactly as a user runs it: a real process, configured by environment only, answering the openai SDK
// from the local model and forwarding cloud models to an OpenAI-compatible base URL.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import { ensureTinyModel } from '../support/tiny-model.ts';

const root = path.resolve(import.meta.dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-cli-'));
let cloud: Awaited<ReturnType<typeof startFakeOpenAI>>;
let child: ChildProcess;
let output = '';
let url = '';

before(async () => {
  cloud = await startFakeOpenAI();
  const env = {
    ...process.env,
    TOKENWISE_LOCAL_MODEL: await ensureTinyModel(),
    TOKENWISE_TOKEN: 'cli-token-1',
    TOKENWISE_PORT: '0',
    TOKENWISE_THREADS: '1',
    TOKENWISE_DATA_DIR: dataDir,
    XDG_CONFIG_HOME: dataDir,
    OPENAI_BASE_URL: `${cloud.url}/v1`,
    OPENAI_API_KEY: 'sk-cli',
  };
  child = spawn('npm', ['start', '--silent'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  for (let i = 0; i < 600 && !(url && output.includes('local model ready')); i++) {
    url = output.match(/listening on (http:\/\/\S+)/)?.[1] ?? '';
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.ok(url, `proxy did not start:\n${output}`);
});
after(async () => {
  if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
  await cloud.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('prints the endpoint and the token on start', () => {
  assert.match(output, /OpenAI base URL: +http:\/\/127\.0\.0\.1:\d+\/v1/);
  assert.match(output, /token: +cli-token-1/);
  assert.match(output, /cloud providers: +openai/);
  assert.ok(!output.includes('sk-cli'), 'the cloud key is never printed');
});

test('the openai SDK gets a streamed and a non-streamed answer from model "local"', async () => {
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'cli-token-1', maxRetries: 0 });
  const whole = await client.chat.completions.create({
    model: 'local',
    messages: [{ role: 'user', content: 'hi' }],
    max_tokens: 8,
    temperature: 0,
  });
  assert.equal(whole.usage!.completion_tokens, 8);
  const stream = await client.chat.completions.create({
    model: 'local',
    messages: [{ role: 'user', content: 'hi' }],
    max_tokens: 8,
    stream: true,
  });
  let pieces = 0;
  for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) pieces++;
  assert.ok(pieces > 1);
});

test('gpt-4o-mini is forwarded to OPENAI_BASE_URL', async () => {
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'cli-token-1', maxRetries: 0 });
  const completion = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'to the cloud' }],
  });
  assert.equal(completion.choices[0]!.message.content, 'echo: to the cloud');
  assert.equal(cloud.requests.at(-1)!.headers.authorization, 'Bearer sk-cli');
});

test('SIGTERM shuts the proxy down cleanly (and npm with it)', async () => {
  const { pid } = (await (await fetch(`${url}/tokenwise/health`)).json()) as { pid: number };
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  process.kill(pid, 'SIGTERM');
  // node-llama-cpp re-raises the signal after its own cleanup, so the conventional 128+15 is as clean as 0.
  assert.ok([0, 143].includes((await exited)!));
  assert.match(output, /SIGTERM: shutting down/);
  assert.ok(!/Error|at .*\.js:\d+/.test(output.split('SIGTERM: shutting down')[1]!), 'no error on the way out');
});

test('a bad flag value stops start-up with the problem named and exit code 2', () => {
  const result = spawnSync(process.execPath, ['bin/tokenwise.js', 'serve', '--port', 'eighty'], {
    cwd: root,
    env: { ...process.env, XDG_CONFIG_HOME: dataDir, TOKENWISE_DATA_DIR: dataDir },
    encoding: 'utf8',
  });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /--port: expected a whole number, got "eighty"/);
});
