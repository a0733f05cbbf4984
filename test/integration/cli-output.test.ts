// What `tokenwise usage` prints, run as a process against a real proxy whose requests cost fractions of a cent:
// a table with a header row, small amounts with significant digits, JSON and CSV money without float noise, and no
// colour codes when stdout is not a terminal.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { usd } from '../../shared/format.ts';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import { startTestProxy, TEST_TOKEN } from '../support/proxy.ts';

const root = path.resolve(import.meta.dirname, '../..');
let openai: Awaited<ReturnType<typeof startFakeOpenAI>>;
let tw: Awaited<ReturnType<typeof startTestProxy>>;

before(async () => {
  // 7 input and 3 output tokens at $0.3 and $0.7 per million: $0.0000042 a request.
  openai = await startFakeOpenAI({ usage: { prompt_tokens: 7, completion_tokens: 3 } });
  tw = await startTestProxy({
    config: { usage: { priceOverrides: { 'gpt-4o-mini': { inputMtok: 0.3, outputMtok: 0.7 } } } },
    env: { OPENAI_BASE_URL: `${openai.url}/v1`, OPENAI_API_KEY: 'k' },
  });
  for (const question of ['one', 'two', 'three'])
    await tw.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: question }] });
});
after(async () => {
  await tw.close();
  await openai.close();
});

const usage = (...args: string[]) =>
  promisify(execFile)(
    process.execPath,
    ['bin/tokenwise.js', 'usage', '--port', new URL(tw.url).port, '--token', TEST_TOKEN, ...args],
    { cwd: root, env: { ...process.env, XDG_CONFIG_HOME: tw.config.dataDir } },
  );

test('JSON and CSV carry money rounded to 1e-9, where the ledger sum has float noise', async () => {
  const raw = (await (
    await fetch(`${tw.url}/tokenwise/usage`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })
  ).json()) as { totals: { costUsd: number } };
  assert.notEqual(
    raw.totals.costUsd,
    Math.round(raw.totals.costUsd * 1e9) / 1e9,
    'precondition: the summed costs are not a round number in binary floating point',
  );
  const json = JSON.parse((await usage('--json')).stdout) as { totals: { costUsd: number; requests: number } };
  assert.equal(json.totals.requests, 3);
  assert.equal(json.totals.costUsd, 0.0000126);
  const csv = (await usage('--csv')).stdout.split('\n');
  const columns = csv[0]!.split(',');
  assert.equal(csv[1]!.split(',')[columns.indexOf('costUsd')], '0.0000126');
});

test('the table has a header row, prints $0.0000042-sized amounts with significant digits, and no colour off a terminal', async () => {
  const table = (await usage('--group-by', 'model')).stdout;
  const [header, ...rows] = table.trimEnd().split('\n');
  assert.match(header!, /^model +requests +input tokens +output tokens +spent +saved +local$/);
  assert.match(rows.find((r) => r.startsWith('gpt-4o-mini'))!, /\s3\s+21\s+9\s+\$0\.000013\s/);
  assert.equal(usd(0.0000126), '$0.000013');
  assert.match(rows.at(-1)!, /^total\s/);
  assert.ok(!table.includes('$0.0000 '), 'never "$0.0000" for a cost that is not zero');
  assert.ok(!table.includes('\u001b['), 'no ANSI codes when stdout is a pipe');
});
