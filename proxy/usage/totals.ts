/**
 * @module Aggregates the ledger for /tokenwise/usage and `tokenwise usage`: totals (requests, tokens, dollars,
 * baseline, saved by lever, cache hit rate, local share, latency percentiles), overall and per group.
 */
import type { Database } from 'node-sqlite3-wasm';
import { GROUP_BYS, LEVERS, type GroupBy, type UsageSummary, type UsageTotals } from '../../shared/protocol.ts';

export { GROUP_BYS, type GroupBy, type UsageSummary, type UsageTotals };

const groupKey: Record<GroupBy, string> = {
  day: "strftime('%Y-%m-%d', time / 1000, 'unixepoch', 'localtime')",
  hour: "strftime('%Y-%m-%dT%H:00', time / 1000, 'unixepoch', 'localtime')",
  minute: "strftime('%Y-%m-%dT%H:%M', time / 1000, 'unixepoch', 'localtime')",
  model: 'model_used',
  route: 'route',
  client: 'client',
  provider: 'provider',
};

const aggregates = `count(*) AS requests,
  sum(status >= 400) AS errors,
  sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(cached_tokens) AS cached_tokens,
  sum(coalesce(cost_usd, 0)) AS cost_usd, sum(coalesce(baseline_cost_usd, 0)) AS baseline_cost_usd,
  sum(saved_cache) AS saved_cache, sum(saved_coalescing) AS saved_coalescing, sum(saved_routing) AS saved_routing,
  sum(saved_trimming) AS saved_trimming, sum(saved_prompt_cache) AS saved_prompt_cache,
  sum(cost_usd IS NULL) AS unpriced, sum(cache != 'miss') AS cache_hits, sum(route = 'local') AS local_requests`;

type Row = Record<string, number | string | null>;

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function totalsFrom(row: Row, latencies: number[]): UsageTotals {
  const n = (key: string) => Number(row[key] ?? 0);
  const requests = n('requests');
  const savedByLever = {
    cache: n('saved_cache'),
    coalescing: n('saved_coalescing'),
    routing: n('saved_routing'),
    trimming: n('saved_trimming'),
    promptCache: n('saved_prompt_cache'),
  };
  latencies.sort((a, b) => a - b);
  return {
    requests,
    errors: n('errors'),
    inputTokens: n('input_tokens'),
    outputTokens: n('output_tokens'),
    cachedTokens: n('cached_tokens'),
    costUsd: n('cost_usd'),
    baselineCostUsd: n('baseline_cost_usd'),
    savedUsd: LEVERS.reduce((sum, lever) => sum + savedByLever[lever], 0),
    savedByLever,
    unpricedRequests: n('unpriced'),
    cacheHitRate: requests ? n('cache_hits') / requests : 0,
    localShare: requests ? n('local_requests') / requests : 0,
    latencyP50Ms: percentile(latencies, 50),
    latencyP95Ms: percentile(latencies, 95),
  };
}

/** Totals for [since, until), optionally grouped. */
export function summarize(db: Database, since: number, until: number, groupBy?: GroupBy): UsageSummary {
  const range = [since, until];
  const where = 'WHERE time >= ? AND time < ?';
  const latencyRows = db.all(
    `SELECT ${groupBy ? groupKey[groupBy] : "''"} AS key, latency_ms FROM requests ${where}`,
    range,
  ) as { key: string; latency_ms: number }[];
  const latencies = new Map<string, number[]>();
  for (const { key, latency_ms } of latencyRows)
    (latencies.get(key) ?? latencies.set(key, []).get(key)!).push(latency_ms);
  const totals = totalsFrom(
    db.get(`SELECT ${aggregates} FROM requests ${where}`, range) as Row,
    latencyRows.map((r) => r.latency_ms),
  );
  if (!groupBy) return { since, until, totals };
  const rows = db.all(
    `SELECT ${groupKey[groupBy]} AS key, ${aggregates} FROM requests ${where} GROUP BY key ORDER BY key`,
    range,
  ) as Row[];
  return {
    since,
    until,
    groupBy,
    totals,
    groups: rows.map((row) => ({ key: String(row.key), ...totalsFrom(row, latencies.get(String(row.key)) ?? []) })),
  };
}

/** `7d`, `24h`, `30m`, an ISO date or epoch ms → epoch ms. */
export function parseTime(value: string, now = Date.now()): number {
  const relative = value.match(/^(\d+(?:\.\d+)?)([smhdw])$/);
  if (relative)
    return now - Number(relative[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 }[relative[2] as 's']!;
  if (/^\d{10,}$/.test(value)) return Number(value);
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed))
    throw new Error(`cannot read "${value}" as a time (use 7d, 24h, 30m, an ISO date or epoch ms)`);
  return parsed;
}
