import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitRequest, type FitOptions } from '../../proxy/context/index.ts';
import type { Provider } from '../../proxy/providers/provider.ts';
import type { RouteDecision } from '../../proxy/router/catalog.ts';
import { assistant, request, system, tool, user } from './context-fixtures.ts';

const cloud = {
  target: 'cloud',
  provider: { name: 'openai', kind: 'openai' } as Provider,
  model: 'gpt-4.1',
  reason: 'test',
} as RouteDecision;
const log = Array.from({ length: 3000 }, (_, i) => `line ${i}: compiling module number ${i} of the build`).join('\n');
const agentTurn = request([
  system('You are a coding agent.'),
  user('Fix the failing build.'),
  assistant('Let me build it.', ['c1']),
  tool('c1', log),
  assistant('Now the tests.', ['c2']),
  tool('c2', 'all passed'),
]);
const options = (extra: Partial<FitOptions> = {}): FitOptions => ({ overrides: {}, minCloudSaving: 0.1, ...extra });

test('a conversation to a provider that caches prefixes is sent as it is while it fits: trimming would rewrite the cached history', async () => {
  const trimmed = await fitRequest(agentTurn, cloud, options());
  assert.ok(
    trimmed && trimmed.tokensAfter < trimmed.tokensBefore,
    'without prefix caching the long tool output is truncated',
  );
  assert.equal(await fitRequest(agentTurn, cloud, options({ cachesPrefix: () => true })), undefined);
});

test('over its budget it is still fitted', async () => {
  const capped = await fitRequest(
    agentTurn,
    cloud,
    options({ cachesPrefix: () => true, overrides: { budgets: { maxInputTokens: 5000 } as never } }),
  );
  assert.ok(capped && capped.tokensAfter <= 5000, `${capped?.tokensAfter}`);
});
