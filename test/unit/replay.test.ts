import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { loadConfig } from '../../proxy/config/load.ts';
import { runReplay } from '../../proxy/eval/replay/index.ts';
import { LEVERS } from '../../proxy/usage/record.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-replay-test-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** An agent session in the traces format: a long system prompt, then commands and their outputs. */
function trace(id: string, steps: number, issue: string): string {
  const messages = [
    {
      role: 'system',
      content: `You are an autonomous programmer. ${'Follow the repository conventions carefully. '.repeat(300)}`,
    },
    { role: 'user', content: `Issue ${id}: ${issue}` },
  ];
  for (let i = 0; i < steps; i++) {
    messages.push({
      role: 'assistant',
      content: `Step ${i}: look at the code.\n\`\`\`\ncat src/module_${i}.py\n\`\`\``,
    });
    const lines = Array.from({ length: 900 }, (_, n) => `${n + 1}: value_${i}_${n} = compute(${n})`);
    lines[450] = `451: def parse_empty_${i}(text): raise ValueError("empty")`;
    messages.push({ role: 'tool', content: lines.join('\n') });
  }
  messages.push({
    role: 'assistant',
    content: `The crash is in parse_empty_${steps - 1} at line 451 of src/module_${steps - 1}.py.`,
  });
  return JSON.stringify({ id, source: 'test', messages });
}

const file = path.join(dir, 'traces.jsonl');
fs.writeFileSync(
  file,
  `${trace('a', 4, 'the parser crashes on empty input.')}\n${trace('b', 3, 'exported dates carry the wrong timezone offset.')}\n`,
);
const defaults = loadConfig({ env: {}, explicitFileOnly: true });

test('replay on Claude: each turn billed as Anthropic would; Tokenwise’s breakpoints cut the cost; the levers add up to the saving', async () => {
  const report = await runReplay({ data: [file], model: 'claude-sonnet-4-5', config: defaults });
  const { totals } = report;
  assert.equal(totals.sessions, 2);
  assert.equal(totals.turns, 4 + 1 + 3 + 1);
  assert.ok(totals.cost_cut! > 0.4, `cut ${totals.cost_cut}`);
  const levers = LEVERS.reduce((sum, l) => sum + totals.saved_by_lever_usd[l], 0);
  assert.ok(Math.abs(levers - totals.saved_usd) < 1e-5, `${levers} vs ${totals.saved_usd}`);
  assert.ok(totals.saved_by_lever_usd.promptCache > 0);
  assert.deepEqual([totals.invalid_requests, totals.differing_context_cache_hits, totals.refused], [0, 0, 0]);
  assert.equal(report.sessions.reduce((sum, s) => sum + s.baseline_usd, 0).toFixed(5), totals.baseline_usd.toFixed(5));
});

test('replay on gpt-4.1: the baseline gets OpenAI’s automatic caching too, so Tokenwise cannot claim it', async () => {
  const { totals } = await runReplay({ data: [file], model: 'gpt-4.1', config: defaults });
  assert.ok(Math.abs(totals.cost_cut!) < 0.05, `cut ${totals.cost_cut}`);
  assert.equal(totals.invalid_requests, 0);
});

test('a policy that trims the history hard: the turns that lost what their answer uses are counted', async () => {
  const capped = loadConfig({ env: {}, explicitFileOnly: true, flags: {} });
  capped.context.maxInputTokens = 3000;
  const { totals } = await runReplay({ data: [file], model: 'claude-sonnet-4-5', config: capped });
  assert.ok(totals.trimmed_turns > 0);
  assert.ok(totals.turns_with_dropped_items > 0 && totals.dropped_items > 0, JSON.stringify(totals));
  assert.equal(totals.invalid_requests, 0, 'trimming keeps tool calls paired');
});

test('a local tier the router may use: answered turns cost nothing and count as local', async () => {
  const routed = loadConfig({ env: {}, explicitFileOnly: true });
  routed.router.rules = [{ name: 'everything local', when: { images: { max: 0 } }, route: 'local' }];
  routed.router.allowDowngrade = true;
  const { totals } = await runReplay({ data: [file], model: 'claude-sonnet-4-5', config: routed });
  assert.equal(totals.local_share, 1);
  assert.equal(totals.actual_usd, 0);
  assert.equal(totals.saved_by_lever_usd.routing, totals.baseline_usd);
});

test('the cache-hit check compares everything that can change an answer; a semantic hit may differ only in its last message', async () => {
  const { contextOf } = await import('../../proxy/eval/replay/quality.ts');
  const user = (text: string) => ({ role: 'user' as const, content: [{ type: 'text' as const, text }] });
  const base = { model: 'm', stream: false, messages: [user('context'), user('question one')], temperature: 0 };
  assert.equal(contextOf({ ...base, stream: true, model: 'other' }), contextOf(base), 'delivery fields do not count');
  assert.notEqual(contextOf({ ...base, tools: [{ name: 't', parameters: {} }] }), contextOf(base));
  assert.notEqual(contextOf({ ...base, temperature: 1 }), contextOf(base));
  assert.notEqual(contextOf({ ...base, messages: [user('context'), user('question two')] }), contextOf(base));
  assert.equal(contextOf({ ...base, messages: [user('context'), user('question two')] }, true), contextOf(base, true));
  assert.notEqual(
    contextOf({ ...base, messages: [user('other context'), user('question one')] }, true),
    contextOf(base, true),
  );
});
