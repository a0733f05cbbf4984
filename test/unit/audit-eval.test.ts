import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runAuditEval } from '../../proxy/eval/audit.ts';

const record = (id: string, content: string, strong: number, weak: number) =>
  JSON.stringify({
    id,
    source: id.split('/')[0],
    messages: [{ role: 'user', content }],
    strong: { model: 'gpt-4-1106-preview', score: strong, output_chars: null },
    weak: { model: 'mixtral-8x7b-instruct-v0.1', score: weak, output_chars: 120 },
  });
const levels = ['pebble', 'acorn', 'feather', 'lantern', 'compass', 'harbor', 'glacier', 'volcano', 'nebula', 'quasar'];
// Ten kinds of question, from one the local model always gets right to one it gets right one time in ten.
const lines: string[] = [];
levels.forEach((word, level) => {
  for (let j = 0; j < 60; j++)
    lines.push(record(`${word}/${j}`, `Tell me about the ${word} in story ${j}.`, 1, j % 10 >= level ? 1 : 0));
});
const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'tokenwise-audit-eval-')), 'toy.dev.jsonl');
writeFileSync(file, `${lines.join('\n')}\n`);

test('offline audit: one JSON line per seed; a faithful local model keeps its savings, a degraded one is caught', async () => {
  let printed = '';
  const faithful = await runAuditEval({
    data: [file],
    seeds: [1, 2],
    sample: 0.1,
    json: true,
    write: (text) => (printed += text),
  });
  assert.equal(printed.trim().split('\n').length, 2);
  assert.deepEqual(JSON.parse(printed.split('\n')[0]!), JSON.parse(JSON.stringify(faithful[0])));
  assert.ok(
    Number.isNaN(faithful[0]!.quality_after_2000),
    'a set shorter than 2,000 requests has no figure after 2,000',
  );
  for (const report of faithful) {
    assert.equal(report.records, 600);
    assert.ok(report.audited! > 30 && report.audited! < 90, `audited ${report.audited}`);
    assert.ok(report.local_share! > 0.4, `local share ${report.local_share}`);
    assert.ok(report.quality! >= 0.95, `quality ${report.quality}`);
    assert.ok(report.cost_saved! > 0.4 && report.cost_saved_net! < report.cost_saved!);
    assert.ok(report.oracle_cost_saved! > 0.4);
  }
  // Half of the local model's right answers made wrong: audits find it and the harder kinds move to the cloud.
  const degraded = await runAuditEval({ data: [file], seeds: [1, 2], sample: 0.1, degrade: 0.5, write: () => {} });
  for (const [i, report] of degraded.entries()) {
    assert.ok(report.local_share! < faithful[i]!.local_share! * 0.7, `local share ${report.local_share}`);
    assert.ok(report.oracle_cost_saved! < 0.2 && report.quality! > 0.8, `quality ${report.quality}`);
  }
});

test('offline audit: --requests streams the set again in fresh orders past its size and says so', async () => {
  const [report] = await runAuditEval({ data: [file], seeds: [3], sample: 0.1, requests: 2600, write: () => {} });
  assert.equal(report!.records, 600);
  assert.equal(report!.requests, 2600);
  assert.ok(Math.abs(report!.epochs! - 2600 / 600) < 1e-3);
  assert.ok(report!.audited! > 200 && report!.audited! < 320, `audited ${report!.audited}`);
  assert.ok(report!.quality_after_2000! >= 0.95, `quality after 2,000 ${report!.quality_after_2000}`);
  await assert.rejects(runAuditEval({ data: [file], requests: 0, write: () => {} }), /--requests/);
});
