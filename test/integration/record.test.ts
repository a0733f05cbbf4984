// Recording sessions through the proxy (config record.dir, header x-tokenwise-record) and replaying them: one JSONL
// file per conversation, secrets redacted, and a replay under the same config costs what the ledger booked live.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runReplay } from '../../proxy/eval/replay/index.ts';
import { isRecordingLine } from '../../proxy/record/format.ts';
import { billedLikeAnthropic } from '../support/billed-like-anthropic.ts';
import { startFakeAnthropic } from '../support/fake-anthropic.ts';
import { startTestProxy, TEST_TOKEN } from '../support/proxy.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-recordings-'));
let anthropic: Awaited<ReturnType<typeof startFakeAnthropic>>;
let tw: Awaited<ReturnType<typeof startTestProxy>>;

before(async () => {
  anthropic = await startFakeAnthropic();
  anthropic.behave(
    await billedLikeAnthropic((request) =>
      JSON.stringify(request.body.messages).includes('tool_result')
        ? { kind: 'text', text: 'The tests pass now.' }
        : { kind: 'tool_call', name: 'bash', arguments: { command: 'npm test' } },
    ),
  );
  tw = await startTestProxy({
    config: { record: { dir }, usage: { flushIntervalMs: 10 } },
    env: { ANTHROPIC_BASE_URL: anthropic.url, ANTHROPIC_API_KEY: 'sk-ant-upstream-secret-0123456789' },
  });
});
after(async () => {
  await tw.close();
  await anthropic.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const system = `You are a coding agent working in a TypeScript repository. ${'Keep changes small and run the tests after each edit. '.repeat(150)}`;
const tools = [
  {
    name: 'bash',
    description: 'Run a shell command',
    input_schema: { type: 'object' as const, properties: { command: { type: 'string' } }, required: ['command'] },
  },
];

/** One agent task: the model asks for a command, the "agent" runs it and sends the output back. */
async function agentTask(task: string) {
  const first = await tw.anthropic.messages.create({
    model: 'claude-sonnet-4-5',
    max_tokens: 256,
    system,
    tools,
    messages: [{ role: 'user', content: task }],
  });
  const call = first.content.find((b) => b.type === 'tool_use')!;
  assert.ok(call, 'the model asked for a command');
  await tw.anthropic.messages.create({
    model: 'claude-sonnet-4-5',
    max_tokens: 256,
    system,
    tools,
    messages: [
      { role: 'user', content: task },
      { role: 'assistant', content: first.content },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: call.id,
            content: `PASS src/parser.test.ts\n${'ok '.repeat(400)}\nTests: 42 passed`,
          },
        ],
      },
    ],
  });
}

test('every request lands in its conversation’s file, in the format replay reads, with secrets redacted', async () => {
  await agentTask(
    'Fix the failing parser test. My npm token is npm_ignore and my OpenAI key is sk-proj-abcdefghijklmnopqrstuvwxyz012345.',
  );
  await agentTask('Rename the exporter module.');
  const files = fs.readdirSync(dir);
  assert.equal(files.length, 2, files.join(', '));
  const text = files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('');
  const lines = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as unknown);
  assert.equal(lines.length, 4);
  assert.ok(lines.every(isRecordingLine));
  assert.ok(
    !text.includes('sk-proj-abcdefghijklmnopqrstuvwxyz012345') &&
      !text.includes('sk-ant-upstream-secret') &&
      !text.includes(TEST_TOKEN),
    'no key or token written',
  );
  assert.match(text, /My npm token is npm_ignore and my OpenAI key is \[REDACTED\]/);
  assert.equal(fs.statSync(path.join(dir, files[0]!)).mode & 0o077, 0, 'readable by the user only');
});

test('replayed under the same config, the recording costs what the live ledger booked (within 1%)', async () => {
  const live = tw.proxy.usage.summary(0, Date.now() + 1).totals.costUsd;
  const report = await runReplay({ data: [dir], model: 'claude-sonnet-4-5', config: tw.config });
  assert.equal(report.totals.turns, 4);
  assert.deepEqual(report.rejected, []);
  console.log(
    `# live ledger $${live.toFixed(6)}, replay $${report.totals.actual_usd.toFixed(6)}, baseline $${report.totals.baseline_usd.toFixed(6)}`,
  );
  assert.ok(live > 0);
  assert.ok(
    Math.abs(report.totals.actual_usd - live) <= 0.01 * live,
    `replay $${report.totals.actual_usd} vs live $${live}`,
  );
  assert.ok(
    report.totals.baseline_usd > report.totals.actual_usd,
    'Tokenwise’s breakpoints saved against the unmarked baseline',
  );
});

test('x-tokenwise-record: off keeps a request out; a bad value is a 400 in the caller’s error shape', async () => {
  const before = fs
    .readdirSync(dir)
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('').length;
  await tw.anthropic.messages.create(
    { model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'not this one' }] },
    { headers: { 'x-tokenwise-record': 'off' } },
  );
  assert.equal(
    fs
      .readdirSync(dir)
      .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
      .join('').length,
    before,
  );
  const bad = await tw.fetch('/v1/messages', {
    method: 'POST',
    headers: { 'x-tokenwise-record': 'yes' },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: { message: string } }).error.message, /x-tokenwise-record/);
});

test('without record.dir only requests that ask are recorded, into the data directory', async () => {
  const plain = await startTestProxy({ env: { ANTHROPIC_BASE_URL: anthropic.url, ANTHROPIC_API_KEY: 'k-0123456789' } });
  try {
    await plain.anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'unrecorded' }],
    });
    const recordings = path.join(plain.config.dataDir, 'recordings');
    assert.equal(fs.existsSync(recordings), false);
    await plain.anthropic.messages.create(
      { model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'recorded' }] },
      { headers: { 'x-tokenwise-record': 'on' } },
    );
    const text = fs
      .readdirSync(recordings)
      .map((f) => fs.readFileSync(path.join(recordings, f), 'utf8'))
      .join('');
    assert.match(text, /"recorded"/);
    assert.doesNotMatch(text, /unrecorded/);
  } finally {
    await plain.close();
  }
});

test('GET /tokenwise/whatif: a switched-off lever replayed on the week’s recordings, and each conversation’s running cost', async () => {
  const off = await startTestProxy({
    config: { record: { dir }, cache: { promptCaching: false } },
    env: { ANTHROPIC_BASE_URL: anthropic.url, ANTHROPIC_API_KEY: 'k-0123456789' },
  });
  try {
    const response = await off.fetch('/tokenwise/whatif');
    assert.equal(response.status, 200, await response.clone().text());
    const report = (await response.json()) as {
      sessions: number;
      turns: number;
      costUsd: number;
      levers: { lever: string; setting: string; savedUsd: number }[];
      conversations: { id: string; costUsd: number }[];
    };
    assert.deepEqual([report.sessions, report.turns], [2, 4]);
    assert.deepEqual(
      report.levers.map((l) => [l.lever, l.setting]),
      [['promptCache', 'cache.promptCaching']],
      'only the lever that is off',
    );
    assert.ok(report.levers[0]!.savedUsd > 0, 'breakpoints would have saved on these agent turns');
    assert.equal(report.conversations.length, 2);
    assert.ok(Math.abs(report.conversations.reduce((sum, c) => sum + c.costUsd, 0) - report.costUsd) < 1e-5);
    assert.equal(
      ((await off.fetch('/tokenwise/whatif?since=' + (Date.now() + 60_000)).then((r) => r.json())) as { turns: number })
        .turns,
      0,
      'nothing recorded after now',
    );
    assert.equal((await fetch(`${off.url}/tokenwise/whatif`)).status, 401, 'the token is required');
  } finally {
    await off.close();
  }
});
