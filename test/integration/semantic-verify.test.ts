// The semantic cache's decisions through the real HTTP proxy, for OpenAI and Anthropic callers: why a hit was served
// or a candidate refused (x-tokenwise-reason and the ledger), the local model's verifier on the generated tiny model,
// and the per-request and per-client opt-outs. The upstream is the loopback OpenAI server; its call counter shows
// what went upstream.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import { startTestProxy } from '../support/proxy.ts';
import { ensureTinyModel } from '../support/tiny-model.ts';

let cloud: Awaited<ReturnType<typeof startFakeOpenAI>>;
let model: string;
const proxies: Awaited<ReturnType<typeof startTestProxy>>[] = [];

before(async () => {
  cloud = await startFakeOpenAI();
  model = await ensureTinyModel();
});
after(async () => {
  for (const tw of proxies) await tw.close();
  await cloud.close();
});

/** A proxy with the tiny model loaded as the local tier (the classifier off, so cloud models stay in the cloud). */
async function proxyWith(semantic: Record<string, unknown>) {
  const tw = await startTestProxy({
    env: {
      OPENAI_BASE_URL: `${cloud.url}/v1`,
      OPENAI_API_KEY: 'k',
      TOKENWISE_LOCAL_MODEL: model,
      TOKENWISE_THREADS: '1',
      TOKENWISE_GPU: 'cpu',
      TOKENWISE_PARALLEL: '2',
      TOKENWISE_CONTEXT_SIZE: '1024',
    },
    config: { router: { retries: 0, classifier: false }, cache: { semantic } },
  });
  proxies.push(tw);
  await tw.proxy.local!.start();
  assert.equal(tw.proxy.local!.health().state, 'ready');
  return tw;
}

const body = (content: string) => ({
  model: 'gpt-4o-mini',
  temperature: 0,
  max_tokens: 64,
  messages: [{ role: 'user' as const, content }],
});

async function viaOpenAI(
  tw: Awaited<ReturnType<typeof proxyWith>>,
  content: string,
  headers: Record<string, string> = {},
) {
  const { data, response } = await tw.openai.chat.completions.create(body(content), { headers }).withResponse();
  return {
    text: data.choices[0]!.message.content,
    cache: response.headers.get('x-tokenwise-cache'),
    reason: response.headers.get('x-tokenwise-reason') ?? '',
  };
}

async function viaAnthropic(
  tw: Awaited<ReturnType<typeof proxyWith>>,
  content: string,
  headers: Record<string, string> = {},
) {
  const { data, response } = await tw.anthropic.messages.create(body(content) as never, { headers }).withResponse();
  const text = (data as { content: { text: string }[] }).content[0]!.text;
  return {
    text,
    cache: response.headers.get('x-tokenwise-cache'),
    reason: response.headers.get('x-tokenwise-reason') ?? '',
  };
}

function lastReason(tw: Awaited<ReturnType<typeof proxyWith>>): string {
  tw.proxy.usage.flush();
  return (
    tw.proxy.usage.ledger.db.all('SELECT reason FROM requests ORDER BY id DESC LIMIT 1') as { reason: string }[]
  )[0]!.reason;
}

test('a confirmed candidate is served, and OpenAI and Anthropic callers see why: similarity and the yes-probability', async () => {
  const tw = await proxyWith({ verifierThreshold: 0 });
  for (const [ask, api] of [
    [viaOpenAI, 'openai'],
    [viaAnthropic, 'anthropic'],
  ] as const) {
    const first = await ask(tw, `How do I reverse a list in Python (${api})?`);
    assert.equal(first.cache, 'miss');
    const calls = cloud.calls;
    const near = await ask(tw, `How can I reverse a list in Python (${api})?`);
    assert.equal(near.cache, 'semantic', near.reason);
    assert.equal(near.text, first.text);
    assert.match(
      near.reason,
      /^semantic cache hit, similarity \d\.\d{3}, verifier yes \d\.\d{3} >= 0 \(\d+ tokens, \d+ ms\) \(answered by /,
    );
    assert.equal(lastReason(tw), near.reason, 'the ledger keeps the same reason');
    assert.equal(cloud.calls, calls);
  }
  const stats = (await (await tw.fetch('/tokenwise/cache')).json()) as {
    semanticVerifier: { confirmed: number; inputTokens: number; outputTokens: number };
  };
  assert.equal(stats.semanticVerifier.confirmed, 2);
  assert.ok(stats.semanticVerifier.inputTokens > 40 && stats.semanticVerifier.outputTokens === 2);
});

test('a candidate the verifier rejects is a miss that goes upstream, and the refusal is in the reason', async () => {
  const tw = await proxyWith({ verifierThreshold: 1 });
  for (const ask of [viaOpenAI, viaAnthropic]) {
    const tag = ask === viaOpenAI ? 'openai' : 'anthropic';
    await ask(tw, `How do I delete a git branch (${tag})?`);
    const calls = cloud.calls;
    const near = await ask(tw, `How can I delete a git branch (${tag})?`);
    assert.equal(near.cache, 'miss');
    assert.equal(
      near.text,
      `echo: How can I delete a git branch (${tag})?`,
      'the upstream answered the question asked',
    );
    assert.equal(cloud.calls, calls + 1);
    assert.match(near.reason, /; semantic candidate refused \(similarity \d\.\d{3}, verifier yes \d\.\d{3} < 1 /);
  }
  // A candidate the guard refuses names the guard instead.
  const other = await viaOpenAI(tw, 'How do I delete a git tag (openai)?');
  assert.match(
    other.reason,
    /semantic candidate refused \(similarity \d\.\d{3}, guard: a term is not accounted for in the other question\)/,
  );
  assert.doesNotMatch(other.reason, /"(branch|tag)"/, 'the words of the question stay out of the reason');
});

test('a verifier timeout is a miss that goes upstream', async () => {
  const tw = await proxyWith({ verifierThreshold: 0, verifierTimeoutMs: 1 });
  await viaOpenAI(tw, 'How do I rename a file in bash?');
  const calls = cloud.calls;
  const near = await viaOpenAI(tw, 'How can I rename a file in bash?');
  assert.deepEqual([near.cache, cloud.calls], ['miss', calls + 1]);
  assert.match(
    near.reason,
    /semantic candidate refused \(similarity \d\.\d{3}, verifier failed: no answer within 1 ms\)/,
  );
});

test('the semantic cache is opt-out per request (x-tokenwise-cache: off) and per client (cache.semantic.offForClients)', async () => {
  const tw = await proxyWith({ verifierThreshold: 0, offForClients: ['careful-tool'] });
  for (const ask of [viaOpenAI, viaAnthropic]) {
    const tag = ask === viaOpenAI ? 'openai' : 'anthropic';
    await ask(tw, `How do I list open ports on Linux (${tag})?`);
    const calls = cloud.calls;
    const off = await ask(tw, `How can I list open ports on Linux (${tag})?`, { 'x-tokenwise-cache': 'off' });
    const optedOut = await ask(tw, `How can I list open ports on Linux (${tag})?`, {
      'x-tokenwise-client': 'careful-tool',
    });
    assert.deepEqual([off.cache, optedOut.cache, cloud.calls], ['miss', 'miss', calls + 2]);
    assert.doesNotMatch(optedOut.reason, /semantic/);
    // Reworded once more: the opted-out request's answer is in the exact cache, which the opt-out does not cover.
    const served = await ask(tw, `How can I list the open ports on Linux (${tag})?`, {
      'x-tokenwise-client': 'other-tool',
    });
    assert.equal(served.cache, 'semantic', 'other clients are still served');
  }
});
