/**
 * @module `tokenwise cache stats|clear`: through the running proxy when there is one (it holds answers in memory
 * too), else on the data file directly. Either way the same fields, as a table or `--json`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { VerifierStats } from '../../shared/protocol.ts';
import type { Config } from '../config/schema.ts';
import { closeDatabase, openDatabase } from '../storage/database.ts';
import { table, toJson } from './output.ts';
import { askRunningProxy } from './running-proxy.ts';

/** What `cache stats` reports; what only a running proxy knows is null when none runs. */
export interface CacheStats {
  proxyRunning: boolean;
  enabled: boolean | null;
  entries: number;
  bytes: number;
  memoryEntries: number | null;
  hits: number | null;
  misses: number | null;
  semanticEntries: number | null;
  semanticVerifier: VerifierStats | null;
}

type LiveStats = {
  enabled: boolean;
  entries?: number;
  bytes?: number;
  memoryEntries?: number;
  hits?: number;
  misses?: number;
  semanticEntries?: number;
  semanticVerifier?: VerifierStats | null;
};

function fromLive(live: LiveStats): CacheStats {
  return {
    proxyRunning: true,
    enabled: live.enabled,
    entries: live.entries ?? 0,
    bytes: live.bytes ?? 0,
    memoryEntries: live.memoryEntries ?? 0,
    hits: live.hits ?? 0,
    misses: live.misses ?? 0,
    semanticEntries: live.semanticEntries ?? 0,
    semanticVerifier: live.semanticVerifier ?? null,
  };
}

function onFile<T>(config: Config, empty: T, use: (db: ReturnType<typeof openDatabase>) => T): T {
  const file = path.join(config.dataDir, 'tokenwise.db');
  if (!fs.existsSync(file)) return empty;
  const db = openDatabase(file);
  try {
    return use(db);
  } finally {
    closeDatabase(db, file);
  }
}

async function stats(config: Config): Promise<CacheStats> {
  const live = await askRunningProxy<LiveStats>(config, 'GET', '/tokenwise/cache');
  if (live) return fromLive(live);
  const stored = onFile(
    config,
    { entries: 0, bytes: 0 },
    (db) =>
      db.get(
        'SELECT count(*) AS entries, coalesce(sum(length(value)), 0) AS bytes FROM cache_entries WHERE expires > ?',
        [Date.now()],
      ) as { entries: number; bytes: number },
  );
  return {
    proxyRunning: false,
    enabled: null,
    entries: stored.entries,
    bytes: stored.bytes,
    memoryEntries: null,
    hits: null,
    misses: null,
    semanticEntries: null,
    semanticVerifier: null,
  };
}

function statsTable(s: CacheStats): string {
  const count = (n: number) => n.toLocaleString('en');
  const known = (n: number | null) => (n === null ? '– (proxy not running)' : count(n));
  const rows = [
    ['proxy', s.proxyRunning ? 'running' : 'not running: read from the data file'],
    ['enabled', s.enabled === null ? '– (proxy not running)' : String(s.enabled)],
    ['entries', count(s.entries)],
    ['stored', `${(s.bytes / 1024).toFixed(1)} KB`],
    ['in memory', known(s.memoryEntries)],
    ['hits', known(s.hits)],
    ['misses', known(s.misses)],
    ['semantic entries', known(s.semanticEntries)],
  ];
  if (s.semanticVerifier)
    rows.push([
      'verifier',
      `${s.semanticVerifier.confirmed} confirmed, ${s.semanticVerifier.rejected} rejected, ${s.semanticVerifier.failed} failed`,
    ]);
  return table(['cache', 'value'], rows);
}

/** `cache stats` or `cache clear`, as text or JSON. */
export async function cacheCommand(config: Config, action: 'stats' | 'clear', json: boolean): Promise<string> {
  if (action === 'stats') {
    const s = await stats(config);
    return json ? toJson(s) : statsTable(s);
  }
  const live = await askRunningProxy<{ cleared: number }>(config, 'DELETE', '/tokenwise/cache');
  const cleared = live ? live.cleared : onFile(config, 0, (db) => db.run('DELETE FROM cache_entries').changes);
  return json
    ? toJson({ proxyRunning: Boolean(live), cleared })
    : `cleared ${cleared} cache entr${cleared === 1 ? 'y' : 'ies'}${live ? ' (through the running proxy)' : ' (from the data file)'}\n`;
}
