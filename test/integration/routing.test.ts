// Fallbacks and the budget guard through the real proxy, the generated local model and loopback clouds.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { parseChatCompletionRequest } from '../../proxy/api/openai/chat-request.ts';
import { worstCaseCost } from '../../proxy/router/budget.ts';
import { Pricing } from '../../proxy/usage/pricing.ts';
import { startFakeAnthropic } from '../support/fake-anthropic.ts';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import { startTestProxy } from '../support/proxy.ts';
import { ensureTinyModel } from '../support/tiny-model.ts';

let openai: Awaited<ReturnType<typeof startFakeOpenAI>>;
let anthropic: Awaited<ReturnType<typeof startFakeAnthropic>>;
let model: string;
const clouds = () => ({
  OPENAI_BASE_URL: `${openai.url}/v1`,
  OPENAI_API_KEY: 'k',
  ANTHROPIC_BASE_URL: anthropic.url,
  ANTHROPIC_API_KEY: 'k',
});
const local = () => ({ TOKENWISE_LOCAL_MODEL: model, TOKENWISE_THREADS: '1', TOKENWISE_CONTEXT_SIZE: '256' });

before(async () => {
  openai = await startFakeOpenAI();
  anthropic = await startFakeAnthropic();
  model = await ensureTinyModel();
});
after(async () => {
  await openai.close();
  await anthropic.close();
});
beforeEach(() => {
  openai.behave({ kind: 'echo' });
  anthropic.behave({ kind: 'echo' });
});

const ask = (m: string, content: string, extra: Record<string, unknown> = {}) => ({
  model: m,
  messages: [{ role: 'user' as const, content }],
  max_tokens: 20,
  ...extra,
});

describe('fallbacks', () => {
  let tw: Awaited<ReturnType<typeof startTestProxy>>;
  before(async () => {
    tw = await startTestProxy({
      env: { ...clouds(), ...local() },
      config: { router: { fallback: ['claude-haiku-4-5'], retries: 2, backoffMs: 10, maxRetryAfterSeconds: 2 } },
    });
    await tw.proxy.local!.start();
  });
  after(() => tw.close());

  test('a 429 with a short retry-after is retried on the same provider', async () => {
    openai.behave((req) => (openai.calls % 2 === 1 ? { kind: 'error', status: 429, retryAfter: 0 } : { kind: 'echo' }));
    const calls = openai.calls;
    const { data, response } = await tw.openai.chat.completions
      .create(ask('gpt-4o-mini', 'again please'))
      .withResponse();
    assert.equal(data.choices[0]!.message.content, 'echo: again please');
    assert.equal(openai.calls, calls + 2);
    assert.equal(response.headers.get('x-tokenwise-route'), 'cloud');
  });

  test('a long retry-after or a persistent 5xx moves to the next provider in the chain', async () => {
    openai.behave({ kind: 'error', status: 429, retryAfter: 60 });
    const started = performance.now();
    const { data, response } = await tw.openai.chat.completions.create(ask('gpt-4o-mini', 'elsewhere')).withResponse();
    assert.ok(performance.now() - started < 5000, 'did not wait out the minute');
    assert.equal(data.choices[0]!.message.content, 'echo: elsewhere');
    assert.match(response.headers.get('x-tokenwise-reason')!, /fallback to claude-haiku-4-5/);
    openai.behave({ kind: 'error', status: 500 });
    const calls = openai.calls;
    assert.equal(
      (await tw.openai.chat.completions.create(ask('gpt-4o-mini', 'five hundred'))).choices[0]!.message.content,
      'echo: five hundred',
    );
    assert.equal(openai.calls, calls + 3, 'tried, retried twice, then moved on');
  });

  test('when every cloud option fails, the local model answers', async () => {
    openai.behave({ kind: 'error', status: 503 });
    anthropic.behave({ kind: 'error', status: 529, type: 'overloaded_error' });
    const { data, response } = await tw.openai.chat.completions
      .create(ask('gpt-4o-mini', 'anyone?', { temperature: 0 }))
      .withResponse();
    assert.equal(response.headers.get('x-tokenwise-route'), 'local');
    assert.equal(data.usage!.completion_tokens, 20);
  });

  test('an auto request too long for the local model goes to the cloud', async () => {
    const { data, response } = await tw.openai.chat.completions
      .create({ ...ask('auto', 'long '.repeat(400)) }, { headers: { 'x-tokenwise-trim': 'off' } })
      .withResponse();
    assert.equal(response.headers.get('x-tokenwise-route'), 'cloud');
    assert.match(data.choices[0]!.message.content!, /^echo: long/);
  });

  test('a stream that breaks mid-way is an error, never a fallback', async () => {
    openai.behave({ kind: 'die_mid_stream', afterChunks: 3 });
    const calls = anthropic.calls;
    const stream = await tw.openai.chat.completions.create({
      ...ask('gpt-4o-mini', 'a long answer please'),
      stream: true,
    });
    await assert.rejects(async () => {
      for await (const _ of stream);
    });
    assert.equal(anthropic.calls, calls);
  });
});

describe('budget guard', () => {
  test('50 concurrent requests against a budget that admits 10: exactly 10 reach the cloud, no overshoot', async () => {
    const request = ask('gpt-4o-mini', 'budgeted question');
    const pricing = new Pricing({ overrides: {}, localCostPerHour: 0 });
    const each = worstCaseCost(parseChatCompletionRequest(request), 'gpt-4o-mini', 'openai', pricing);
    const dailyUsd = each * 10.5;
    const tw = await startTestProxy({
      env: clouds(),
      config: { budget: { dailyUsd }, router: { retries: 0, lastResortLocal: false } },
    });
    try {
      // Every call stays in flight until all 50 have asked, so none is refunded early and the count is exact.
      openai.behave({ kind: 'echo', delayMs: 2500 });
      const calls = openai.calls;
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, () => tw.openai.chat.completions.create(request)),
      );
      const refused = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      assert.equal(openai.calls - calls, 10);
      assert.equal(refused.length, 40);
      assert.ok(refused.every((r) => r.reason.status === 429 && r.reason.code === 'budget_exceeded'));
      const spent = tw.proxy.usage.summary(0, Date.now() + 1).totals.costUsd;
      assert.ok(spent > 0 && spent <= dailyUsd, `spent ${spent} of ${dailyUsd}`);
    } finally {
      await tw.close();
    }
  });

  test('over budget with whenOver "local", requests are answered locally', async () => {
    const tw = await startTestProxy({
      env: { ...clouds(), ...local() },
      config: { budget: { dailyUsd: 1e-9, whenOver: 'local' } },
    });
    try {
      await tw.proxy.local!.start();
      const calls = openai.calls;
      const { response } = await tw.openai.chat.completions
        .create(ask('gpt-4o-mini', 'cheap please', { temperature: 0 }))
        .withResponse();
      assert.equal(response.headers.get('x-tokenwise-route'), 'local');
      assert.match(response.headers.get('x-tokenwise-reason')!, /over budget/);
      assert.equal(openai.calls, calls);
    } finally {
      await tw.close();
    }
  });
});

describe('routing policy', () => {
  test('the learned classifier routes auto requests; its operating point moves the split', async () => {
    for (const [cloudShare, route] of [
      [0, 'local'],
      [1, 'cloud'],
    ] as const) {
      const tw = await startTestProxy({ env: { ...clouds(), ...local() }, config: { router: { cloudShare } } });
      try {
        await tw.proxy.local!.start();
        const { response } = await tw.openai.chat.completions
          .create(ask('auto', 'Prove that the square root of two is irrational.', { temperature: 0 }))
          .withResponse();
        assert.equal(response.headers.get('x-tokenwise-route'), route);
        assert.match(response.headers.get('x-tokenwise-reason')!, /gain/);
      } finally {
        await tw.close();
      }
    }
  });

  test('x-tokenwise-route forces the tier, and a named cloud model is honoured unless downgrades are allowed', async () => {
    const tw = await startTestProxy({ env: { ...clouds(), ...local() }, config: { router: { cloudShare: 0 } } });
    try {
      await tw.proxy.local!.start();
      const forcedLocal = await tw.openai.chat.completions
        .create(ask('gpt-4o-mini', 'hello', { temperature: 0 }), { headers: { 'x-tokenwise-route': 'local' } })
        .withResponse();
      assert.equal(forcedLocal.response.headers.get('x-tokenwise-route'), 'local');
      const forcedCloud = await tw.openai.chat.completions
        .create(ask('auto', 'hello'), { headers: { 'x-tokenwise-route': 'cloud' } })
        .withResponse();
      assert.equal(forcedCloud.response.headers.get('x-tokenwise-route'), 'cloud');
      const named = await tw.openai.chat.completions.create(ask('gpt-4o-mini', 'hello')).withResponse();
      assert.equal(named.response.headers.get('x-tokenwise-route'), 'cloud', 'no downgrade unless allowed');
      const bad = await tw.fetch('/v1/chat/completions', {
        method: 'POST',
        headers: { 'x-tokenwise-route': 'moon' },
        body: JSON.stringify(ask('auto', 'x')),
      });
      assert.equal(bad.status, 400);
    } finally {
      await tw.close();
    }
    const downgrading = await startTestProxy({
      env: { ...clouds(), ...local() },
      config: { router: { cloudShare: 0, allowDowngrade: true } },
    });
    try {
      await downgrading.proxy.local!.start();
      const { response } = await downgrading.openai.chat.completions
        .create(ask('gpt-4o-mini', 'hello', { temperature: 0 }))
        .withResponse();
      assert.equal(response.headers.get('x-tokenwise-route'), 'local');
    } finally {
      await downgrading.close();
    }
  });

  test('the rule table decides before the classifier, on signals and the calling tool; a typo is named at start', async () => {
    const imageQuestion = ask('auto', 'x', {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
      ],
    });
    const rules = [
      { name: 'code goes to the cloud', when: { codeBlocks: { min: 1 } }, route: 'cloud' },
      { name: 'the quick tool stays local', when: { client: 'quick-tool' }, route: 'local' },
    ];
    const tw = await startTestProxy({
      env: { ...clouds(), ...local() },
      config: { router: { rules, cloudShare: 0.5 } },
    });
    try {
      await tw.proxy.local!.start();
      const code = await tw.openai.chat.completions
        .create(ask('auto', 'Fix this:\n```js\nconst a = 1\n```'))
        .withResponse();
      assert.deepEqual(
        [code.response.headers.get('x-tokenwise-route'), code.response.headers.get('x-tokenwise-reason')],
        ['cloud', 'rule code goes to the cloud'],
      );
      const quick = await tw.openai.chat.completions
        .create(ask('auto', 'Prove the Riemann hypothesis.', { temperature: 0 }), {
          headers: { 'x-tokenwise-client': 'quick-tool' },
        })
        .withResponse();
      assert.deepEqual(
        [quick.response.headers.get('x-tokenwise-route'), quick.response.headers.get('x-tokenwise-reason')],
        ['local', 'rule the quick tool stays local'],
      );
      const image = await tw.openai.chat.completions.create(imageQuestion).withResponse();
      assert.equal(
        image.response.headers.get('x-tokenwise-route'),
        'local',
        'the configured rules replace the defaults',
      );
    } finally {
      await tw.close();
    }
    const defaults = await startTestProxy({ env: { ...clouds(), ...local() }, config: { router: { cloudShare: 0 } } });
    try {
      await defaults.proxy.local!.start();
      const image = await defaults.openai.chat.completions.create(imageQuestion).withResponse();
      assert.deepEqual(
        [image.response.headers.get('x-tokenwise-route'), image.response.headers.get('x-tokenwise-reason')],
        ['cloud', 'rule the local model cannot see images'],
      );
    } finally {
      await defaults.close();
    }
    await assert.rejects(
      startTestProxy({ env: clouds(), config: { router: { rules: [{ when: { codeBlokcs: 1 }, route: 'cloud' }] } } }),
      /unknown signal "codeBlokcs"/,
    );
  });

  test('the confidence gate holds a routed local answer and escalates it to the cloud when the model was unsure', async () => {
    for (const [confidenceFloor, route] of [
      [0.99, 'cloud'],
      [0.0001, 'local'],
    ] as const) {
      const tw = await startTestProxy({
        env: { ...clouds(), ...local() },
        config: { router: { cloudShare: 0, confidenceFloor } },
      });
      try {
        await tw.proxy.local!.start();
        const { data, response } = await tw.openai.chat.completions
          .create(ask('auto', 'a gated question', { temperature: 0 }))
          .withResponse();
        assert.equal(response.headers.get('x-tokenwise-route'), route);
        if (route === 'cloud') {
          assert.match(response.headers.get('x-tokenwise-reason')!, /local answer confidence 0\.\d+ is below 0\.99/);
          assert.equal(data.choices[0]!.message.content, 'echo: a gated question');
          // A streaming caller sees only the answer that passed: the held local one never leaks into the stream.
          const stream = await tw.openai.chat.completions.create({ ...ask('auto', 'a gated stream'), stream: true });
          let text = '';
          for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
          assert.equal(text, 'echo: a gated stream');
          const forced = await tw.openai.chat.completions
            .create(ask('local', 'not gated', { temperature: 0 }))
            .withResponse();
          assert.equal(
            forced.response.headers.get('x-tokenwise-route'),
            'local',
            'a caller who asked for local gets local',
          );
        }
      } finally {
        await tw.close();
      }
    }
  });
});

describe('session breaker', () => {
  test('cached answers cost nothing and do not count toward a session; calls that reach the cloud do', async () => {
    const tw = await startTestProxy({
      env: clouds(),
      config: { budget: { session: { maxRequests: 3, windowSeconds: 600 } }, router: { retries: 0 } },
    });
    try {
      const question = ask('gpt-4o-mini', 'the same eval prompt', { temperature: 0 });
      for (let i = 0; i < 6; i++) await tw.openai.chat.completions.create(question);
      assert.equal(
        openai.requests.filter((r) => JSON.stringify(r.body).includes('the same eval prompt')).length,
        1,
        'one upstream call, five cache hits',
      );
      // Two more distinct turns of that conversation reach the cloud (2 and 3 of 3), the next is refused.
      const turn = (n: number) => ({
        ...question,
        messages: [
          ...question.messages,
          { role: 'assistant' as const, content: 'ok' },
          { role: 'user' as const, content: `turn ${n}` },
        ],
      });
      // One client throughout (a session is per client): the SDK's and plain fetch's User-Agents differ.
      const send = (body: object) =>
        tw.fetch('/v1/chat/completions', {
          method: 'POST',
          headers: { 'user-agent': 'OpenAI/JS 5.0.0' },
          body: JSON.stringify(body),
        });
      assert.equal((await send(turn(2))).status, 200);
      assert.equal((await send(turn(3))).status, 200);
      const refused = await send(turn(4));
      assert.equal(refused.status, 429);
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'session_limit');
    } finally {
      await tw.close();
    }
  });
});
