import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Provider, ProviderHealth } from '../../proxy/providers/provider.ts';
import { selectRoute, type ModelCatalog } from '../../proxy/router/catalog.ts';

function provider(name: string, models: string[], state: ProviderHealth['state'] = 'ready'): Provider {
  return {
    name,
    kind: name === 'local' ? 'local' : 'openai',
    models: () => models,
    health: () => ({ state }),
    chat: () => {
      throw new Error('unused');
    },
  };
}
function catalog(localState?: ProviderHealth['state']): ModelCatalog {
  return {
    local: localState ? provider('local', ['local'], localState) : undefined,
    cloud: new Map([
      ['openai', { provider: provider('openai', ['gpt-4o-mini']), configured: true, pattern: /^gpt-/ }],
      [
        'anthropic',
        {
          provider: provider('anthropic', ['claude-haiku-4-5']),
          configured: false,
          missingKeyHint: 'set ANTHROPIC_API_KEY',
          pattern: /^claude-/,
        },
      ],
      ['groq', { provider: provider('groq', []), configured: true }],
    ]),
    defaultCloudModel: 'gpt-4o-mini',
  };
}
const ask = (model: string) => ({ model, messages: [], stream: false });

test('local, exact, pattern and provider/model names', () => {
  assert.equal(selectRoute(ask('local'), catalog('ready')).target, 'local');
  assert.deepEqual(pick(selectRoute(ask('gpt-4o-mini'), catalog('ready'))), ['openai', 'gpt-4o-mini']);
  assert.deepEqual(pick(selectRoute(ask('gpt-5-turbo'), catalog('ready'))), ['openai', 'gpt-5-turbo']);
  assert.deepEqual(pick(selectRoute(ask('groq/llama-3.3-70b'), catalog('ready'))), ['groq', 'llama-3.3-70b']);
});

test('auto goes local only when the local model is ready, else to the default cloud model', () => {
  assert.equal(selectRoute(ask('auto'), catalog('ready')).target, 'local');
  const decision = selectRoute(ask('auto'), catalog('downloading'));
  assert.deepEqual(pick(decision), ['openai', 'gpt-4o-mini']);
  assert.match(decision.reason, /local downloading/);
});

test('unknown models, an unconfigured provider and a disabled local tier are plain-worded errors', () => {
  assert.throws(
    () => selectRoute(ask('mystery'), catalog('ready')),
    (e: { status: number; message: string }) =>
      e.status === 404 && /available: auto, local, gpt-4o-mini/.test(e.message) && !e.message.includes('claude'),
  );
  assert.throws(
    () => selectRoute(ask('claude-haiku-4-5'), catalog('ready')),
    (e: { status: number; message: string }) => e.status === 400 && /set ANTHROPIC_API_KEY/.test(e.message),
  );
  assert.throws(() => selectRoute(ask('local'), catalog()), /local tier is disabled/);
});

function pick(decision: { provider: Provider; model: string }) {
  return [decision.provider.name, decision.model];
}
