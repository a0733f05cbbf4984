import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientName } from '../../proxy/usage/client.ts';
import { parseTime } from '../../proxy/usage/totals.ts';

test('client names from the header or the User-Agent of real tools', () => {
  assert.equal(clientName({ 'x-tokenwise-client': 'my-app', 'user-agent': 'OpenAI/JS 6.1.0' }), 'my-app');
  assert.equal(clientName({ 'user-agent': 'claude-cli/2.1.332 (external, cli)' }), 'claude-code');
  assert.equal(clientName({ 'user-agent': 'codex_exec/0.171.0 (Debian 12; x86_64)' }), 'codex');
  assert.equal(clientName({ 'user-agent': 'QwenCode/0.24.4 (linux; x64)' }), 'qwen-code');
  assert.equal(clientName({ 'user-agent': 'OpenAI/Python 1.99.0' }), 'openai-python');
  assert.equal(clientName({ 'user-agent': 'Anthropic/JS 1.14.0' }), 'anthropic-node');
  assert.equal(clientName({ 'user-agent': 'curl/8.5.0' }), 'curl');
  assert.equal(clientName({}), 'unknown');
});

test('times: relative, ISO and epoch', () => {
  const now = 1_800_000_000_000;
  assert.equal(parseTime('7d', now), now - 7 * 86_400_000);
  assert.equal(parseTime('30m', now), now - 1_800_000);
  assert.equal(parseTime('2026-01-02T00:00:00Z'), Date.UTC(2026, 0, 2));
  assert.equal(parseTime('1700000000000'), 1_700_000_000_000);
  assert.throws(() => parseTime('soon'), /cannot read "soon"/);
});
