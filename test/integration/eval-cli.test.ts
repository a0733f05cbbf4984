// `tokenwise eval …` as a user runs it, on small files in the evaluation formats of shared/data/README.md.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';

const root = path.resolve(import.meta.dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-eval-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const tokenwise = (...args: string[]) =>
  promisify(execFile)(process.execPath, ['bin/tokenwise.js', ...args], { cwd: root });

test('eval context prints one JSON object with the reduction and what was kept', async () => {
  const record = (id: string, question: string, answer: string, relevant: string) => ({
    id,
    source: 'test',
    question,
    answers: [answer],
    passages: [
      { title: 'Relevant', text: relevant, relevant: true },
      ...Array.from({ length: 6 }, (_, i) => ({
        title: `Noise ${i}`,
        text: `Shipping container logistics and port cranes, part ${i}. `.repeat(8),
        relevant: false,
      })),
    ],
  });
  const file = path.join(dir, 'context.jsonl');
  fs.writeFileSync(
    file,
    [
      record('a', 'Which fruit is rich in vitamin C?', 'oranges', 'Oranges are rich in vitamin C.'),
      record('b', 'What colour is the sky on a clear day?', 'blue', 'On a clear day the sky is blue.'),
    ]
      .map((r) => JSON.stringify(r))
      .join('\n') + '\n',
  );
  const { stdout } = await tokenwise('eval', 'context', '--data', file, '--json');
  const result = JSON.parse(stdout) as Record<string, number>;
  assert.equal(result.records, 2);
  assert.equal(result.answer_retention, 1);
  assert.equal(result.relevant_recall, 1);
  assert.ok(result.token_reduction! > 0.5 && result.tokens_after! < result.tokens_before!);

  // Without --json, --sweep prints the curves as tables, the same points as the JSON; no progress off a terminal.
  const swept = JSON.parse((await tokenwise('eval', 'context', '--data', file, '--json', '--sweep')).stdout) as {
    sweep_min_relevance: { min_relevance: number; token_reduction: number }[];
    sweep_token_budget: unknown[];
  };
  const { stdout: text, stderr } = await tokenwise('eval', 'context', '--data', file, '--sweep');
  assert.equal(stderr, '');
  assert.match(text, /^dataset +records/);
  const curve = text.split('context: minimum relevance sweep\n')[1]!.split('\n\n')[0]!.trimEnd().split('\n');
  assert.match(curve[0]!, /^min_relevance +token_reduction +answer_retention +relevant_recall$/);
  assert.deepEqual(
    curve.slice(1).map((line) => line.trim().split(/ +/).slice(0, 2).map(Number)),
    swept.sweep_min_relevance.map((p) => [p.min_relevance, p.token_reduction]),
  );
  assert.match(text, /context: share of passage tokens kept sweep\nkept_share +token_reduction/);
  assert.equal(
    text.split('context: share of passage tokens kept sweep\n')[1]!.trimEnd().split('\n').length,
    swept.sweep_token_budget.length + 1,
  );
});

test('eval cache scores pairs at the calibrated threshold and finds the safe one', async () => {
  const file = path.join(dir, 'pairs.jsonl');
  const pairs = [
    { id: '1', source: 't', a: 'How do I reset my password?', b: 'How can I reset my password?', same: true },
    {
      id: '2',
      source: 't',
      a: 'How do I read num_rows of a dataset?',
      b: 'How do I read num_columns of a dataset?',
      same: false,
    },
    { id: '3', source: 't', a: 'What is the capital of France?', b: 'Which river flows through Paris?', same: false },
  ];
  fs.writeFileSync(file, pairs.map((p) => JSON.stringify(p)).join('\n') + '\n');
  const { stdout } = await tokenwise('eval', 'cache', '--data', file, '--json');
  const result = JSON.parse(stdout) as Record<string, number>;
  assert.deepEqual([result.pairs, result.precision, result.recall, result.false_hit_rate], [3, 1, 1, 0]);
  assert.equal(typeof result.best_threshold, 'number');
  fs.writeFileSync(file, '{"id": "x", "a": "only one side"}\n');
  await assert.rejects(
    tokenwise('eval', 'cache', '--data', file, '--json'),
    (e: { stderr: string }) => /pairs\.jsonl:1: "source"/.test(e.stderr) && !/\n\s+at /.test(e.stderr),
  );
});

test("eval cache --calibrate --save picks a GGUF embedder's threshold and writes it to the config; --verifier times the judge", async () => {
  const { ensureTinyModel } = await import('../support/tiny-model.ts');
  const embedder = await ensureTinyModel(undefined, { embedding: true });
  const chat = await ensureTinyModel();
  const file = path.join(dir, 'calibrate.jsonl');
  const pairs = [
    { id: '1', source: 't', a: 'How do I reset my password?', b: 'How can I reset my password?', same: true },
    { id: '2', source: 't', a: 'How do I rename a branch?', b: 'how do I rename a branch', same: true },
    {
      id: '3',
      source: 't',
      a: 'How do I read num_rows of a dataset?',
      b: 'How do I read num_columns of a dataset?',
      same: false,
    },
  ];
  fs.writeFileSync(file, pairs.map((p) => JSON.stringify(p)).join('\n') + '\n');
  const config = path.join(dir, 'calibrated', 'config.json');
  const { stdout, stderr } = await tokenwise(
    'eval',
    'cache',
    '--data',
    file,
    '--embedder',
    embedder,
    '--threads',
    '1',
    '--calibrate',
    '--save',
    '--config',
    config,
    '--verifier',
    chat,
    '--verifier-threshold',
    '0',
    '--json',
  );
  const result = JSON.parse(stdout) as {
    calibrated_threshold: number;
    hits: number;
    verifier: { judged: number; failed: number; p50_ms: number; tokens_per_judgement: number };
  };
  assert.ok(result.calibrated_threshold >= 0 && result.calibrated_threshold <= 1);
  assert.deepEqual(JSON.parse(fs.readFileSync(config, 'utf8')), {
    cache: { semantic: { embedder, threshold: result.calibrated_threshold } },
  });
  assert.match(stderr, /saved cache\.semantic\.threshold/);
  // At a yes threshold of 0 every judged candidate is confirmed: the hits are exactly the judged pairs.
  assert.equal(result.verifier.failed, 0);
  assert.equal(result.verifier.judged, result.hits);
  assert.ok(result.verifier.p50_ms > 0 && result.verifier.tokens_per_judgement > 20);
  const { loadConfig } = await import('../../proxy/config/load.ts');
  assert.equal(loadConfig({ env: { TOKENWISE_CONFIG: config } }).cache.semantic.threshold, result.calibrated_threshold);
});

test('eval router cross-validates on routing records and reports the RouteLLM metrics', async () => {
  const file = path.join(dir, 'routing.jsonl');
  const subjects = ['arithmetic', 'poetry', 'geometry', 'history'];
  const records = Array.from({ length: 60 }, (_, i) => {
    const subject = subjects[i % 4]!;
    const hard = subject === 'geometry' || subject === 'history';
    return {
      id: `r${i}`,
      source: `test/${subject}`,
      messages: [{ role: 'user', content: `A ${subject} question number ${i} about ${subject} things?` }],
      strong: { model: 'gpt-4-1106-preview', score: 1, output_chars: 200 },
      weak: { model: 'mixtral-8x7b-instruct-v0.1', score: hard ? 0 : 1, output_chars: 200 },
    };
  });
  fs.writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const { stdout } = await tokenwise('eval', 'router', '--data', file, '--json');
  const result = JSON.parse(stdout) as Record<string, number>;
  for (const key of [
    'records',
    'strong_share',
    'quality',
    'quality_strong',
    'quality_weak',
    'pgr',
    'cost_saved',
    'apgr',
    'cpt50',
    'cpt80',
    'cost_saved_at_95',
  ])
    assert.equal(typeof result[key], 'number', key);
  assert.equal(result.records, 60);
  assert.ok(result.apgr! > 0.5, `learns which subjects need the strong model (APGR ${result.apgr})`);

  // The shipped weights travel inside the bundled CLI: no file path beside its chunks.
  const shipped = JSON.parse(
    (await tokenwise('eval', 'router', '--data', file, '--weights', 'shipped', '--json')).stdout,
  );
  assert.equal(shipped.folds, 0);
  assert.equal(shipped.records, 60);
});

test('eval replay: a trace replayed through the pipeline, on Claude and on OpenAI prices, as JSON and as a table', async () => {
  const messages = [
    {
      role: 'system',
      content: `You are an autonomous programmer. ${'Read the code before you change it. '.repeat(300)}`,
    },
    { role: 'user', content: 'The build fails.' },
  ];
  for (let i = 0; i < 3; i++)
    messages.push(
      { role: 'assistant', content: `Step ${i}\n\`\`\`\nmake step${i}\n\`\`\`` },
      { role: 'tool', content: `step ${i} output\n${'compiled ok\n'.repeat(200)}` },
    );
  messages.push({ role: 'assistant', content: 'The build passes now.' });
  const file = path.join(dir, 'traces.jsonl');
  fs.writeFileSync(file, `${JSON.stringify({ id: 't1', source: 'test', messages })}\n`);
  const claude = JSON.parse(
    (await tokenwise('eval', 'replay', '--data', file, '--model', 'claude-sonnet-4-5', '--json')).stdout,
  ) as { model: string; totals: Record<string, number> };
  assert.equal(claude.model, 'claude-sonnet-4-5');
  assert.equal(claude.totals.turns, 4);
  assert.ok(claude.totals.cost_cut! > 0.3, `breakpoints cut the cost (${claude.totals.cost_cut})`);
  assert.equal(claude.totals.invalid_requests, 0);
  const table = (await tokenwise('eval', 'replay', '--data', file, '--model', 'gpt-4.1')).stdout;
  assert.match(table, /replay on gpt-4\.1 prices/);
  assert.match(table, /TOTAL \(1 sessions\)/);
});

test('a bad record or a missing file is a clear error', async () => {
  await assert.rejects(
    tokenwise('eval', 'context', '--data', path.join(dir, 'missing.jsonl'), '--json'),
    (e: { stderr: string; code: number }) => e.code === 1 && /cannot read .*missing\.jsonl/.test(e.stderr),
  );
  await assert.rejects(
    tokenwise('eval', 'nonsense', '--data', 'x'),
    (e: { stderr: string; code: number }) =>
      e.code === 2 &&
      /unknown command "nonsense"; expected one of context, cache, router, replay, audit/.test(e.stderr),
  );
});

test('`tokenwise cache stats|clear` work on the data file when no proxy runs, with the same fields as through a running one', async () => {
  const { loadConfig } = await import('../../proxy/config/load.ts');
  const { startProxy } = await import('../../proxy/server.ts');
  const { startFakeOpenAI } = await import('../support/fake-openai.ts');
  const cloud = await startFakeOpenAI();
  const env = {
    TOKENWISE_DATA_DIR: dir,
    XDG_CONFIG_HOME: dir,
    TOKENWISE_PORT: '0',
    TOKENWISE_TOKEN: 'cache-cli-token',
    TOKENWISE_LOCAL_MODEL: 'off',
    OPENAI_BASE_URL: `${cloud.url}/v1`,
    OPENAI_API_KEY: 'k',
  };
  const cache = (port: string, ...args: string[]) =>
    promisify(execFile)(
      process.execPath,
      ['bin/tokenwise.js', 'cache', ...args, '--data-dir', dir, '--port', port, '--token', 'cache-cli-token'],
      { cwd: root, env: { ...process.env, XDG_CONFIG_HOME: dir } },
    );
  const proxy = await startProxy(loadConfig({ env }), { env });
  let live: Record<string, unknown>;
  try {
    const response = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer cache-cli-token' },
      body: JSON.stringify({ model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content: 'keep me' }] }),
    });
    await response.arrayBuffer();
    live = JSON.parse((await cache(new URL(proxy.url).port, 'stats', '--json')).stdout);
  } finally {
    await proxy.close();
    await cloud.close();
  }
  assert.equal(live.proxyRunning, true);
  assert.equal(live.entries, 1);
  const run = (...args: string[]) => cache('1', ...args);
  const offline = JSON.parse((await run('stats', '--json')).stdout) as Record<string, unknown>;
  assert.deepEqual(Object.keys(offline).sort(), Object.keys(live).sort(), 'one shape, proxy up or down');
  assert.equal(offline.proxyRunning, false);
  assert.equal(offline.entries, 1);
  const table = (await run('stats')).stdout;
  assert.match(table, /^cache +value\n/, 'a header row');
  assert.match(table, /^entries +1$/m);
  assert.match(table, /^proxy +not running/m);
  assert.ok(!table.includes('\u001b['), 'no colour codes when stdout is not a terminal');
  assert.equal(JSON.parse((await run('clear', '--json')).stdout).cleared, 1);
  assert.equal(JSON.parse((await run('stats', '--json')).stdout).entries, 0);
  await assert.rejects(
    run('explode'),
    (e: { stderr: string; code: number }) =>
      e.code === 2 && /unknown command "explode"; expected one of stats, clear/.test(e.stderr),
  );
});
