// The inline prompt hints' settings: typed values with safe defaults, the default model falling back to the proxy's
// default cloud model, and every setting contributed in package.json.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { parsePromptHintSettings, PROMPT_HINT_SETTING_NAMES } from '../../extension/prompt-hint-settings.ts';

const manifest = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const from = (values: Record<string, unknown>) => parsePromptHintSettings((name) => values[name]);

test('nothing set: hints on for every prompt, the proxy default model, an 8,000-token budget', () => {
  assert.deepEqual(from({}), { enabled: true, minTokens: 0, activeLineOnly: false, maxTokens: 8000, defaultModel: 'gpt-4o-mini', expectedOutputTokens: 256 });
});

test('values of the wrong type fall back to the defaults; the default model follows tokenwise.defaultCloudModel', () => {
  const settings = from({ 'promptHints.enabled': false, 'promptHints.minTokens': -3, 'promptHints.maxTokens': 'lots', 'promptHints.activeLineOnly': true, defaultCloudModel: 'claude-haiku-4-5' });
  assert.deepEqual(settings, { enabled: false, minTokens: 0, activeLineOnly: true, maxTokens: 8000, defaultModel: 'claude-haiku-4-5', expectedOutputTokens: 256 });
  assert.equal(from({ 'promptHints.defaultModel': ' gpt-4.1 ', defaultCloudModel: 'claude-haiku-4-5' }).defaultModel, 'gpt-4.1');
});

test('package.json contributes each setting with its default and the toggle command', () => {
  const properties = manifest.contributes.configuration.properties as Record<string, { default: unknown }>;
  const defaults = from({});
  for (const name of PROMPT_HINT_SETTING_NAMES) assert.ok(properties[`tokenwise.${name}`], name);
  assert.equal(properties['tokenwise.promptHints.maxTokens']!.default, defaults.maxTokens);
  assert.equal(properties['tokenwise.promptHints.minTokens']!.default, defaults.minTokens);
  assert.equal(properties['tokenwise.promptHints.expectedOutputTokens']!.default, defaults.expectedOutputTokens);
  assert.ok(manifest.contributes.commands.some((c: { command: string }) => c.command === 'tokenwise.togglePromptHints'));
});
