// The exact cache and coalescing through the real HTTP proxy, asserted on the loopback upstream's call counter.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import { startTestProxy } from '../support/proxy.ts';

let cloud: Awaited<ReturnType<typeof startFakeOpenAI>>;
let tw: Awaited<ReturnType<typeof startTestProxy>>;
const env = () => ({ OPENAI_BASE_URL: `${cloud.url}/v1`, OPENAI_API_KEY: 'k' });

before(async () => {
  cloud = await startFakeOpenAI();
  tw = await startTestProxy({ env: env(), config: { router: { retries: 0 } } });
});
after(async () => {
  await tw.close();
  await cloud.close();
});
beforeEach(() => cloud.behave({ kind: 'echo' }));

const ask = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o-mini',
  temperature: 0,
  messages: [{ role: 'user' as const, content }],
  ...extra,
});
async function streamText(tw_: typeof tw, body: ReturnType<typeof ask>, headers: Record<string, string> = {}) {
  const { data, response } = await tw_.openai.chat.completions
    .create({ ...body, stream: true, stream_options: { include_usage: true } }, { headers })
    .withResponse();
  let text = '';
  let usage;
  for await (const chunk of data) {
    text += chunk.choices[0]?.delta?.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  return { text, usage, cache: response.headers.get('x-tokenwise-cache') };
}

test('an exact hit is served without calling the upstream, as JSON and as a stream, in either order', async () => {
  const calls = cloud.calls;
  const first = await tw.openai.chat.completions.create(ask('cache me')).withResponse();
  assert.equal(first.response.headers.get('x-tokenwise-cache'), 'miss');
  const again = await tw.openai.chat.completions.create(ask('cache me')).withResponse();
  assert.equal(again.response.headers.get('x-tokenwise-cache'), 'exact');
  assert.equal(again.data.choices[0]!.message.content, 'echo: cache me');
  assert.deepEqual(again.data.usage, first.data.usage, 'the answer keeps its token counts');
  const streamed = await streamText(tw, ask('cache me'));
  assert.deepEqual([streamed.text, streamed.cache], ['echo: cache me', 'exact']);
  assert.ok(streamed.usage!.completion_tokens > 0);

  const streamedFirst = await streamText(tw, ask('streamed first'));
  assert.equal(streamedFirst.cache, 'miss');
  const asJson = await tw.openai.chat.completions.create(ask('streamed first')).withResponse();
  assert.equal(asJson.response.headers.get('x-tokenwise-cache'), 'exact');
  assert.equal(asJson.data.choices[0]!.message.content, 'echo: streamed first');
  const viaAnthropic = await tw.anthropic.messages.create({
    model: 'gpt-4o-mini',
    max_tokens: 64,
    temperature: 0,
    messages: [{ role: 'user', content: 'cache me' }],
  } as never);
  assert.equal(cloud.calls, calls + 3, 'two first calls, and the Anthropic-shaped request is its own key');
  assert.deepEqual((viaAnthropic as { content: unknown }).content, [{ type: 'text', text: 'echo: cache me' }]);
});

test('the ledger prices a hit at $0 and books the saving under the cache lever', async () => {
  await tw.openai.chat.completions.create(ask('priced'));
  await tw.openai.chat.completions.create(ask('priced'));
  const rows =
    tw.proxy.usage.summary(0, Date.now() + 1) &&
    (tw.proxy.usage.ledger.db.all(
      'SELECT cache, cost_usd, saved_cache FROM requests WHERE id > (SELECT max(id) - 2 FROM requests) ORDER BY id',
    ) as { cache: string; cost_usd: number; saved_cache: number }[]);
  assert.equal(rows[0]!.cache, 'miss');
  assert.ok(rows[0]!.cost_usd > 0);
  assert.deepEqual([rows[1]!.cache, rows[1]!.cost_usd], ['exact', 0]);
  assert.ok(Math.abs(rows[1]!.saved_cache - rows[0]!.cost_usd) < 1e-15);
});

test('only complete, successful, deterministic answers are stored', async () => {
  cloud.behave({ kind: 'die_mid_stream', afterChunks: 3 });
  await assert.rejects(streamText(tw, ask('cut short')));
  cloud.behave({ kind: 'error', status: 429, retryAfter: 1 });
  await assert.rejects(tw.openai.chat.completions.create(ask('rate limited')));
  cloud.behave({ kind: 'echo' });
  const calls = cloud.calls;
  assert.equal((await streamText(tw, ask('cut short'))).cache, 'miss');
  assert.equal(
    (await tw.openai.chat.completions.create(ask('rate limited')).withResponse()).response.headers.get(
      'x-tokenwise-cache',
    ),
    'miss',
  );
  await tw.openai.chat.completions.create({ ...ask('creative'), temperature: 0.8 });
  const creative = await tw.openai.chat.completions.create({ ...ask('creative'), temperature: 0.8 }).withResponse();
  assert.equal(creative.response.headers.get('x-tokenwise-cache'), 'miss');
  assert.equal(cloud.calls, calls + 4);
});

test('x-tokenwise-cache: off bypasses, refresh replaces; DELETE /tokenwise/cache empties', async () => {
  await tw.openai.chat.completions.create(ask('controls'));
  const calls = cloud.calls;
  const off = await tw.openai.chat.completions
    .create(ask('controls'), { headers: { 'x-tokenwise-cache': 'off' } })
    .withResponse();
  assert.equal(off.response.headers.get('x-tokenwise-cache'), 'miss');
  cloud.behave({ kind: 'text', text: 'refreshed answer' });
  const refresh = await tw.openai.chat.completions.create(ask('controls'), {
    headers: { 'x-tokenwise-cache': 'refresh' },
  });
  assert.equal(refresh.choices[0]!.message.content, 'refreshed answer');
  const after = await tw.openai.chat.completions.create(ask('controls')).withResponse();
  assert.deepEqual(
    [after.data.choices[0]!.message.content, after.response.headers.get('x-tokenwise-cache')],
    ['refreshed answer', 'exact'],
  );
  assert.equal(cloud.calls, calls + 2);
  const stats = (await (await tw.fetch('/tokenwise/cache')).json()) as { entries: number };
  assert.ok(stats.entries > 0);
  const cleared = (await (await tw.fetch('/tokenwise/cache', { method: 'DELETE' })).json()) as { cleared: number };
  assert.equal(cleared.cleared, stats.entries);
  assert.equal(
    (await tw.openai.chat.completions.create(ask('controls')).withResponse()).response.headers.get('x-tokenwise-cache'),
    'miss',
  );
  const bad = await tw.fetch('/v1/chat/completions', {
    method: 'POST',
    headers: { 'x-tokenwise-cache': 'sometimes' },
    body: JSON.stringify(ask('x')),
  });
  assert.equal(bad.status, 400);
});

test('20 concurrent identical requests make exactly one upstream call; streams and JSON callers all get the answer', async () => {
  cloud.behave({ kind: 'text', text: 'one answer for all', delayMs: 150, chunkDelayMs: 5 });
  const calls = cloud.calls;
  const results = await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      if (i % 2) return streamText(tw, ask('together'));
      const { data, response } = await tw.openai.chat.completions.create(ask('together')).withResponse();
      return { text: data.choices[0]!.message.content, cache: response.headers.get('x-tokenwise-cache') };
    }),
  );
  assert.equal(cloud.calls, calls + 1);
  assert.ok(results.every((r) => r.text === 'one answer for all'));
  // Each follower either joined the call in flight or, arriving after it finished, hit the stored answer.
  assert.equal(results.filter((r) => r.cache === 'coalesced' || r.cache === 'exact').length, 19);
  assert.ok(results.filter((r) => r.cache === 'coalesced').length > 0);
});

test('different requests in flight at once never share an answer', async () => {
  cloud.behave({ kind: 'echo', delayMs: 100 });
  const calls = cloud.calls;
  const prompts = Array.from({ length: 20 }, (_, i) => `question number ${i}`);
  const answers = await Promise.all(
    prompts.map((p, i) =>
      i % 2
        ? streamText(tw, ask(p)).then((r) => r.text)
        : tw.openai.chat.completions.create(ask(p)).then((c) => c.choices[0]!.message.content),
    ),
  );
  assert.deepEqual(
    answers,
    prompts.map((p) => `echo: ${p}`),
  );
  assert.equal(cloud.calls, calls + 20);
});

test('a caller that leaves a shared call does not cancel the others', async () => {
  cloud.behave({ kind: 'text', text: 'patience is rewarded with a complete answer', chunkDelayMs: 20 });
  const leaving = new AbortController();
  const staying = streamText(tw, ask('shared and left'));
  const quitter = tw.openai.chat.completions.create(
    { ...ask('shared and left'), stream: true },
    { signal: leaving.signal },
  );
  const stream = await quitter;
  for await (const _ of stream) {
    leaving.abort();
    break;
  }
  assert.equal((await staying).text, 'patience is rewarded with a complete answer');
  assert.equal(cloud.aborted, 0);
});

test('cached answers survive a restart', async () => {
  await tw.openai.chat.completions.create(ask('remember me'));
  const dataDir = tw.config.dataDir;
  await tw.proxy.close();
  const calls = cloud.calls;
  const { loadConfig } = await import('../../proxy/config/load.ts');
  const { startProxy } = await import('../../proxy/server.ts');
  const restartedEnv = {
    ...env(),
    TOKENWISE_DATA_DIR: dataDir,
    XDG_CONFIG_HOME: dataDir,
    TOKENWISE_PORT: '0',
    TOKENWISE_TOKEN: 'test-token-123',
    TOKENWISE_LOCAL_MODEL: 'off',
  };
  const restarted = await startProxy(loadConfig({ env: restartedEnv }), { env: restartedEnv });
  try {
    const response = await fetch(`${restarted.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-token-123' },
      body: JSON.stringify(ask('remember me')),
    });
    assert.equal(response.headers.get('x-tokenwise-cache'), 'exact');
    assert.equal(
      ((await response.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content,
      'echo: remember me',
    );
    assert.equal(cloud.calls, calls);
    // The semantic index is rebuilt from the data file in the background.
    const stats = async () =>
      (
        (await (
          await fetch(`${restarted.url}/tokenwise/cache`, { headers: { authorization: 'Bearer test-token-123' } })
        ).json()) as { semanticEntries: number }
      ).semanticEntries;
    for (let i = 0; i < 100 && (await stats()) === 0; i++) await new Promise((r) => setTimeout(r, 20));
    const paraphrase = await fetch(`${restarted.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-token-123' },
      body: JSON.stringify(ask('Remember me!')),
    });
    const cacheStatus = paraphrase.headers.get('x-tokenwise-cache');
    assert.equal(cacheStatus, 'semantic');
  } finally {
    await restarted.close();
    tw = await startTestProxy({ env: env() }); // for after()
  }
});

test('a near-duplicate question in the same context is a semantic hit; a different key term, context or tool turn never is', async () => {
  const system = { role: 'system' as const, content: 'You answer woodworking questions.' };
  const asked = (content: string, sys = system) => ({
    model: 'gpt-4o-mini',
    temperature: 0,
    messages: [sys, { role: 'user' as const, content }],
  });
  await tw.openai.chat.completions.create(asked('How do I build a height adjustable desk?'));
  const calls = cloud.calls;
  const near = await tw.openai.chat.completions
    .create(asked('How can I build a height-adjustable desk?'))
    .withResponse();
  assert.equal(near.response.headers.get('x-tokenwise-cache'), 'semantic');
  assert.equal(near.data.choices[0]!.message.content, 'echo: How do I build a height adjustable desk?');
  assert.match(near.response.headers.get('x-tokenwise-reason')!, /semantic cache hit, similarity [01]\.\d{3}/);
  assert.equal(cloud.calls, calls);

  const otherTerm = await tw.openai.chat.completions
    .create(asked('How do I build a height adjustable `standing_desk`?'))
    .withResponse();
  const otherContext = await tw.openai.chat.completions
    .create(
      asked('How can I build a height-adjustable desk?', { role: 'system', content: 'You answer plumbing questions.' }),
    )
    .withResponse();
  assert.deepEqual(
    [otherTerm.response.headers.get('x-tokenwise-cache'), otherContext.response.headers.get('x-tokenwise-cache')],
    ['miss', 'miss'],
  );
  const afterTool = await tw.openai.chat.completions
    .create({
      model: 'gpt-4o-mini',
      temperature: 0,
      messages: [
        system,
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'fresh data' },
        { role: 'user', content: 'How can I build a height-adjustable desk?' },
      ],
    })
    .withResponse();
  assert.equal(afterTool.response.headers.get('x-tokenwise-cache'), 'miss');
  assert.equal(cloud.calls, calls + 3);
});

test('the semantic cache can run on a GGUF embedding model through node-llama-cpp; uncalibrated, it needs the verifier', async () => {
  const { ensureTinyModel } = await import('../support/tiny-model.ts');
  const embedder = await ensureTinyModel(undefined, { embedding: true });
  // With a calibrated threshold (what `eval cache --calibrate` prints) it serves hits on its own; without one, every
  // candidate needs the local model's yes, and with no local model loaded that is a miss.
  for (const threshold of [0.9, undefined]) {
    const gguf = await startTestProxy({
      env: { ...env(), TOKENWISE_THREADS: '1' },
      config: { cache: { semantic: { embedder, ...(threshold !== undefined ? { threshold } : {}) } } },
    });
    try {
      const stats = async () => (await (await gguf.fetch('/tokenwise/cache')).json()) as { semanticEntries: number };
      await gguf.openai.chat.completions.create(ask('Tell me about gguf embeddings'));
      for (let i = 0; i < 200 && (await stats()).semanticEntries === 0; i++) {
        await new Promise((r) => setTimeout(r, 25));
        if (i % 20 === 19)
          await gguf.openai.chat.completions.create(ask('Tell me about gguf embeddings'), {
            headers: { 'x-tokenwise-cache': 'refresh' },
          });
      }
      const calls = cloud.calls;
      const near = await gguf.openai.chat.completions.create(ask('Tell me about gguf embeddings ')).withResponse();
      if (threshold !== undefined) {
        assert.equal(near.response.headers.get('x-tokenwise-cache'), 'semantic');
        assert.equal(cloud.calls, calls);
      } else {
        assert.equal(near.response.headers.get('x-tokenwise-cache'), 'miss');
        assert.match(
          near.response.headers.get('x-tokenwise-reason')!,
          /semantic candidate refused \(similarity \d\.\d{3}, verifier required but the local model is not loaded\)/,
        );
        assert.equal(cloud.calls, calls + 1);
      }
    } finally {
      await gguf.close();
    }
  }
});

test('with coalescing off, a JSON answer is still stored: the caller stops reading at `done`, the store does not wait for more', async () => {
  const solo = await startTestProxy({ env: env(), config: { router: { retries: 0 }, cache: { coalesce: false } } });
  try {
    const calls = cloud.calls;
    const first = await solo.openai.chat.completions.create(ask('uncoalesced')).withResponse();
    assert.equal(first.response.headers.get('x-tokenwise-cache'), 'miss');
    const again = await solo.openai.chat.completions.create(ask('uncoalesced')).withResponse();
    assert.equal(again.response.headers.get('x-tokenwise-cache'), 'exact');
    assert.equal(again.data.choices[0]!.message.content, 'echo: uncoalesced');
    assert.equal(cloud.calls, calls + 1);
  } finally {
    await solo.close();
  }
});
