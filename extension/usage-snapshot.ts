/**
 * @module The panel's data as pure functions: the proxy's summaries turned into a `PanelSnapshot` (charts filled
 * with zero bars for quiet minutes and days), and a finished request applied to it at once, so counters move the
 * moment its event arrives; the next summary then replaces the estimate with the ledger's numbers.
 */
import {
  emptyTotals,
  type ConversationTotals,
  type PanelSnapshot,
  type ProxyState,
  type RequestEvent,
  type SpendPoint,
  type UsageGroup,
  type UsageSummary,
  type UsageTotals,
} from '../shared/protocol.ts';

/** How many recent requests the panel lists. */
export const RECENT_LIMIT = 50;

export function emptySnapshot(proxy: ProxyState = { kind: 'stopped' }): PanelSnapshot {
  return {
    proxy,
    today: emptyTotals(),
    byModel: [],
    byClient: [],
    conversations: [],
    lastHour: [],
    lastWeek: [],
    tableRange: 'today',
    recent: [],
    lastEventId: 0,
  };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The ledger's day key for a time, in local time: `2025-01-31`. */
export function dayKey(time: number): string {
  const d = new Date(time);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The ledger's minute key for a time, in local time: `2025-01-31T14:05`. */
export function minuteKey(time: number): string {
  const d = new Date(time);
  return `${dayKey(time)}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function startOfDay(time: number, daysBack = 0): number {
  const d = new Date(time);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() - daysBack).getTime();
}

/** Start of the oldest minute in the last-hour chart. */
export function hourWindowStart(now: number): number {
  return Math.floor(now / 60_000) * 60_000 - 59 * 60_000;
}

/** The summaries a snapshot is built from. */
export interface Summaries {
  /** Since the table range's first day, grouped by model (for `today`, its totals are today's). */
  byModel: UsageSummary;
  /** Since the table range's first day, grouped by client. */
  byClient: UsageSummary;
  /** Today's totals, when the tables cover more than today. */
  today?: UsageSummary;
  /** Since `hourWindowStart`, grouped by minute. */
  byMinute: UsageSummary;
  /** The last 7 days, grouped by day. */
  byDay: UsageSummary;
  /** The costliest conversations since the table range's first day. */
  conversations: ConversationTotals[];
  /** This month's totals, when the proxy has a monthly budget. */
  month?: UsageSummary;
}

/** One point per key, oldest first; keys the ledger has no requests for are zero. */
export function series(keys: string[], groups: UsageGroup[] = []): SpendPoint[] {
  const byKey = new Map(groups.map((g) => [g.key, g]));
  return keys.map((key) => {
    const g = byKey.get(key);
    return { key, costUsd: g?.costUsd ?? 0, baselineCostUsd: g?.baselineCostUsd ?? 0, requests: g?.requests ?? 0 };
  });
}

export function lastHourKeys(now: number): string[] {
  const start = hourWindowStart(now);
  return Array.from({ length: 60 }, (_, i) => minuteKey(start + i * 60_000));
}

export function lastWeekKeys(now: number): string[] {
  return Array.from({ length: 7 }, (_, i) => dayKey(startOfDay(now, 6 - i)));
}

const byCostThenRequests = (a: UsageGroup, b: UsageGroup) =>
  b.costUsd - a.costUsd || b.requests - a.requests || a.key.localeCompare(b.key);

/** The snapshot with the ledger's numbers; recent requests are kept. */
export function withSummaries(snapshot: PanelSnapshot, s: Summaries, now: number): PanelSnapshot {
  return {
    ...snapshot,
    today: (s.today ?? s.byModel).totals,
    byModel: [...(s.byModel.groups ?? [])].sort(byCostThenRequests),
    byClient: [...(s.byClient.groups ?? [])].sort(byCostThenRequests),
    lastHour: series(lastHourKeys(now), s.byMinute.groups),
    lastWeek: series(lastWeekKeys(now), s.byDay.groups),
    conversations: s.conversations,
    month: s.month?.totals,
  };
}

/** Midnight on the first of the month, local time (when the budget's monthly limit starts over). */
export function startOfMonth(time: number): number {
  const d = new Date(time);
  return new Date(d.getFullYear(), d.getMonth(), 1).getTime();
}

/** The snapshot with one more finished request counted (an estimate until the next summary). */
export function withRequest(snapshot: PanelSnapshot, event: RequestEvent, now: number): PanelSnapshot {
  if (snapshot.recent.some((r) => r.id === event.id)) return snapshot;
  const recent = [event, ...snapshot.recent].sort((a, b) => b.id - a.id).slice(0, RECENT_LIMIT);
  const lastEventId = Math.max(snapshot.lastEventId, event.id);
  if (event.time < startOfDay(now)) return { ...snapshot, recent, lastEventId };
  const addTo = (points: SpendPoint[], key: string) =>
    points.map((p) =>
      p.key === key
        ? {
            ...p,
            costUsd: p.costUsd + (event.costUsd ?? 0),
            baselineCostUsd: p.baselineCostUsd + (event.baselineCostUsd ?? 0),
            requests: p.requests + 1,
          }
        : p,
    );
  const addToGroup = (groups: UsageGroup[], key: string) => {
    const existing = groups.find((g) => g.key === key);
    const updated = { ...counted(existing ?? { ...emptyTotals(), key }, event), key };
    return [...groups.filter((g) => g !== existing), updated].sort(byCostThenRequests);
  };
  return {
    ...snapshot,
    recent,
    lastEventId,
    today: counted(snapshot.today, event),
    ...(snapshot.month ? { month: counted(snapshot.month, event) } : {}),
    byModel: addToGroup(snapshot.byModel, event.modelUsed),
    byClient: addToGroup(snapshot.byClient, event.client),
    lastHour: addTo(snapshot.lastHour, minuteKey(event.time)),
    lastWeek: addTo(snapshot.lastWeek, dayKey(event.time)),
  };
}

/** Totals plus one request; rates are re-weighted, percentiles wait for the ledger. */
function counted(t: UsageTotals, e: RequestEvent): UsageTotals {
  const n = t.requests + 1;
  const share = (rate: number, hit: boolean) => (rate * t.requests + (hit ? 1 : 0)) / n;
  return {
    ...t,
    requests: n,
    errors: t.errors + (e.status >= 400 ? 1 : 0),
    inputTokens: t.inputTokens + e.inputTokens,
    outputTokens: t.outputTokens + e.outputTokens,
    cachedTokens: t.cachedTokens + e.cachedTokens,
    costUsd: t.costUsd + (e.costUsd ?? 0),
    baselineCostUsd: t.baselineCostUsd + (e.baselineCostUsd ?? 0),
    savedUsd: t.savedUsd + e.savedUsd,
    unpricedRequests: t.unpricedRequests + (e.costUsd === null ? 1 : 0),
    cacheHitRate: share(t.cacheHitRate, e.cache !== 'miss'),
    localShare: share(t.localShare, e.route === 'local'),
  };
}
