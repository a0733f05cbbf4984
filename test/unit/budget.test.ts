import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BudgetGuard, isRefusal } from '../../proxy/router/budget.ts';

test('reservations count against the limit until settled with the real cost', () => {
  const guard = new BudgetGuard({ dailyUsd: 1 }, { todayUsd: 0.5, monthUsd: 0.5 });
  const a = guard.reserve(0.3);
  assert.ok(!isRefusal(a));
  const refused = guard.reserve(0.3);
  assert.ok(isRefusal(refused) && refused.limit === 'daily' && Math.abs(refused.spentUsd - 0.8) < 1e-12);
  a.settle(0.1);
  assert.ok(!isRefusal(guard.reserve(0.3)), 'the refund made room');
});

test('a new day starts from zero; the month keeps counting', () => {
  let now = new Date(2026, 10, 26, 23, 0);
  const guard = new BudgetGuard({ dailyUsd: 1, monthlyUsd: 1.5 }, { todayUsd: 0.9, monthUsd: 0.9 }, () => now);
  assert.ok(isRefusal(guard.reserve(0.2)));
  now = new Date(2026, 10, 27, 0, 5);
  const next = guard.reserve(0.5);
  assert.ok(!isRefusal(next));
  const monthly = guard.reserve(0.2);
  assert.ok(isRefusal(monthly) && monthly.limit === 'monthly');
});
