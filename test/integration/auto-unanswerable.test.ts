// `model: "auto"` when neither tier can answer: a 503 in the caller's API shape naming each tier and why, while a
// request naming one unconfigured model keeps its 400.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { startTestProxy } from '../support/proxy.ts';

type TestProxy = Awaited<ReturnType<typeof startTestProxy>>;

const user = [{ role: 'user', content: 'hi' }];

async function post(tw: TestProxy, route: string, body: object) {
  const response = await tw.fetch(route, { method: 'POST', body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

describe('no local model, no cloud key', () => {
  let tw: TestProxy;
  before(async () => {
    tw = await startTestProxy();
  });
  after(() => tw.close());

  const everyTier = (message: string) => {
    assert.match(message, /^model "auto": nothing can answer\. local: disabled \(local\.model is off\); cloud: /);
    assert.match(message, /no key for openai \(set OPENAI_API_KEY\)/);
    assert.match(message, /no key for anthropic \(set ANTHROPIC_API_KEY\)/);
  };

  test('chat completions → 503 in OpenAI’s shape, no retry-after (waiting will not help)', async () => {
    const { status, headers, body } = await post(tw, '/v1/chat/completions', { model: 'auto', messages: user });
    assert.equal(status, 503);
    assert.equal(body.error.type, 'server_error');
    assert.equal(body.error.code, 'no_tier_available');
    everyTier(body.error.message);
    assert.equal(headers.get('retry-after'), null);
  });

  test('messages → 503 in Anthropic’s shape', async () => {
    const { status, body } = await post(tw, '/v1/messages', { model: 'auto', max_tokens: 5, messages: user });
    assert.equal(status, 503);
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'overloaded_error');
    everyTier(body.error.message);
  });

  test('responses → 503 in OpenAI’s shape', async () => {
    const { status, body } = await post(tw, '/v1/responses', { model: 'auto', input: 'hi' });
    assert.equal(status, 503);
    everyTier(body.error.message);
  });

  test('a named model whose provider has no key keeps its 400 naming that key', async () => {
    const { status, body } = await post(tw, '/v1/chat/completions', { model: 'gpt-4o-mini', messages: user });
    assert.equal(status, 400);
    assert.match(body.error.message, /served by provider "openai", which is not configured: set OPENAI_API_KEY/);
  });
});

test('a local model that cannot load and a key for the wrong provider: both named', async () => {
  const tw = await startTestProxy({
    env: { TOKENWISE_LOCAL_MODEL: '/no/such/model.gguf', ANTHROPIC_API_KEY: 'sk-ant-test' },
  });
  try {
    for (let i = 0; i < 400 && tw.proxy.local!.health().state !== 'unavailable'; i++) await sleep(25);
    assert.equal(tw.proxy.local!.health().state, 'unavailable');
    const { status, body } = await post(tw, '/v1/chat/completions', { model: 'auto', messages: user });
    assert.equal(status, 503);
    assert.match(body.error.message, /local: the model is unavailable \(.*model\.gguf.*\); cloud: /);
    assert.match(body.error.message, /no key for openai \(set OPENAI_API_KEY\)/);
    assert.match(body.error.message, /anthropic has a key but does not serve defaultCloudModel "gpt-4o-mini"/);
  } finally {
    await tw.close();
  }
});
