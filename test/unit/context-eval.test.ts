import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runContextEval } from '../../proxy/eval/context.ts';
import { words } from './context-fixtures.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'tokenwise-eval-'));
const jsonl = (name: string, lines: unknown[]) => {
  const file = path.join(dir, name);
  writeFileSync(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return file;
};
const filler = (topic: string) => `${topic} ${'unrelated words about nothing in particular '.repeat(8)}`;
const context = (id: string, answer: string) => ({
  id,
  source: 'toy',
  question: 'Which river flows through Kelbridge?',
  answers: [answer],
  passages: [
    { title: 'Kelbridge', text: `Kelbridge is a market town on the ${answer}.`, relevant: true },
    { title: 'Basalt', text: filler('Basalt volcanic rock'), relevant: false },
    { title: 'Violin', text: filler('Violin string instrument'), relevant: false },
    { title: 'Chess', text: filler('Chess opening defence'), relevant: false },
  ],
});

test('context sets: selection metrics, split parts merged, bad records rejected with their line', async () => {
  jsonl('toy.dev.1.jsonl', [context('a', 'River Wend'), context('b', 'River Kell')]);
  jsonl('toy.dev.2.jsonl', [
    context('c', 'River Tarn'),
    '{"id": "d", "source": "toy", "question": "q?", "answers": ["x"], "passages": [{"title": "t", "text": "x", "relevant": false}]}',
    'not json',
  ]);
  const report = await runContextEval({ data: [path.join(dir, 'toy.dev*.jsonl')], counter: words, sweep: true });
  const toy = report.datasets.toy!;
  assert.equal(toy.records, 3);
  assert.equal(toy.relevant_recall, 1);
  assert.equal(toy.answer_retention, 1);
  assert.ok((toy.token_reduction as number) > 0.5, String(toy.token_reduction));
  assert.deepEqual(
    report.rejected.map((r) => [path.basename(r.file), r.line]),
    [
      ['toy.dev.2.jsonl', 2],
      ['toy.dev.2.jsonl', 3],
    ],
  );
  assert.match(report.rejected[0]!.reason, /no passage is marked relevant/);
  const sweep = toy.sweep_token_budget as { kept_share: number; token_reduction: number }[];
  assert.ok(sweep.length > 3 && sweep[0]!.token_reduction > sweep.at(-1)!.token_reduction, 'smaller budgets cut more');
  assert.match(report.text!, /^dataset\s+records\s+tokens_before/);
});

test('chats and traces: reduction at a budget, evidence kept, what the next step uses survives', async () => {
  const chat = {
    id: 'c1',
    source: 'toy',
    messages: [
      { role: 'user', content: 'hello '.repeat(2000) },
      { role: 'assistant', content: 'hi '.repeat(2000) },
      { role: 'user', content: 'remember the code 4711' },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: 'which code?' },
    ],
    probes: [{ question: 'code?', answer: '4711', evidence: [2] }],
  };
  const filler = (from: number) => Array.from({ length: 350 }, (_, i) => `${from + i}: filler line`);
  const longOutput = [
    ...filler(1),
    'Traceback (most recent call last):',
    '  File "/repo/app/models.py", line 42, in save',
    'ValueError: bad total_seconds',
    ...filler(400),
  ].join('\n');
  const trace = {
    id: 't1',
    source: 'toy',
    messages: [
      { role: 'system', content: 'agent' },
      { role: 'user', content: 'fix the bug' },
      { role: 'assistant', content: 'run tests\n```\npytest\n```' },
      { role: 'tool', content: longOutput },
      {
        role: 'assistant',
        content:
          'The ValueError in /repo/app/models.py line 42 comes from total_seconds.\n```\nopen /repo/app/models.py 42\n```',
      },
    ],
  };
  const report = await runContextEval({
    data: [jsonl('chat.jsonl', [chat]), jsonl('trace.jsonl', [trace])],
    budget: 2500,
    counter: words,
    json: true,
  });
  assert.equal(report.text, undefined);
  const chats = report.datasets.chat!;
  assert.equal(chats.kind, 'chats');
  assert.equal(chats.evidence_retention, 1);
  assert.ok((chats.token_reduction as number) > 0.4, String(chats.token_reduction));
  assert.equal(chats.structurally_invalid, 0);
  const traces = report.datasets.trace!;
  assert.equal(traces.kind, 'traces');
  assert.ok((traces.token_reduction as number) > 0.3, String(traces.token_reduction));
  assert.equal(traces.used_item_survival, 1);
});
