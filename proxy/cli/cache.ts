/**
 * @module `tokenwise cache stats|clear`: through the running proxy when there is one (it holds answers in memory
 * too), else on the data file directly.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import { closeDatabase, openDatabase } from '../storage/database.ts';
import { askRunningProxy } from './running-proxy.ts';
import { CliError } from './args.ts';

export async function cacheCommand(config: Config, action: string | undefined): Promise<string> {
  if (action !== 'stats' && action !== 'clear') throw new CliError('usage: tokenwise cache stats|clear');
  const live = await askRunningProxy<Record<string, unknown>>(config, action === 'clear' ? 'DELETE' : 'GET', '/tokenwise/cache');
  if (live) return `${JSON.stringify(live, null, 2)}\n`;
  const file = path.join(config.dataDir, 'tokenwise.db');
  if (!fs.existsSync(file)) return `${JSON.stringify(action === 'clear' ? { cleared: 0 } : { entries: 0, bytes: 0 }, null, 2)}\n`;
  const db = openDatabase(file);
  try {
    if (action === 'clear') return `${JSON.stringify({ cleared: db.run('DELETE FROM cache_entries').changes }, null, 2)}\n`;
    const row = db.get('SELECT count(*) AS entries, coalesce(sum(length(value)), 0) AS bytes FROM cache_entries WHERE expires > ?', [Date.now()]);
    return `${JSON.stringify(row, null, 2)}\n`;
  } finally {
    closeDatabase(db, file);
  }
}
