/**
 * @module `tokenwise usage`: the same totals as GET /tokenwise/usage, from the running proxy when there is one (so
 * requests not yet flushed count), else straight from the ledger file.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import { openDatabaseReadOnly } from '../storage/database.ts';
import { CliError } from './args.ts';
import { askRunningProxy } from './running-proxy.ts';
import { GROUP_BYS, parseTime, summarize, type GroupBy, type UsageSummary, type UsageTotals } from '../usage/summary.ts';

function time(value: string, flag: string): number {
  try {
    return parseTime(value);
  } catch (error) {
    throw new CliError(`${flag}: ${(error as Error).message}`);
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
  if (args.groupBy && !GROUP_BYS.includes(args.groupBy as GroupBy)) throw new CliError(`--group-by: expected one of ${GROUP_BYS.join(', ')}`);
  const summary = (await fromProxy(config, since, until, args.groupBy)) ?? fromLedger(config, since, until, args.groupBy as GroupBy | undefined);
  if (args.format === 'json') return `${JSON.stringify(summary, null, 2)}\n`;
  if (args.format === 'csv') return csv(summary);
  return table(summary);
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
  const totals: UsageTotals = {
    requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, cachedTokens: 0, costUsd: 0, baselineCostUsd: 0, savedUsd: 0,
    savedByLever: { cache: 0, coalescing: 0, routing: 0, trimming: 0, promptCache: 0 }, unpricedRequests: 0, cacheHitRate: 0, localShare: 0, latencyP50Ms: 0, latencyP95Ms: 0,
  };
  return { since, until, ...(groupBy ? { groupBy, groups: [] } : {}), totals };
}

const csvColumns: (keyof UsageTotals)[] = ['requests', 'errors', 'inputTokens', 'outputTokens', 'cachedTokens', 'costUsd', 'baselineCostUsd', 'savedUsd', 'unpricedRequests', 'cacheHitRate', 'localShare', 'latencyP50Ms', 'latencyP95Ms'];

function csv(summary: UsageSummary): string {
  const rows = summary.groups ?? [{ key: 'total', ...summary.totals }];
  const quote = (value: string) => (/[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  const lines = [['key', ...csvColumns, ...Object.keys(summary.totals.savedByLever).map((l) => `saved_${l}`)].join(',')];
  for (const row of rows) lines.push([quote(row.key), ...csvColumns.map((c) => String(row[c])), ...Object.values(row.savedByLever).map(String)].join(','));
  return `${lines.join('\n')}\n`;
}

function table(summary: UsageSummary): string {
  const dollars = (n: number) => `$${n.toFixed(n < 1 ? 4 : 2)}`;
  const line = (label: string, t: UsageTotals) =>
    `${label.padEnd(22)} ${String(t.requests).padStart(7)} req  ${String(t.inputTokens).padStart(10)} in  ${String(t.outputTokens).padStart(9)} out  ${dollars(t.costUsd).padStart(10)} spent  ${dollars(t.savedUsd).padStart(10)} saved  ${(t.localShare * 100).toFixed(0).padStart(3)}% local`;
  const lines = (summary.groups ?? []).map((g) => line(g.key, g));
  lines.push(line('total', summary.totals));
  return `${lines.join('\n')}\n`;
}
