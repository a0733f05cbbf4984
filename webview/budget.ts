/**
 * @module The daily budget gauge under today's counters, drawn when the proxy reports a daily limit. (The monthly
 * limit is named beside it: the panel holds no month-to-date spend.)
 */
import { budgetUse } from '../shared/budget.ts';
import { usd } from '../shared/format.ts';
import type { PanelSnapshot } from '../shared/protocol.ts';
import { h } from './dom.ts';

export function budgetGauge({ proxy, today }: PanelSnapshot): HTMLElement | null {
  const budget = proxy.kind === 'running' ? proxy.budget : undefined;
  const daily = budgetUse(today.costUsd, budget?.dailyUsd);
  if (!daily) return null;
  const monthly = budget?.monthlyUsd ? ` · monthly limit ${usd(budget.monthlyUsd)}` : '';
  const fill = h('div', { class: 'fill' });
  // Through the CSSOM: the panel's Content Security Policy refuses inline style attributes.
  fill.style.width = `${(daily.share * 100).toFixed(1)}%`;
  return h(
    'div',
    { class: `budget ${daily.level}`, 'data-budget': 'daily', title: 'Over the limit the proxy answers locally or refuses (budget.whenOver)' },
    h('div', { class: 'label' }, `Daily budget: ${usd(daily.spentUsd)} of ${usd(daily.limitUsd)}${monthly}`),
    h('div', { class: 'bar' }, fill),
  );
}
