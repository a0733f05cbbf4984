// The inline prompt hints' settings: typed values with safe defaults, the default model falling back to the proxy's
// default cloud model, and every setting contributed in package.json.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import {
  parsePromptHintSettings,
  PROMPT_HINT_SETTING_NAMES,
  RULE_NAMES,
} from '../../extension/prompt-hint-settings.ts';
import { costLevel, LONG_LINE, placement, severityOf } from '../../extension/prompt-hint-style.ts';
import type { RuleName } from '../../proxy/prompts/types.ts';

const manifest = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const from = (values: Record<string, unknown>) => parsePromptHintSettings((name) => values[name]);
/** The look settings' defaults: every rule a warning, the hint above only on long lines, colours from $0.001 and $0.01. */
const LOOK = { severity: {}, position: 'auto', mediumCostPerCall: 0.001, highCostPerCall: 0.01 };

test('nothing set: hints on for every prompt, the proxy default model, an 8,000-token budget', () => {
  assert.deepEqual(from({}), {
    ...LOOK,
    enabled: true,
    minTokens: 0,
    activeLineOnly: false,
    maxTokens: 8000,
    defaultModel: 'gpt-4o-mini',
    expectedOutputTokens: 256,
  });
});

test('values of the wrong type fall back to the defaults; the default model follows tokenwise.defaultCloudModel', () => {
  const settings = from({
    'promptHints.enabled': false,
    'promptHints.minTokens': -3,
    'promptHints.maxTokens': 'lots',
    'promptHints.activeLineOnly': true,
    defaultCloudModel: 'claude-haiku-4-5',
  });
  assert.deepEqual(settings, {
    ...LOOK,
    enabled: false,
    minTokens: 0,
    activeLineOnly: true,
    maxTokens: 8000,
    defaultModel: 'claude-haiku-4-5',
    expectedOutputTokens: 256,
  });
  assert.equal(
    from({ 'promptHints.defaultModel': ' gpt-4.1 ', defaultCloudModel: 'claude-haiku-4-5' }).defaultModel,
    'gpt-4.1',
  );
});

test('package.json contributes each setting with its default and the toggle command', () => {
  const properties = manifest.contributes.configuration.properties as Record<string, { default: unknown }>;
  const defaults = from({});
  for (const name of PROMPT_HINT_SETTING_NAMES) assert.ok(properties[`tokenwise.${name}`], name);
  assert.equal(properties['tokenwise.promptHints.maxTokens']!.default, defaults.maxTokens);
  assert.equal(properties['tokenwise.promptHints.minTokens']!.default, defaults.minTokens);
  assert.equal(properties['tokenwise.promptHints.expectedOutputTokens']!.default, defaults.expectedOutputTokens);
  assert.ok(
    manifest.contributes.commands.some((c: { command: string }) => c.command === 'tokenwise.togglePromptHints'),
  );
});

test('per-rule severity: unknown rules and values are dropped; a rule not named is a warning', () => {
  const settings = from({
    'promptHints.severity': {
      'template-padding': 'off',
      'over-token-budget': 'error',
      'repeated-block': 'loud',
      'no-such-rule': 'info',
    },
  });
  assert.deepEqual(settings.severity, { 'template-padding': 'off', 'over-token-budget': 'error' });
  assert.deepEqual(
    ['template-padding', 'over-token-budget', 'repeated-block'].map((rule) =>
      severityOf({ rule: rule as RuleName }, settings),
    ),
    ['off', 'error', 'warning'],
  );
  const properties = manifest.contributes.configuration.properties['tokenwise.promptHints.severity']
    .properties as Record<string, { enum: string[] }>;
  assert.deepEqual(Object.keys(properties), RULE_NAMES);
  for (const rule of RULE_NAMES) assert.deepEqual(properties[rule]!.enum, ['error', 'warning', 'info', 'off']);
});

test('position: auto puts the hint above a line longer than the editor shows, end and above are kept as set', () => {
  assert.deepEqual(
    [placement(80, 'auto'), placement(LONG_LINE + 1, 'auto'), placement(300, 'end'), placement(10, 'above')],
    ['end', 'above', 'end', 'above'],
  );
  assert.equal(from({ 'promptHints.position': 'sideways' }).position, 'auto');
});

test('cost colour: low, medium and high by the thresholds; unknown without a price or a size', () => {
  const settings = from({ 'promptHints.mediumCostPerCall': 0.002, 'promptHints.highCostPerCall': 0.02 });
  const level = (costPerCall: number | null, sizeUnknown = false) => costLevel({ costPerCall, sizeUnknown }, settings);
  assert.deepEqual(
    [level(0.0019), level(0.002), level(0.019), level(0.02), level(null), level(0.05, true)],
    ['low', 'medium', 'medium', 'high', 'unknown', 'unknown'],
  );
  // A high threshold under the medium one is raised to it, so the bands stay in order.
  assert.equal(from({ 'promptHints.mediumCostPerCall': 0.5, 'promptHints.highCostPerCall': 0.1 }).highCostPerCall, 0.5);
  const colors = (manifest.contributes.colors as { id: string }[]).map((c) => c.id);
  assert.deepEqual(colors, [
    'tokenwise.promptHint.lowCost',
    'tokenwise.promptHint.mediumCost',
    'tokenwise.promptHint.highCost',
  ]);
});
