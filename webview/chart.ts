/**
 * @module The spend-vs-baseline chart: one bar pair per minute (last hour) or per day (last 7 days), plain SVG,
 * coloured by CSS classes that use the theme's chart colours.
 */
import { usd } from '../shared/format.ts';
import type { SpendPoint } from '../shared/protocol.ts';
import { h, svg } from './dom.ts';

const WIDTH = 300;
const HEIGHT = 90;

export function spendChart(points: SpendPoint[], range: 'hour' | 'week'): HTMLElement {
  const max = Math.max(0, ...points.map((p) => Math.max(p.costUsd, p.baselineCostUsd)));
  const slot = WIDTH / Math.max(1, points.length);
  const y = (value: number) => (max > 0 ? (value / max) * (HEIGHT - 4) : 0);
  const bars = points.flatMap((p, i) => {
    const label = `${labelOf(p.key, range)}: spent ${usd(p.costUsd)}, baseline ${usd(p.baselineCostUsd)}, ${p.requests} request${p.requests === 1 ? '' : 's'}`;
    const x = i * slot;
    return [
      svg(
        'rect',
        {
          class: 'bar baseline',
          x: x + slot * 0.1,
          y: HEIGHT - y(p.baselineCostUsd),
          width: slot * 0.8,
          height: y(p.baselineCostUsd),
        },
        svg('title', {}, label),
      ),
      svg(
        'rect',
        { class: 'bar spent', x: x + slot * 0.25, y: HEIGHT - y(p.costUsd), width: slot * 0.5, height: y(p.costUsd) },
        svg('title', {}, label),
      ),
      ...(p.requests > 0 && p.baselineCostUsd === 0 && p.costUsd === 0
        ? [
            svg(
              'rect',
              { class: 'bar free', x: x + slot * 0.25, y: HEIGHT - 2, width: slot * 0.5, height: 2 },
              svg('title', {}, label),
            ),
          ]
        : []),
    ];
  });
  const chart = svg(
    'svg',
    {
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      preserveAspectRatio: 'none',
      role: 'img',
      'aria-label': 'Spend versus baseline',
    },
    svg('line', { class: 'axis', x1: 0, y1: HEIGHT - 0.5, x2: WIDTH, y2: HEIGHT - 0.5 }),
    ...bars,
  );
  const first = points[0];
  const last = points.at(-1);
  return h(
    'figure',
    { class: 'chart', 'data-range': range },
    h('div', { class: 'chart-max' }, max > 0 ? usd(max) : ''),
    chart,
    h(
      'figcaption',
      {},
      h('span', {}, first ? labelOf(first.key, range) : ''),
      h('span', {}, last ? (range === 'hour' ? 'now' : 'today') : ''),
    ),
  );
}

/** `2025-01-31T14:05` → `14:05`; `2025-01-31` → `Fri 31`. */
function labelOf(key: string, range: 'hour' | 'week'): string {
  if (range === 'hour') return key.slice(11);
  const d = new Date(`${key}T12:00:00`);
  return `${d.toLocaleDateString('en-US', { weekday: 'short' })} ${d.getDate()}`;
}
