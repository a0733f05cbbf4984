import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  dayKey,
  emptySnapshot,
  lastHourKeys,
  lastWeekKeys,
  minuteKey,
  RECENT_LIMIT,
  series,
  startOfMonth,
  withRequest,
  withSummaries,
} from '../../extension/usage-snapshot.ts';
import { emptyTotals, parsePanelMessage, type RequestEvent, type UsageSummary } from '../../shared/protocol.ts';

const now = new Date(2025, 0, 31, 14, 5, 30).getTime();
const event = (id: number, over: Partial<RequestEvent> = {}): RequestEvent => ({
  id,
  time: now - 1000,
  client: 'aider',
  modelAsked: 'auto',
  modelUsed: 'qwen',
  provider: 'local',
  route: 'local',
  reason: 'auto: local',
  cache: 'miss',
  status: 200,
  inputTokens: 100,
  outputTokens: 20,
  cachedTokens: 0,
  costUsd: 0,
  baselineCostUsd: 0.002,
  savedUsd: 0.002,
  latencyMs: 300,
  ...over,
});

test('chart keys match the ledger’s local-time group keys and cover the window', () => {
  assert.equal(minuteKey(now), '2025-01-31T14:05');
  assert.equal(dayKey(now), '2025-01-31');
  const hour = lastHourKeys(now);
  assert.equal(hour.length, 60);
  assert.equal(hour[0], '2025-01-31T13:06');
  assert.equal(hour.at(-1), '2025-01-31T14:05');
  assert.deepEqual(lastWeekKeys(now), [
    '2025-01-25',
    '2025-01-26',
    '2025-01-27',
    '2025-01-28',
    '2025-01-29',
    '2025-01-30',
    '2025-01-31',
  ]);
  const points = series(['a', 'b'], [{ ...emptyTotals(), key: 'b', costUsd: 1, baselineCostUsd: 3, requests: 2 }]);
  assert.deepEqual(points, [
    { key: 'a', costUsd: 0, baselineCostUsd: 0, requests: 0 },
    { key: 'b', costUsd: 1, baselineCostUsd: 3, requests: 2 },
  ]);
});

test('a finished request counts at once: totals, tables, charts and the recent list', () => {
  const start = withSummaries(emptySnapshot(), summaries(), now);
  const after = withRequest(
    withRequest(start, event(1), now),
    event(2, {
      client: 'cline',
      route: 'cloud',
      provider: 'openai',
      modelUsed: 'gpt-4o-mini',
      costUsd: 0.001,
      savedUsd: 0,
      cache: 'exact',
    }),
    now,
  );
  assert.equal(after.today.requests, 2);
  assert.equal(after.today.inputTokens, 200);
  assert.equal(after.today.costUsd, 0.001);
  assert.equal(after.today.savedUsd, 0.002);
  assert.equal(after.today.localShare, 0.5);
  assert.equal(after.today.cacheHitRate, 0.5);
  assert.deepEqual(
    after.byModel.map((g) => [g.key, g.requests]),
    [
      ['gpt-4o-mini', 1],
      ['qwen', 1],
    ],
  );
  assert.deepEqual(
    after.byClient.map((g) => g.key),
    ['cline', 'aider'],
  );
  assert.equal(after.lastHour.at(-1)!.requests, 2);
  assert.equal(after.lastWeek.at(-1)!.baselineCostUsd, 0.004);
  assert.deepEqual(
    after.recent.map((e) => e.id),
    [2, 1],
  );
  assert.equal(after.lastEventId, 2);
  assert.equal(withRequest(after, event(2), now), after, 'a replayed event is not counted twice');
});

test('yesterday’s request only joins the recent list; the list is bounded', () => {
  const old = withRequest(withSummaries(emptySnapshot(), summaries(), now), event(1, { time: now - 86_400_000 }), now);
  assert.equal(old.today.requests, 0);
  assert.equal(old.recent.length, 1);
  let s = emptySnapshot();
  for (let i = 1; i <= RECENT_LIMIT + 5; i++) s = withRequest(s, event(i), now);
  assert.equal(s.recent.length, RECENT_LIMIT);
  assert.equal(s.recent[0]!.id, RECENT_LIMIT + 5);
});

test('the ledger’s summaries replace the estimates; recent requests stay', () => {
  const estimated = withRequest(withSummaries(emptySnapshot(), summaries(), now), event(1), now);
  const ledger = withSummaries(estimated, summaries({ requests: 1, costUsd: 0, savedUsd: 0.0021 }), now);
  assert.equal(ledger.today.savedUsd, 0.0021);
  assert.equal(ledger.recent.length, 1);
});

function summaries(totals: Partial<UsageSummary['totals']> = {}) {
  const summary = (groups: UsageSummary['groups'] = []): UsageSummary => ({
    since: 0,
    until: now,
    totals: { ...emptyTotals(), ...totals },
    groups,
  });
  return { byModel: summary(), byClient: summary(), byMinute: summary(), byDay: summary(), conversations: [] };
}

test('tables over 7 or 30 days: the tables are the range’s groups while today’s counters stay today’s', () => {
  const summary = (requests: number, groups: string[]): UsageSummary => ({
    since: 0,
    until: now,
    totals: { ...emptyTotals(), requests },
    groups: groups.map((key) => ({ ...emptyTotals(), key, requests: 1 })),
  });
  const week = withSummaries(
    { ...emptySnapshot(), tableRange: '7d' },
    {
      byModel: summary(9, ['gpt-4o', 'qwen']),
      byClient: summary(9, ['aider']),
      byMinute: summary(0, []),
      byDay: summary(0, []),
      today: summary(2, []),
      conversations: [],
    },
    now,
  );
  assert.equal(week.today.requests, 2);
  assert.deepEqual(
    week.byModel.map((g) => g.key),
    ['gpt-4o', 'qwen'],
  );
  assert.equal(week.tableRange, '7d');
  assert.equal(
    withSummaries(
      emptySnapshot(),
      {
        byModel: summary(9, []),
        byClient: summary(9, []),
        byMinute: summary(0, []),
        byDay: summary(0, []),
        conversations: [],
      },
      now,
    ).today.requests,
    9,
    'for today the model summary’s totals are today’s',
  );
  assert.deepEqual(parsePanelMessage({ type: 'tableRange', range: '30d' }), { type: 'tableRange', range: '30d' });
  assert.equal(parsePanelMessage({ type: 'tableRange', range: '1y' }), undefined);
});

test('the month’s totals: read only with a monthly budget, counted forward by each live request, from the 1st', () => {
  assert.equal(withSummaries(emptySnapshot(), summaries(), now).month, undefined);
  const month: UsageSummary = {
    since: startOfMonth(now),
    until: now,
    totals: { ...emptyTotals(), requests: 40, costUsd: 3 },
  };
  const read = withSummaries(emptySnapshot(), { ...summaries(), month }, now);
  assert.equal(read.month!.costUsd, 3);
  const after = withRequest(read, event(1, { costUsd: 0.5 }), now);
  assert.equal(after.month!.costUsd, 3.5);
  assert.equal(after.month!.requests, 41);
  assert.equal(withRequest(emptySnapshot(), event(1), now).month, undefined, 'no month without its summary');
  assert.equal(startOfMonth(now), new Date(2025, 0, 1).getTime());
});
