import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runRouterEval } from '../../proxy/eval/router.ts';
import { fitDifficulty } from '../../proxy/eval/training/difficulty-fit.ts';
import { chatMessagesOf, parseRoutingRecords, RoutingFormatError } from '../../proxy/eval/training/routing-data.ts';

const record = (id: string, content: string, strong: number, weak: number, model = 'gpt-4-1106-preview') =>
  JSON.stringify({
    id,
    source: id.split('/')[0],
    messages: [{ role: 'user', content }],
    strong: { model, score: strong, output_chars: null },
    weak: { model: 'mixtral-8x7b-instruct-v0.1', score: weak, output_chars: 120 },
  });

const animals = [
  'otters',
  'herons',
  'lynxes',
  'badgers',
  'ibises',
  'voles',
  'newts',
  'wrens',
  'moles',
  'stoats',
  'egrets',
  'shrews',
  'finches',
  'hares',
  'toads',
  'geckos',
  'lemurs',
  'tapirs',
  'okapis',
  'dingos',
];
// Riddles only the cloud model solves; greetings both answer.
const lines = [
  ...animals.map((a, i) =>
    record(`riddle/${i}`, `Solve this riddle about ${a}: what walks on four legs at dawn and hides at dusk?`, 1, 0),
  ),
  ...animals.map((a, i) => record(`greeting/${i}`, `Say hello to the ${a} politely and wish them a good day.`, 1, 1)),
];

function dataFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'tokenwise-router-eval-')), 'toy.dev.jsonl');
  writeFileSync(file, text);
  return file;
}

test('cross-validated eval: one JSON object with the operating point and the sweep; a learnable set scores near the oracle', async () => {
  let printed = '';
  const result = await runRouterEval({
    data: [dataFile(`${lines.join('\n')}\n`)],
    json: true,
    write: (text) => (printed += text),
  });
  assert.equal(printed.trim().split('\n').length, 1);
  assert.deepEqual(JSON.parse(printed), result);
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
    'calls_saved_at_95',
  ])
    assert.equal(typeof result[key], 'number', key);
  assert.equal(result.records, 40);
  assert.equal(result.folds, 5);
  assert.equal(result.quality_strong, 1);
  assert.equal(result.quality_weak, 0.5);
  assert.equal(result.priced, 1);
  // The oracle's APGR here is 0.75 (the whole gap at 50% of calls); the random router's is 0.5.
  assert.ok(result.apgr! > 0.7, `apgr ${result.apgr}`);
  assert.ok(result.calls_saved_at_95! > 0.4, `calls saved ${result.calls_saved_at_95}`);
  assert.ok(result.pgr! >= 0.9 && result.strong_share! <= 0.6, `pgr ${result.pgr} at share ${result.strong_share}`);
  assert.ok(result.cost_usd! < result.cost_all_strong_usd!);
});

test('scoring with a weights file, and a cloud-share operating point', async () => {
  const records = parseRoutingRecords(`${lines.join('\n')}\n`, 'toy');
  // Thresholds are read off cross-validated scores. On 40 records, 20 folds' models (38 records each) score the
  // riddles just above where the model trained on all 40 does, so no riddle would reach the 0.5 share's threshold.
  const weights = fitDifficulty(
    records.map((r) => ({ messages: chatMessagesOf(r), topic: r.source, strong: r.strong.score, weak: r.weak.score })),
    { seed: 0, calibrationFolds: 5 },
  );
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'tokenwise-router-weights-')), 'weights.json');
  writeFileSync(file, JSON.stringify(weights));
  const result = await runRouterEval({
    data: [dataFile(`${lines.join('\n')}\n`)],
    weights: file,
    cloudShare: 0.5,
    write: () => {},
  });
  assert.equal(result.folds, 0);
  assert.equal(result.target_cloud_share, 0.5);
  assert.equal(result.strong_share, 0.5);
  assert.equal(result.pgr, 1);
});

test('an unpriced strong model is reported, and costs fall back to counting calls', async () => {
  const warnings: string[] = [];
  // A private deployment genai-prices cannot know (counted with cl100k, like the other tests, to load one encoding).
  const unpriced = lines.map((line) => line.replace('gpt-4-1106-preview', 'gpt-4-house-model'));
  const result = await runRouterEval({
    data: [dataFile(`${unpriced.join('\n')}\n`)],
    folds: 2,
    write: () => {},
    warn: (line) => warnings.push(line),
  });
  assert.equal(result.priced, 0);
  assert.ok(Number.isNaN(result.cost_usd!));
  assert.equal(result.cost_saved, 1 - result.strong_share!);
  assert.match(warnings.join('\n'), /no price known for gpt-4-house-model/);
});

test('a bad routing record is rejected with its file and line', () => {
  const good = record('a/1', 'Question?', 1, 0);
  assert.equal(parseRoutingRecords(`${good}\n`, 'f.jsonl').length, 1);
  const edit = (change: (r: Record<string, any>) => void) => {
    const r = JSON.parse(good);
    change(r);
    return `${good}\n${JSON.stringify({ ...r, id: 'a/2' })}\n`;
  };
  const cases: [string, RegExp][] = [
    [`${good}\nnot json\n`, /^f\.jsonl:2: not a JSON object/],
    [`${good}\n${good}\n`, /^f\.jsonl:2: duplicate id "a\/1"/],
    [edit((r) => (r.messages = [])), /^f\.jsonl:2: "messages" must be a non-empty array/],
    [
      edit((r) => r.messages.push({ role: 'assistant', content: 'Answer.' })),
      /^f\.jsonl:2: the last message must be from the user/,
    ],
    [edit((r) => (r.messages[0].role = 'tool')), /^f\.jsonl:2: messages\[0\]\.role/],
    [edit((r) => (r.messages[0].content = ' ')), /^f\.jsonl:2: messages\[0\]\.content/],
    [edit((r) => (r.strong.score = 1.5)), /^f\.jsonl:2: strong\.score must be a number from 0 to 1/],
    [edit((r) => delete r.weak), /^f\.jsonl:2: "weak" must be an object/],
    [edit((r) => (r.weak.output_chars = -3)), /^f\.jsonl:2: weak\.output_chars/],
    [edit((r) => (r.source = '')), /^f\.jsonl:2: "source" must be a non-empty string/],
    [`${good}\n\n`, /^f\.jsonl:2: not a JSON object/],
  ];
  for (const [text, error] of cases)
    assert.throws(
      () => parseRoutingRecords(text, 'f.jsonl'),
      (e) => e instanceof RoutingFormatError && error.test(e.message),
      String(error),
    );
});
