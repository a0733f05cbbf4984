// Budgets as VS Code settings: they reach the proxy's config through its environment, the proxy reports them in its
// health answer, and the panel's gauge reads spent against the daily limit.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { test } from 'node:test';
import { budgetUse } from '../../shared/budget.ts';
import { loadConfig } from '../../proxy/config/load.ts';
import { parseSettings, proxyLaunch } from '../../extension/settings.ts';

const manifest = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

test('tokenwise.budget.dailyUsd / monthlyUsd become the proxy config’s budget; a bad value is dropped and named', () => {
  const { settings, problems } = parseSettings((name) => ({ 'budget.dailyUsd': 2.5, 'budget.monthlyUsd': 40 })[name]);
  assert.deepEqual(problems, []);
  const config = loadConfig({ env: { ...proxyLaunch(settings).env, XDG_CONFIG_HOME: os.tmpdir() }, flags: {} });
  assert.deepEqual([config.budget.dailyUsd, config.budget.monthlyUsd], [2.5, 40]);
  const bad = parseSettings((name) => ({ 'budget.dailyUsd': -1 })[name]);
  assert.deepEqual(bad.problems, ['tokenwise.budget.dailyUsd: ignoring -1']);
  assert.equal(proxyLaunch(bad.settings).env.TOKENWISE_BUDGET_DAILY_USD, undefined);
  for (const name of ['tokenwise.budget.dailyUsd', 'tokenwise.budget.monthlyUsd'])
    assert.equal(manifest.contributes.configuration.properties[name].default, null, name);
});

test('the gauge: none without a limit; ok, near from 80%, over from 100% (the bar capped at full)', () => {
  assert.equal(budgetUse(3, null), undefined);
  assert.equal(budgetUse(3, 0), undefined);
  assert.deepEqual(budgetUse(1, 4), { spentUsd: 1, limitUsd: 4, share: 0.25, level: 'ok' });
  assert.equal(budgetUse(3.2, 4)!.level, 'near');
  assert.deepEqual(budgetUse(6, 4), { spentUsd: 6, limitUsd: 4, share: 1, level: 'over' });
});
