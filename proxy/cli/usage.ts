/**
 * @module `tokenwise usage`: the same totals as GET /tokenwise/usage, from the running proxy when there is one (so
 * requests not yet flushed count), else straight from the ledger file.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import { openDatabaseReadOnly } from '../storage/database.ts';
import { usd } from '../../shared/format.ts';
import { emptyTotals } from '../../shared/protocol.ts';
import { UsageError } from './args.ts';
import { round9, table, toJson } from './output.ts';
import { askRunningProxy } from './running-proxy.ts';
import { GROUP_BYS, parseTime, summarize, type GroupBy, type UsageSummary, type UsageTotals } from '../usage/index.ts';

function time(value: string, flag: string): number {
  try {
    return parseTime(value);
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
}

export interface UsageArgs {
  since?: string;
  until?: string;
  groupBy?: string;
  format: 'table' | 'json' | 'csv';
}

export async function usageCommand(config: Config, args: UsageArgs): Promise<string> {
  const since = args.since ? time(args.since, '--since') : 0;
  const until = args.until ? time(args.until, '--until') : Date.now() + 1;
  if (args.groupBy && !GROUP_BYS.includes(args.groupBy as GroupBy))
    throw new UsageError(`--group-by: expected one of ${GROUP_BYS.join(', ')}`);
  const summary =
    (await fromProxy(config, since, until, args.groupBy)) ??
    fromLedger(config, since, until, args.groupBy as GroupBy | undefined);
  if (args.format === 'json') return toJson(summary);
  if (args.format === 'csv') return csv(summary);
  return usageTable(summary);
}

function fromProxy(config: Config, since: number, until: number, groupBy?: string): Promise<UsageSummary | undefined> {
  const query = new URLSearchParams({ since: String(since), until: String(until), ...(groupBy ? { groupBy } : {}) });
  return askRunningProxy<UsageSummary>(config, 'GET', `/tokenwise/usage?${query}`);
}

function fromLedger(config: Config, since: number, until: number, groupBy?: GroupBy): UsageSummary {
  const file = path.join(config.dataDir, 'tokenwise.db');
  if (!fs.existsSync(file)) return summarizeEmpty(since, until, groupBy);
  const db = openDatabaseReadOnly(file);
  try {
    return summarize(db, since, until, groupBy);
  } finally {
    db.close();
  }
}

function summarizeEmpty(since: number, until: number, groupBy?: GroupBy): UsageSummary {
  const totals = emptyTotals();
  return { since, until, ...(groupBy ? { groupBy, groups: [] } : {}), totals };
}

const csvColumns: (keyof UsageTotals)[] = [
  'requests',
  'errors',
  'inputTokens',
  'outputTokens',
  'cachedTokens',
  'costUsd',
  'baselineCostUsd',
  'savedUsd',
  'unpricedRequests',
  'cacheHitRate',
  'localShare',
  'latencyP50Ms',
  'latencyP95Ms',
];

function csv(summary: UsageSummary): string {
  const rows = summary.groups ?? [{ key: 'total', ...summary.totals }];
  const quote = (value: string) => (/[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  const lines = [
    ['key', ...csvColumns, ...Object.keys(summary.totals.savedByLever).map((l) => `saved_${l}`)].join(','),
  ];
  for (const row of rows)
    lines.push(
      [
        quote(row.key),
        ...csvColumns.map((c) => String(round9(row[c] as number))),
        ...Object.values(row.savedByLever).map((v) => String(round9(v))),
      ].join(','),
    );
  return `${lines.join('\n')}\n`;
}

function usageTable(summary: UsageSummary): string {
  const count = (n: number) => n.toLocaleString('en');
  const row = (label: string, t: UsageTotals) => [
    label,
    count(t.requests),
    count(t.inputTokens),
    count(t.outputTokens),
    usd(t.costUsd),
    usd(t.savedUsd),
    `${(t.localShare * 100).toFixed(0)}%`,
  ];
  const rows = (summary.groups ?? []).map((g) => row(g.key, g));
  rows.push(row('total', summary.totals));
  return table(
    [summary.groupBy ?? 'usage', 'requests', 'input tokens', 'output tokens', 'spent', 'saved', 'local'],
    rows,
    { right: [1, 2, 3, 4, 5, 6], bold: [rows.length - 1] },
  );
}
