import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatMessage } from '../../proxy/chat.ts';
import { finalUserIndex, structureProblems } from '../../proxy/context/structure.ts';
import { trimRequest } from '../../proxy/context/trim.ts';
import { windowHistory } from '../../proxy/context/window.ts';
import { assistant, random, request, system, textOfMessage, tool, user, words } from './context-fixtures.ts';

/** A valid random conversation: chat turns and agent tool rounds, ending on a user message, tool results or an answer. */
function conversation(next: () => number): ChatMessage[] {
  const say = (max: number) => Array.from({ length: 1 + Math.floor(next() * max) }, (_, i) => `w${i}`).join(' ');
  const messages: ChatMessage[] = next() < 0.7 ? [system(`rules ${say(40)}`)] : [];
  const turns = 1 + Math.floor(next() * 10);
  let call = 0;
  for (let t = 0; t < turns; t++) {
    messages.push(user(`ask ${say(120)}`));
    const rounds = next() < 0.5 ? Math.floor(next() * 4) : 0;
    for (let r = 0; r < rounds; r++) {
      const ids = Array.from({ length: 1 + Math.floor(next() * 3) }, () => `call_${call++}`);
      messages.push(assistant(next() < 0.5 ? `thinking ${say(30)}` : '', ids));
      for (const id of ids) messages.push(tool(id, `out ${say(300)}`));
    }
    const last = t === turns - 1;
    if (!last || next() < 0.3) messages.push(assistant(`answer ${say(80)}`));
  }
  return messages;
}

test('property: the window never orphans a tool call or result, keeps system and final user messages, and fits when it can', () => {
  const next = random(7);
  for (let run = 0; run < 200; run++) {
    const messages = conversation(next);
    assert.deepEqual(structureProblems(messages), [], 'the generator makes valid conversations');
    const input = request(messages);
    const total = words.request(input);
    const budget = Math.floor(10 + next() * total);
    const result = windowHistory(input, budget, words);
    assert.deepEqual(structureProblems(result.request.messages), [], `run ${run}`);
    const final = finalUserIndex(messages);
    assert.ok(result.origin.includes(final), `run ${run}: the final user message survives`);
    messages.forEach(
      (m, i) => m.role === 'system' && assert.ok(result.origin.includes(i), `run ${run}: system message ${i} survives`),
    );
    result.origin.forEach((from, to) => from >= 0 && assert.equal(result.request.messages[to], messages[from]));
    const pinned = messages
      .filter((m, i) => m.role === 'system' || i === final)
      .reduce((sum, m) => sum + words.message(m), 0);
    if (pinned + 30 <= budget) assert.ok(result.after <= budget, `run ${run}: fits (${result.after} > ${budget})`);
  }
});

test('property: the whole pipeline with a summarizer keeps the same guarantees', async () => {
  const next = random(11);
  const summarizer = { summarize: async (m: ChatMessage[]) => `summary of ${m.length} messages` };
  for (let run = 0; run < 100; run++) {
    const messages = conversation(next);
    const input = request(messages);
    const budget = Math.floor(10 + next() * words.request(input));
    const result = await trimRequest(
      input,
      {
        tier: 'local',
        budgets: { localContext: budget + 100, cloudContext: 1e6, reserveOutput: 100 },
        summary: { enabled: next() < 0.5, summarizer },
      },
      { counter: words },
    );
    assert.equal(result.budget, budget);
    assert.deepEqual(structureProblems(result.request.messages), [], `run ${run}`);
    assert.ok(result.origin.includes(finalUserIndex(messages)), `run ${run}: final user message`);
    const out = result.request.messages;
    assert.equal(out.filter((m) => m.role === 'system').length, messages.filter((m) => m.role === 'system').length);
  }
});

test('an agent loop keeps its task and most recent rounds; a note marks the gap', () => {
  const rounds = Array.from({ length: 6 }, (_, i) => [
    assistant('', [`c${i}`]),
    tool(`c${i}`, `output ${i} `.repeat(50)),
  ]).flat();
  const input = request([system('be careful'), user('the task'), ...rounds]);
  const result = windowHistory(input, 250, words);
  const texts = result.request.messages.map(textOfMessage);
  assert.deepEqual(texts.slice(0, 3), [
    'be careful',
    'the task',
    '[Tokenwise: 10 earlier messages left out to fit the context window]',
  ]);
  assert.deepEqual(result.request.messages.slice(-2), rounds.slice(-2));
  assert.ok(result.after <= 250);
});

test('a conversation whose oldest kept turn would be the assistant still opens with a user turn', () => {
  const input = request([user('one '.repeat(100)), assistant('two '.repeat(100)), assistant('three'), user('four')]);
  const result = windowHistory(input, 30, words);
  assert.equal(result.request.messages[0]!.role, 'user');
  assert.deepEqual(structureProblems(result.request.messages), []);
  assert.equal(textOfMessage(result.request.messages.at(-1)!), 'four');
});
