import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countingRule, loadEncodingCounter, loadTokenCounter } from '../../proxy/context/tokens.ts';

test('each model family gets its encoding; Claude and Gemini are marked as estimates', () => {
  assert.deepEqual(countingRule('gpt-4o-mini'), { encoding: 'o200k_base', factor: 1, exact: true });
  assert.equal(countingRule('gpt-4.1').encoding, 'o200k_base');
  assert.equal(countingRule('gpt-5-mini').encoding, 'o200k_base');
  assert.equal(countingRule('o3-mini').encoding, 'o200k_base');
  assert.equal(countingRule('openai/gpt-4o').encoding, 'o200k_base');
  assert.equal(countingRule('gpt-4-turbo').encoding, 'cl100k_base');
  assert.equal(countingRule('gpt-3.5-turbo').encoding, 'cl100k_base');
  assert.deepEqual(countingRule('claude-sonnet-4-5'), { encoding: 'o200k_base', factor: 1.2, exact: false });
  assert.deepEqual(countingRule('gemini-2.5-pro'), { encoding: 'o200k_base', factor: 1.1, exact: false });
  assert.equal(countingRule('llama-3.3-70b').exact, false);
});

test('o200k and cl100k counts match tiktoken, special-token text included', async () => {
  const o200k = await loadEncodingCounter('o200k_base');
  const cl100k = await loadEncodingCounter('cl100k_base');
  assert.equal(o200k('hello world'), 2);
  assert.equal(cl100k('hello world'), 2);
  // Counted as text, not refused: callers paste tokenizer docs.
  assert.ok(o200k('<|endoftext|>') > 1);
  // Piece by piece (memoized) must equal tiktoken's own encoding of the whole text (js-tiktoken `encode(text, [],
  // []).length`: 53 and 57), on a cold and a warm memo.
  const text =
    'def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n\n\n   print(fib(30))  # 832040 — ünïcödé ✓ 日本語 <|endoftext|>';
  for (let pass = 0; pass < 2; pass++) {
    assert.equal(o200k(text), 53);
    assert.equal(cl100k(text), 57);
  }
});

test('a request counts messages, OpenAI overheads, tool calls and tool definitions', async () => {
  const counter = await loadTokenCounter('gpt-4o');
  const plain = counter.request({ messages: [{ role: 'user', content: [{ type: 'text', text: 'hello world' }] }] });
  assert.equal(plain, 3 + 2 + 3, '3 per message, the text, 3 to prime the reply');
  const withTools = counter.request({
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'hello world' }] },
      { role: 'assistant', content: [], toolCalls: [{ id: 'c1', name: 'get_weather', arguments: '{"city":"Oslo"}' }] },
    ],
    tools: [
      {
        name: 'get_weather',
        description: 'Weather.',
        parameters: {
          type: 'object',
          properties: { city: { type: 'string', description: 'City' }, unit: { type: 'string', enum: ['c', 'f'] } },
        },
      },
    ],
  });
  assert.ok(withTools > plain + 20, `tool call and definition add tokens (${withTools})`);
});

test('the local tier uses the injected tokenizer; Claude counts are scaled up', async () => {
  const local = await loadTokenCounter('local', { localTokenizer: (t) => t.length });
  assert.equal(local.text('abcd'), 4);
  assert.equal(local.rule.encoding, 'local');
  const claude = await loadTokenCounter('claude-haiku-4-5');
  const gpt = await loadTokenCounter('gpt-4o');
  const text = 'The quick brown fox jumps over the lazy dog. '.repeat(20);
  assert.equal(claude.text(text), Math.ceil(gpt.text(text) * 1.2));
});

// The probe's 64 KB of "a" took 137 s and 32 KB of DNA letters 22 s: merging was quadratic in a piece's length.
// Linear counting does both in milliseconds; 10 s leaves room for a busy machine, and the quadratic code fails it.
test('long unbroken letter runs count in linear time, within a token per 128 bytes of the exact count', async () => {
  const o200k = await loadEncodingCounter('o200k_base');
  let seed = 7;
  const letter = () => 'acgt'[((seed = (seed * 1103515245 + 12345) % 2 ** 31) >> 16) % 4];
  const started = performance.now();
  assert.equal(o200k('a'.repeat(64 * 1024)), (64 * 1024) / 8, 'a run of one letter: 8 per token');
  const dna = Array.from({ length: 32 * 1024 }, letter).join('');
  const tokens = o200k(dna);
  assert.ok(tokens > dna.length / 4 && tokens < dna.length, `${tokens} tokens for 32 KB of DNA letters`);
  assert.ok(performance.now() - started < 10_000, `counting took ${(performance.now() - started).toFixed(0)} ms`);
  // A run up to 128 bytes is counted exactly (js-tiktoken `encode(text, [], []).length` gives 60 and 95 for these).
  assert.equal(o200k('acgt'.repeat(30)), 60);
  assert.equal(
    o200k(
      'acgtacgatcgatcgggatcgatttacgatcgagctagcatcgactacgactacgtagctacgatcgatcgtacgatcgatgctacgatcgatcgatcgatcgactagctacgatcgatcgatcgatgcatgcatcgatcgatcgatcgtagctagtcagtcgatgctagtcgatgcatgcatgcatcgatgcatcg',
    ),
    95,
  );
});

// Large inputs are counted in the worker thread (proxy/context/count-pool): the counts must be the ones counted here,
// texts derived from counts (a cut by the first count) are counted too, and a caller that leaves stops the count.
test('settle counts a large request in the worker: the same counts, derived texts included; an abort rejects', async () => {
  const counter = await loadTokenCounter('claude-haiku-4-5');
  const reference = await loadTokenCounter('claude-haiku-4-5');
  const lines = Array.from(
    { length: 3000 },
    (_, i) => `line ${i}: ${'lorem ipsum dolor '.repeat(3)}${i % 7 ? '' : 'Error: x'}`,
  );
  const request = {
    messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: lines.join('\n') }] }],
  };
  assert.equal(await counter.settle(() => counter.request(request)), reference.request(request));
  // The second text exists only once the first is counted: a work whose texts depend on counts gets another round.
  const derived = await counter.settle(() =>
    counter.text(lines.slice(0, (counter.text(lines.join('\n')) % 2000) + 1000).join('\n')),
  );
  assert.equal(derived, reference.text(lines.slice(0, (reference.text(lines.join('\n')) % 2000) + 1000).join('\n')));
  const controller = new AbortController();
  const fresh = await loadTokenCounter('gpt-4o');
  const counting = fresh.settle(() => fresh.text(`${lines.join(' ')} `), controller.signal);
  controller.abort();
  await assert.rejects(counting, { name: 'AbortError' });
});
