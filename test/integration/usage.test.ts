// The ledger through the real proxy: every finished request recorded with tokens and dollars, queryable over HTTP and
// from the CLI, streamed live with Last-Event-ID replay, and exported as Prometheus metrics.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { startFakeAnthropic } from '../support/fake-anthropic.ts';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import { startTestProxy, TEST_TOKEN } from '../support/proxy.ts';
import { ensureTinyModel } from '../support/tiny-model.ts';

const root = path.resolve(import.meta.dirname, '../..');
let openai: Awaited<ReturnType<typeof startFakeOpenAI>>;
let anthropic: Awaited<ReturnType<typeof startFakeAnthropic>>;
let tw: Awaited<ReturnType<typeof startTestProxy>>;

before(async () => {
  openai = await startFakeOpenAI();
  anthropic = await startFakeAnthropic();
  tw = await startTestProxy({
    // A 429 must reach the ledger as a 429 here, not be rescued by a retry or the local model.
    config: { router: { retries: 0, lastResortLocal: false } },
    env: {
      OPENAI_BASE_URL: `${openai.url}/v1`,
      OPENAI_API_KEY: 'k',
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_API_KEY: 'k',
      TOKENWISE_LOCAL_MODEL: await ensureTinyModel(),
      TOKENWISE_THREADS: '1',
      TOKENWISE_CONTEXT_SIZE: '512',
    },
  });
  await tw.proxy.local!.start();
});
after(async () => {
  await tw.close();
  await openai.close();
  await anthropic.close();
});

type Row = {
  id: number;
  client: string;
  route: string;
  status: number;
  cost_usd: number | null;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  tokens_estimated: number;
  saved_routing: number;
  saved_prompt_cache: number;
  baseline_cost_usd: number | null;
  model_used: string;
};
function rows(): Row[] {
  tw.proxy.usage.summary(0, Date.now() + 1); // drains and flushes
  return tw.proxy.usage.ledger.db.all('SELECT * FROM requests ORDER BY id') as Row[];
}

const ask = (model: string, content: string, extra: Record<string, unknown> = {}) => ({
  model,
  messages: [{ role: 'user' as const, content }],
  ...extra,
});

test('every finished request is recorded, and the totals are exactly the sum of the records', async () => {
  await tw.openai.chat.completions.create(ask('gpt-4o-mini', 'one'));
  const stream = await tw.openai.chat.completions.create({
    ...ask('gpt-4o-mini', 'two, streamed, no usage asked'),
    stream: true,
  });
  for await (const _ of stream);
  anthropic.behave({
    kind: 'echo',
    usage: { input_tokens: 100, cache_read_input_tokens: 4000, cache_creation_input_tokens: 500 },
  });
  await tw.anthropic.messages.create({
    model: 'claude-haiku-4-5',
    max_tokens: 50,
    messages: [{ role: 'user', content: 'three' }],
  });
  await tw.openai.chat.completions.create(ask('local', 'four', { max_tokens: 5, temperature: 0 }));
  openai.behave({ kind: 'error', status: 429, retryAfter: 1 });
  await assert.rejects(tw.openai.chat.completions.create(ask('gpt-4o-mini', 'five')));
  openai.behave({ kind: 'echo' });

  const records = rows();
  assert.equal(records.length, 5);
  const [one, two, three, four, five] = records;
  assert.equal(one!.client, 'openai-node');
  assert.equal(three!.client, 'anthropic-node');
  assert.ok(
    two!.input_tokens > 0 && two!.tokens_estimated === 0,
    'a stream whose caller did not ask for usage still records the upstream’s count',
  );
  assert.equal(three!.cached_tokens, 4000);
  assert.equal(three!.input_tokens, 4600);
  assert.ok(three!.saved_prompt_cache > 0, 'cache reads are a saving');
  assert.deepEqual([four!.route, four!.cost_usd, four!.output_tokens], ['local', 0, 5]);
  assert.ok(
    four!.saved_routing > 0 && four!.saved_routing === four!.baseline_cost_usd,
    'a local answer saves the premium model’s price',
  );
  assert.equal(five!.status, 429);

  const summary = (await (await tw.fetch('/tokenwise/usage')).json()) as {
    totals: { requests: number; costUsd: number; errors: number; localShare: number; cachedTokens: number };
  };
  assert.equal(summary.totals.requests, 5);
  assert.equal(summary.totals.errors, 1);
  assert.equal(summary.totals.localShare, 0.2);
  assert.equal(summary.totals.cachedTokens, 4000);
  assert.ok(Math.abs(summary.totals.costUsd - records.reduce((sum, r) => sum + (r.cost_usd ?? 0), 0)) < 1e-12);

  const byRoute = (await (await tw.fetch('/tokenwise/usage?groupBy=route')).json()) as {
    groups: { key: string; requests: number }[];
  };
  assert.deepEqual(
    byRoute.groups.map((g) => [g.key, g.requests]),
    [
      ['cloud', 4],
      ['local', 1],
    ],
  );
  const bad = await tw.fetch('/tokenwise/usage?groupBy=planet');
  assert.equal(bad.status, 400);
});

test('`tokenwise usage --json` reports the same requests and cost, from the running proxy and from the file', async () => {
  const records = rows();
  const expectedCost = records.reduce((sum, r) => sum + (r.cost_usd ?? 0), 0);
  const port = new URL(tw.url).port;
  const cli = (...extra: string[]) =>
    promisify(execFile)(
      process.execPath,
      ['bin/tokenwise.js', 'usage', '--json', '--data-dir', tw.config.dataDir, '--token', TEST_TOKEN, ...extra],
      { cwd: root, env: { ...process.env, XDG_CONFIG_HOME: tw.config.dataDir } },
    );
  const live = JSON.parse((await cli('--port', port)).stdout) as { totals: { requests: number; costUsd: number } };
  assert.equal(live.totals.requests, records.length);
  assert.ok(Math.abs(live.totals.costUsd - expectedCost) < 1e-12);
  const fromFile = JSON.parse((await cli('--port', '1')).stdout) as { totals: { requests: number; costUsd: number } };
  assert.equal(fromFile.totals.requests, records.length);
  assert.ok(Math.abs(fromFile.totals.costUsd - expectedCost) < 1e-12);
  const csv = (
    await promisify(execFile)(
      process.execPath,
      ['bin/tokenwise.js', 'usage', '--csv', '--group-by', 'route', '--data-dir', tw.config.dataDir, '--port', '1'],
      { cwd: root, env: { ...process.env, XDG_CONFIG_HOME: tw.config.dataDir } },
    )
  ).stdout;
  assert.match(csv.split('\n')[0]!, /^key,requests,errors,/);
  assert.match(csv, /^local,1,0,/m);
});

test('the live feed sends each finished request, and replays what a reconnecting client missed', async () => {
  const controller = new AbortController();
  const response = await tw.fetch('/tokenwise/events', { signal: controller.signal });
  assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  const until = async (pattern: RegExp) => {
    while (!pattern.test(text)) text += (await reader.read()).value ?? '';
  };
  await until(/event: totals/);
  const sent = performance.now();
  await tw.openai.chat.completions.create(
    { ...ask('gpt-4o-mini', 'live one'), user: 'x' },
    { headers: { 'x-tokenwise-client': 'live-test' } },
  );
  await until(/"client":"live-test"/);
  assert.ok(performance.now() - sent < 1000, 'the event arrives within a second of the request finishing');
  const firstId = Number(text.match(/id: (\d+)\nevent: request\ndata: [^\n]*live-test/)![1]);
  controller.abort();

  await tw.openai.chat.completions.create(ask('gpt-4o-mini', 'missed while away'), {
    headers: { 'x-tokenwise-client': 'missed' },
  });
  const replay = await tw.fetch('/tokenwise/events', {
    headers: { 'last-event-id': String(firstId) },
    signal: AbortSignal.timeout(2000),
  });
  const replayReader = replay.body!.pipeThrough(new TextDecoderStream()).getReader();
  let replayed = '';
  while (!/"client":"missed"/.test(replayed)) replayed += (await replayReader.read()).value ?? '';
  assert.ok(!replayed.includes('"client":"live-test"'), 'only what came after Last-Event-ID');
  assert.match(replayed, new RegExp(`id: ${firstId + 1}\\nevent: request`));
  await replayReader.cancel();
  const noToken = await fetch(`${tw.url}/tokenwise/events`);
  assert.equal(noToken.status, 401);
});

test('/metrics is Prometheus text with requests, tokens, cost and latency by route, provider and model', async () => {
  const response = await fetch(`${tw.url}/metrics`);
  assert.match(response.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
  const body = await response.text();
  for (const line of body.trim().split('\n').filter(Boolean)) {
    assert.match(
      line,
      /^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\})? -?[0-9.e+-]+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? (NaN|\+Inf|-Inf))$/,
      `not Prometheus text: ${line}`,
    );
  }
  assert.match(body, /tokenwise_requests_total\{route="local",provider="local",model="tiny",status="200"\} 1/);
  assert.match(
    body,
    /tokenwise_tokens_total\{kind="cached",route="cloud",provider="anthropic",model="claude-haiku-4-5"\} 4000/,
  );
  assert.match(body, /tokenwise_request_duration_seconds_bucket\{le="\+Inf",route="cloud"/);
  assert.match(body, /tokenwise_local_queue_depth 0/);
});
