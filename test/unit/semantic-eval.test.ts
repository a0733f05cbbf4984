import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  calibratedThreshold,
  lowestSafeThreshold,
  metricsAt,
  PairFormatError,
  parsePairs,
  runCacheEval,
  type ScoredPair,
} from '../../proxy/eval/cache.ts';

const pair = (similarity: number, same: boolean, conflict?: string): ScoredPair => ({
  id: String(Math.random()),
  source: 's',
  a: 'a',
  b: 'b',
  same,
  similarity,
  ...(conflict ? { conflict } : {}),
});

test('precision, recall, f1 and false-hit rate on a toy set; the guard refuses whatever the similarity', () => {
  const scored = [
    pair(0.9, true),
    pair(0.8, true),
    pair(0.7, false),
    pair(0.6, true),
    pair(0.95, false, 'num_rows vs num_columns'),
    pair(0.2, false),
  ];
  const m = metricsAt(scored, 0.65);
  assert.deepEqual({ hits: m.hits, falseHits: m.falseHits }, { hits: 3, falseHits: 1 });
  assert.equal(m.precision, 2 / 3);
  assert.equal(m.recall, 2 / 3);
  assert.equal(m.f1, 2 / 3);
  assert.equal(m.falseHitRate, 1 / 3);
  // Nothing served: nothing served wrongly.
  assert.deepEqual(metricsAt(scored, 0.99), {
    threshold: 0.99,
    hits: 0,
    falseHits: 0,
    precision: 1,
    recall: 0,
    f1: 0,
    falseHitRate: 0,
  });
  // The lowest grid threshold above the 0.7 negative.
  assert.equal(lowestSafeThreshold(scored), 0.701);
  assert.equal(lowestSafeThreshold([pair(0.5, true), pair(0.4, false)]), 0.401);
  assert.equal(lowestSafeThreshold([pair(0.5, true)]), 0);
});

test('a bad record is rejected with its file and line', () => {
  const good = '{"id":"p1","source":"s","a":"How?","b":"How so?","same":true}';
  assert.equal(parsePairs(`${good}\n`, 'f.jsonl').length, 1);
  const cases: [string, RegExp][] = [
    [
      `${good}\n{"id":"p2","source":"s","a":"x","b":"  ","same":false}\n`,
      /^f\.jsonl:2: "b" must be a non-empty string/,
    ],
    [`${good}\n{"id":"p2","source":"s","a":"x","b":"y","same":"yes"}\n`, /^f\.jsonl:2: "same"/],
    [`${good}\n${good}\n`, /^f\.jsonl:2: duplicate id "p1"/],
    [`${good}\nnot json\n`, /^f\.jsonl:2: not a JSON object/],
    [`[1]\n`, /^f\.jsonl:1: not a JSON object/],
    [`${good}\n\n${good}\n`, /^f\.jsonl:2: not a JSON object/],
  ];
  for (const [text, error] of cases)
    assert.throws(
      () => parsePairs(text, 'f.jsonl'),
      (e) => e instanceof PairFormatError && error.test(e.message),
    );
});

test('runCacheEval reports one JSON object with the metrics at the threshold and the best threshold', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tokenwise-cache-eval-'));
  const file = path.join(dir, 'pairs.jsonl');
  const records = [
    { a: 'How do I remove paint from a wooden floor?', b: 'how can I remove paint from wooden floors', same: true },
    { a: 'What does num_rows return?', b: 'What does num_columns return?', same: false },
    { a: 'How do I bake bread?', b: 'What is the tallest mountain?', same: false },
  ];
  writeFileSync(file, records.map((r, i) => JSON.stringify({ id: `t${i}`, source: 'toy', ...r })).join('\n') + '\n');
  let printed = '';
  const result = await runCacheEval({ data: [file], json: true, write: (text) => (printed += text) });
  assert.deepEqual(JSON.parse(printed), result);
  assert.equal(printed.trim().split('\n').length, 1);
  assert.equal(result.pairs, 3);
  assert.equal(result.hits, 1);
  assert.equal(result.precision, 1);
  assert.equal(result.recall, 1);
  assert.equal(result.false_hit_rate, 0);
  assert.equal(result.guard_refused_not_same, 2, 'the identifier swap and the unrelated pair');
  assert.equal(typeof result.best_threshold, 'number');
  // At 0 every pair the guard lets through is served; the unrelated pair still is not: its words are not accounted for.
  const atZero = await runCacheEval({ data: [file], threshold: 0, write: () => {} });
  assert.equal(atZero.threshold, 0);
  assert.deepEqual([atZero.hits, atZero.false_hits, atZero.guard_refused_not_same], [1, 0, 2]);
});

test('calibratedThreshold is the lowest threshold at which every set keeps its precision and false-hit cap', () => {
  const pair = (similarity: number, same: boolean) => ({
    id: String(Math.random()),
    source: 's',
    a: 'a',
    b: 'b',
    same,
    similarity,
  });
  const loose = [
    pair(0.95, true),
    pair(0.9, true),
    pair(0.5, false),
    ...Array.from({ length: 300 }, () => pair(0.3, false)),
  ];
  const strict = [pair(0.92, true), pair(0.8, false), ...Array.from({ length: 300 }, () => pair(0.2, false))];
  assert.equal(calibratedThreshold([loose]), 0.501);
  assert.equal(calibratedThreshold([loose, strict]), 0.801, 'the strictest set decides');
});
