// The verifier on the real node-llama-cpp with the generated tiny model (one thread): its answers mean nothing, so
// what is tested is the mechanics — a yes below the threshold, an error or a timeout is never a hit.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import os from 'node:os';
import { LexicalEmbedder } from '../../proxy/cache/semantic/embedder.ts';
import { SemanticCache } from '../../proxy/cache/semantic/semantic-cache.ts';
import { Verifier, type Judge } from '../../proxy/cache/semantic/verifier.ts';
import { loadConfig } from '../../proxy/config/load.ts';
import { LocalProvider } from '../../proxy/providers/local/index.ts';
import { ensureTinyModel } from '../support/tiny-model.ts';

let local: LocalProvider;
before(async () => {
  const model = await ensureTinyModel();
  const config = loadConfig({
    env: {
      TOKENWISE_LOCAL_MODEL: model,
      TOKENWISE_THREADS: '1',
      TOKENWISE_GPU: 'cpu',
      TOKENWISE_PARALLEL: '2',
      TOKENWISE_CONTEXT_SIZE: '512',
      TOKENWISE_DATA_DIR: os.tmpdir(),
    },
  });
  local = new LocalProvider(config.local);
  await local.start();
  assert.equal(local.health().state, 'ready');
});
after(() => local.close());

const judgeOf = (provider: LocalProvider): Judge => ({
  ready: () => provider.isReady(),
  judge: (a, b, signal) => provider.judge(a, b, signal),
});
const stored = 'How do I reverse a list in Python?';
const asked = 'How can I reverse a list in Python?';

async function cacheWith(verifier: Verifier) {
  const cache = new SemanticCache({ embedder: new LexicalEmbedder(), verifier });
  await cache.add('ctx', stored, 'entry');
  return cache;
}

test('the judgement is a yes-probability from one grammar-constrained pass: deterministic, tokens counted', async () => {
  const first = await local.judge(stored, asked, new AbortController().signal);
  const again = await local.judge(stored, asked, new AbortController().signal);
  assert.ok(first.yes > 0 && first.yes < 1, `yes ${first.yes}`);
  assert.equal(again.yes, first.yes);
  assert.ok(first.inputTokens > 20, 'the prompt holds both requests');
  assert.equal(first.outputTokens, 1);
  // The sequence goes back to the pool clean: a chat on it still answers.
  const chunks = [];
  for await (const chunk of local.chat(
    { messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], maxTokens: 4, temperature: 0 } as never,
    'local',
    new AbortController().signal,
  ))
    chunks.push(chunk.type);
  assert.equal(chunks.at(-1), 'done');
});

test('a yes at or over the threshold serves the hit, and says so with its probability and tokens', async () => {
  const verifier = new Verifier({ judge: judgeOf(local), threshold: 0, timeoutMs: 30_000, required: false });
  const decision = await (await cacheWith(verifier)).decide('ctx', asked);
  assert.ok(decision && 'hit' in decision, JSON.stringify(decision));
  assert.match(decision.hit.reason, /^similarity \d\.\d{3}, verifier yes \d\.\d{3} >= 0 \(\d+ tokens, \d+ ms\)$/);
  assert.equal(verifier.stats.confirmed, 1);
  assert.ok(verifier.stats.inputTokens > 20 && verifier.stats.outputTokens === 1);
});

test('a yes under the threshold is a miss, with the verifier named as the reason', async () => {
  const verifier = new Verifier({ judge: judgeOf(local), threshold: 1, timeoutMs: 30_000, required: false });
  const cache = await cacheWith(verifier);
  const decision = await cache.decide('ctx', asked);
  assert.ok(decision && 'refused' in decision, JSON.stringify(decision));
  assert.match(decision.refused.reason, /^verifier yes \d\.\d{3} < 1 /);
  assert.equal(await cache.lookup('ctx', asked), undefined);
  assert.equal(verifier.stats.rejected, 2);
});

test('a verifier timeout or error is a miss, never a hit', async () => {
  const slow = new Verifier({ judge: judgeOf(local), threshold: 0, timeoutMs: 1, required: false });
  const timedOut = await (await cacheWith(slow)).decide('ctx', asked);
  assert.deepEqual(
    timedOut && 'refused' in timedOut && timedOut.refused.reason,
    'verifier failed: no answer within 1 ms',
  );
  // Two questions too long for the 512-token context of the tiny model's character vocabulary.
  const long = (q: string) => `${q} ${'Please keep the answer short and cite the documentation. '.repeat(6)}`;
  const failing = new Verifier({ judge: judgeOf(local), threshold: 0, timeoutMs: 30_000, required: false });
  const cache = new SemanticCache({ embedder: new LexicalEmbedder(), verifier: failing });
  await cache.add('ctx', long(stored), 'entry');
  const errored = await cache.decide('ctx', long(asked));
  assert.ok(errored && 'refused' in errored, JSON.stringify(errored));
  assert.match(errored.refused.reason, /^verifier failed: the two requests need \d+ tokens/);
  assert.deepEqual(
    [slow.stats.failed, failing.stats.failed, slow.stats.confirmed + failing.stats.confirmed],
    [1, 1, 0],
  );
});

test('a required verifier with no model loaded refuses; an optional one serves and says it was unverified', async () => {
  const unloaded = new LocalProvider(
    loadConfig({ env: { TOKENWISE_LOCAL_MODEL: '/nonexistent.gguf', TOKENWISE_DATA_DIR: os.tmpdir() } }).local,
  );
  const required = await (
    await cacheWith(new Verifier({ judge: judgeOf(unloaded), threshold: 0, timeoutMs: 1000, required: true }))
  ).decide('ctx', asked);
  assert.deepEqual(
    required && 'refused' in required && required.refused.reason,
    'verifier required but the local model is not loaded',
  );
  const optional = await (
    await cacheWith(new Verifier({ judge: judgeOf(unloaded), threshold: 0, timeoutMs: 1000, required: false }))
  ).decide('ctx', asked);
  assert.match(optional && 'hit' in optional ? optional.hit.reason : '', /unverified: the local model is not loaded/);
});

test('a candidate the guard refuses never reaches the verifier', async () => {
  const verifier = new Verifier({ judge: judgeOf(local), threshold: 0, timeoutMs: 30_000, required: false });
  const decision = await (await cacheWith(verifier)).decide('ctx', 'How do I reverse a list in Rust?');
  assert.ok(decision && 'refused' in decision);
  assert.match(decision.refused.reason, /^guard: /);
  assert.equal(verifier.stats.confirmed + verifier.stats.rejected + verifier.stats.failed, 0);
});
