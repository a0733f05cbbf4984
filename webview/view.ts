/**
 * @module Renders a snapshot: proxy status, today's counters, the spend-vs-baseline chart, per-model, per-tool and
 * per-conversation tables, the live list of recent requests, and how to connect a tool (open when nothing has been sent yet).
 */
import { clock, duration, percent, savedShare, tokens, usd } from '../shared/format.ts';
import {
  TABLE_RANGES,
  type CopyTarget,
  type PanelAction,
  type PanelSnapshot,
  type RequestEvent,
  type TableRange,
  type UsageGroup,
} from '../shared/protocol.ts';
import { budgetGauges } from './budget.ts';
import { spendChart } from './chart.ts';
import { connectSection } from './connect.ts';
import { h } from './dom.ts';

/** The panel's own state and what its buttons do. */
export interface PanelUi {
  range: 'hour' | 'week';
  snippet?: CopyTarget;
  copied?: CopyTarget;
  copy(target: CopyTarget): void;
  run(action: PanelAction): void;
  setRange(range: 'hour' | 'week'): void;
  setTableRange(range: TableRange): void;
  selectSnippet(target: CopyTarget): void;
}

export function render(snapshot: PanelSnapshot, ui: PanelUi): HTMLElement[] {
  const empty = snapshot.today.requests === 0 && snapshot.recent.length === 0;
  return [
    statusLine(snapshot, ui),
    ...(empty
      ? [
          h(
            'p',
            { class: 'empty' },
            'No requests yet today. Connect a tool below, and every request it sends shows up here as it finishes.',
          ),
          connectSection(snapshot, ui, true),
        ]
      : [
          counters(snapshot),
          chartSection(snapshot, ui),
          tableRangeTabs(snapshot, ui),
          table('By model', snapshot.byModel, 'model', snapshot.tableRange),
          table('By tool', snapshot.byClient, 'client', snapshot.tableRange),
          conversationsTable(snapshot),
          ...whatIfSection(snapshot),
          ...auditSection(snapshot),
          recentList(snapshot.recent),
          connectSection(snapshot, ui, false),
        ]),
  ];
}

function button(label: string, action: PanelAction, ui: PanelUi, kind = 'secondary'): HTMLButtonElement {
  const b = h('button', { class: kind, 'data-action': action }, label);
  b.addEventListener('click', () => ui.run(action));
  return b;
}

function statusLine({ proxy }: PanelSnapshot, ui: PanelUi): HTMLElement {
  const line = h('header', { class: `status ${proxy.kind}`, 'data-state': proxy.kind });
  const dot = h('span', { class: 'dot', 'aria-hidden': 'true' });
  switch (proxy.kind) {
    case 'running': {
      const local = proxy.local;
      const localText = !local
        ? ''
        : local.state === 'ready'
          ? `local model ${local.model ?? ''} ready`
          : local.state === 'downloading'
            ? `downloading local model ${percent(local.progress ?? 0)}`
            : `local model ${local.state}`;
      line.append(
        dot,
        h(
          'span',
          { class: 'grow' },
          `Proxy ${proxy.attached ? 'attached' : 'running'} on ${proxy.url.replace(/^https?:\/\//, '')}`,
          h('br'),
          h('small', { class: 'muted' }, localText),
        ),
        button('Restart', 'restartProxy', ui),
      );
      break;
    }
    case 'starting':
      line.append(dot, h('span', { class: 'grow' }, 'Starting the proxy…'));
      break;
    case 'restarting':
      line.append(dot, h('span', { class: 'grow' }, `Proxy stopped (${proxy.reason}); restarting…`));
      break;
    case 'stopped':
      line.append(dot, h('span', { class: 'grow' }, 'Proxy stopped'), button('Start', 'startProxy', ui, 'primary'));
      break;
    case 'failed':
      line.append(
        dot,
        h('span', { class: 'grow' }, 'Proxy failed: ', proxy.reason),
        button('Log', 'showLog', ui),
        button('Restart', 'restartProxy', ui, 'primary'),
      );
      break;
    default:
      proxy satisfies never;
  }
  return line;
}

function metric(name: string, label: string, value: string, note?: string): HTMLElement {
  return h(
    'div',
    { class: 'metric', 'data-metric': name },
    h('div', { class: 'label' }, label),
    h('div', { class: 'value' }, value),
    note ? h('div', { class: 'note' }, note) : null,
  );
}

function counters(snapshot: PanelSnapshot): HTMLElement {
  const { today } = snapshot;
  const levers = Object.entries(today.savedByLever).filter(([, v]) => v > 0);
  return h(
    'section',
    { class: 'today' },
    h('h2', {}, 'Today'),
    h(
      'div',
      { class: 'metrics' },
      metric(
        'spent',
        'Spent',
        usd(today.costUsd),
        today.unpricedRequests ? `${today.unpricedRequests} unpriced` : undefined,
      ),
      metric('saved', 'Saved', usd(today.savedUsd), `${percent(savedShare(today))} of ${usd(today.baselineCostUsd)}`),
      metric('requests', 'Requests', String(today.requests), today.errors ? `${today.errors} failed` : undefined),
      metric('tokens', 'Tokens in / out', `${tokens(today.inputTokens)} / ${tokens(today.outputTokens)}`),
      metric('cache', 'Cache hit rate', percent(today.cacheHitRate)),
      metric('local', 'Local share', percent(today.localShare)),
    ),
    ...budgetGauges(snapshot),
    levers.length
      ? h('p', { class: 'levers muted' }, `Saved by ${levers.map(([lever, v]) => `${lever} ${usd(v)}`).join(' · ')}`)
      : null,
  );
}

function chartSection(snapshot: PanelSnapshot, ui: PanelUi): HTMLElement {
  const toggle = (range: 'hour' | 'week', label: string) => {
    const b = h(
      'button',
      { class: ui.range === range ? 'tab selected' : 'tab', 'aria-pressed': String(ui.range === range) },
      label,
    );
    b.addEventListener('click', () => ui.setRange(range));
    return b;
  };
  return h(
    'section',
    { class: 'spend' },
    h(
      'h2',
      {},
      'Spend vs baseline',
      h('span', { class: 'tabs inline' }, toggle('hour', 'Last hour'), toggle('week', '7 days')),
    ),
    spendChart(ui.range === 'hour' ? snapshot.lastHour : snapshot.lastWeek, ui.range),
    h(
      'div',
      { class: 'legend muted' },
      h('span', { class: 'swatch spent' }),
      'spent ',
      h('span', { class: 'swatch baseline' }),
      'baseline (without Tokenwise)',
    ),
  );
}

const RANGE_LABELS: Record<TableRange, string> = { today: 'Today', '7d': '7 days', '30d': '30 days' };

/** The date range of the per-model, per-tool and per-conversation tables. */
function tableRangeTabs(snapshot: PanelSnapshot, ui: PanelUi): HTMLElement {
  const tab = (range: TableRange) => {
    const b = h(
      'button',
      {
        class: snapshot.tableRange === range ? 'tab selected' : 'tab',
        'aria-pressed': String(snapshot.tableRange === range),
        'data-table-range': range,
      },
      RANGE_LABELS[range],
    );
    b.addEventListener('click', () => ui.setTableRange(range));
    return b;
  };
  return h('div', { class: 'tabs table-range' }, ...TABLE_RANGES.map(tab));
}

function table(title: string, groups: UsageGroup[], kind: string, range: TableRange): HTMLElement {
  return h(
    'section',
    { class: 'groups', 'data-table': kind },
    h('h2', {}, title),
    groups.length
      ? h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, kind === 'model' ? 'Model' : 'Tool'),
              h('th', { class: 'num' }, 'Req'),
              h('th', { class: 'num' }, 'Spent'),
              h('th', { class: 'num' }, 'Saved'),
            ),
          ),
          h(
            'tbody',
            {},
            ...groups.map((g) =>
              h(
                'tr',
                {},
                h('td', { title: g.key }, g.key),
                h('td', { class: 'num' }, g.requests),
                h('td', { class: 'num' }, usd(g.costUsd)),
                h('td', { class: 'num' }, usd(g.savedUsd)),
              ),
            ),
          ),
        )
      : h(
          'p',
          { class: 'muted' },
          range === 'today' ? 'Nothing yet today.' : `Nothing in the last ${RANGE_LABELS[range]}.`,
        ),
  );
}

/** An agent conversation's first and last request: times today, dates with times before. */
function when(time: number): string {
  const d = new Date(time);
  return d.toDateString() === new Date().toDateString()
    ? clock(time)
    : `${d.getMonth() + 1}/${d.getDate()} ${clock(time)}`;
}

/** What each agent conversation cost in the table range, costliest first. */
function conversationsTable({ conversations, tableRange }: PanelSnapshot): HTMLElement {
  return h(
    'section',
    { class: 'groups', 'data-table': 'conversations' },
    h('h2', {}, 'Conversations'),
    conversations.length
      ? h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'Tool · conversation'),
              h('th', { class: 'num' }, 'Req'),
              h('th', { class: 'num' }, 'Tokens'),
              h('th', { class: 'num' }, 'Spent'),
              h('th', { class: 'num' }, 'First – last'),
            ),
          ),
          h(
            'tbody',
            {},
            ...conversations.map((c) =>
              h(
                'tr',
                { 'data-conversation': c.id },
                h('td', { title: `${c.client} · ${c.id}` }, `${c.client} · ${c.id.slice(0, 8)}`),
                h('td', { class: 'num' }, c.requests),
                h(
                  'td',
                  { class: 'num', title: `${c.inputTokens} in, ${c.outputTokens} out` },
                  tokens(c.inputTokens + c.outputTokens),
                ),
                h('td', { class: 'num' }, usd(c.costUsd)),
                h('td', { class: 'num' }, `${when(c.first)} – ${when(c.last)}`),
              ),
            ),
          ),
        )
      : h(
          'p',
          { class: 'muted' },
          tableRange === 'today'
            ? 'No conversations yet today.'
            : `No conversations in the last ${RANGE_LABELS[tableRange]}.`,
        ),
  );
}

/** Conversations listed with their running cost. */
const CONVERSATIONS_SHOWN = 5;

/** What each switched-off lever would have saved on the week's recordings, and the costliest conversations. */
function whatIfSection({ whatIf }: PanelSnapshot): HTMLElement[] {
  if (!whatIf?.turns) return [];
  return [
    h(
      'section',
      { class: 'whatif', 'data-section': 'whatif' },
      h('h2', {}, 'What if (7 days, recorded)'),
      whatIf.levers.length
        ? h(
            'ul',
            {},
            ...whatIf.levers.map((l) =>
              h(
                'li',
                { 'data-lever': l.lever, title: `set ${l.setting} to turn it on` },
                `${l.lever} on: ${l.savedUsd >= 0 ? '−' : '+'}${usd(Math.abs(l.savedUsd))}`,
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'Every lever is on.'),
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'Conversation'),
            h('th', { class: 'num' }, 'Turns'),
            h('th', { class: 'num' }, 'Cost'),
          ),
        ),
        h(
          'tbody',
          {},
          ...whatIf.conversations
            .slice(0, CONVERSATIONS_SHOWN)
            .map((c) =>
              h(
                'tr',
                {},
                h('td', { title: c.id }, c.id),
                h('td', { class: 'num' }, c.turns),
                h('td', { class: 'num' }, usd(c.costUsd)),
              ),
            ),
        ),
      ),
    ),
  ];
}

/** The quality audit in three lines: how often the local answer was as good, what it cost, where routing sits. */
function auditSection({ audit }: PanelSnapshot): HTMLElement[] {
  if (!audit?.audited) return [];
  const percent = (x: number) => `${Math.round(x * 100)}%`;
  const rate = audit.localAsGood;
  const prior = audit.operatingPoints.find((p) => p.group === 'prior');
  return [
    h(
      'section',
      { class: 'audit', 'data-section': 'audit' },
      h('h2', {}, 'Quality audit'),
      h(
        'p',
        { 'data-audit': 'rate', title: '90% Wilson interval' },
        rate.rate === null
          ? `${audit.audited} audited, none judged yet`
          : `Local as good as cloud: ${percent(rate.rate)} (${percent(rate.low)}–${percent(rate.high)}) of ${rate.judged} judged`,
      ),
      h(
        'p',
        { class: 'muted', 'data-audit': 'spend' },
        `Audit spend ${usd(audit.spentTodayUsd)} today, ${usd(audit.spentUsd)} in all`,
      ),
      ...(prior
        ? [
            h(
              'p',
              { class: 'muted', 'data-audit': 'point' },
              `Operating point: gain < ${prior.threshold} goes local${prior.movedAt ? `, moved ${new Date(prior.movedAt).toLocaleString()}` : ''}`,
            ),
          ]
        : []),
    ),
  ];
}

function recentList(recent: RequestEvent[]): HTMLElement {
  return h('section', { class: 'recent' }, h('h2', {}, 'Recent requests'), h('ol', {}, ...recent.map(requestRow)));
}

function requestRow(e: RequestEvent): HTMLElement {
  const failed = e.status >= 400;
  return h(
    'li',
    { class: failed ? 'request failed' : 'request', 'data-id': String(e.id), 'data-route': e.route },
    h(
      'div',
      { class: 'line' },
      h('span', { class: 'time' }, clock(e.time)),
      h('span', { class: 'client' }, e.client),
      h('span', { class: `route ${e.route}` }, e.route),
      e.cache !== 'miss' ? h('span', { class: 'badge' }, e.cache) : null,
      h('span', { class: 'grow' }),
      h('span', { class: 'cost' }, usd(e.costUsd)),
    ),
    h(
      'div',
      { class: 'line muted' },
      h('span', { class: 'model', title: `asked ${e.modelAsked}` }, e.modelUsed),
      h('span', {}, `${tokens(e.inputTokens)}→${tokens(e.outputTokens)} tok`),
      h('span', {}, duration(e.latencyMs)),
      h('span', { class: 'grow' }),
      e.savedUsd > 0 ? h('span', { class: 'saved' }, `saved ${usd(e.savedUsd)}`) : null,
    ),
    h(
      'div',
      { class: 'reason muted', title: e.reason },
      failed ? `HTTP ${e.status}: ${e.error ?? e.reason}` : e.reason,
    ),
  );
}
