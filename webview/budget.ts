/**
 * @module The budget gauges under today's counters: one for the daily limit (today's spend) and one for the monthly
 * limit (this month's spend), each drawn when the proxy reports that limit.
 */
import { budgetUse, type BudgetUse } from '../shared/budget.ts';
import { usd } from '../shared/format.ts';
import type { PanelSnapshot } from '../shared/protocol.ts';
import { h } from './dom.ts';

export function budgetGauges({ proxy, today, month }: PanelSnapshot): HTMLElement[] {
  const budget = proxy.kind === 'running' ? proxy.budget : undefined;
  const daily = budgetUse(today.costUsd, budget?.dailyUsd);
  // Drawn once the month's spend is read: today's alone would show the month emptier than it is.
  const monthly = month && budgetUse(month.costUsd, budget?.monthlyUsd);
  return [
    ...(daily ? [gauge('daily', 'Daily budget', daily)] : []),
    ...(monthly ? [gauge('monthly', 'Monthly budget', monthly)] : []),
  ];
}

function gauge(kind: 'daily' | 'monthly', label: string, use: BudgetUse): HTMLElement {
  const fill = h('div', { class: 'fill' });
  // Through the CSSOM: the panel's Content Security Policy refuses inline style attributes.
  fill.style.width = `${(use.share * 100).toFixed(1)}%`;
  return h(
    'div',
    {
      class: `budget ${use.level}`,
      'data-budget': kind,
      title: 'Over the limit the proxy answers locally or refuses (budget.whenOver)',
    },
    h('div', { class: 'label' }, `${label}: ${usd(use.spentUsd)} of ${usd(use.limitUsd)}`),
    h('div', { class: 'bar' }, fill),
  );
}
