/**
 * @module `tokenwise audit [--json]` and `tokenwise audit show <id>`: what the quality audit found, from the running
 * proxy when there is one, else from the data file (the local model audited most recently).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import { auditReport, formatAudit, formatAuditReport, type AuditReport } from '../audit/report.ts';
import { DEFAULT_FLOOR } from '../audit/start.ts';
import { AuditStore, type AuditRow } from '../audit/store.ts';
import { openDatabaseReadOnly } from '../storage/database.ts';
import { CliError, UsageError } from './args.ts';
import { toJson } from './output.ts';
import { askRunningProxy } from './running-proxy.ts';

export async function auditCommand(
  config: Config,
  args: { action: string | undefined; id: string | undefined; json: boolean },
): Promise<string> {
  if (args.action !== undefined && args.action !== 'show')
    throw new UsageError('usage: tokenwise audit [--json] | tokenwise audit show <id> [--json]');
  if (args.action === 'show') {
    if (!args.id || !/^\d+$/.test(args.id))
      throw new UsageError('usage: tokenwise audit show <id>  (the ids are listed by `tokenwise audit`)');
    const row =
      (await askRunningProxy<AuditRow>(config, 'GET', `/tokenwise/audit/${args.id}`)) ??
      fromFile(config, (store) => store.audit(Number(args.id)));
    if (!row) throw new CliError(`no audit #${args.id}`);
    return args.json ? toJson(row) : formatAudit(row);
  }
  const report =
    (await askRunningProxy<AuditReport>(config, 'GET', '/tokenwise/audit')) ??
    fromFile(config, (store) => latestReport(store, config.router.qualityFloor ?? DEFAULT_FLOOR));
  if (!report)
    return args.json
      ? '{"audited":0}\n'
      : 'no audits yet: the proxy audits a share of the requests the router decides (audit.share)\n';
  return args.json ? toJson(report) : formatAuditReport(report);
}

function latestReport(store: AuditStore, floor: number): AuditReport | undefined {
  const key = store.latestModelKey();
  if (!key) return undefined;
  const today = new Date();
  return auditReport(
    key,
    store.audits(key),
    store.points(key),
    new Date(today.getFullYear(), today.getMonth(), today.getDate()).getTime(),
    floor,
  );
}

function fromFile<T>(config: Config, read: (store: AuditStore) => T | undefined): T | undefined {
  const file = path.join(config.dataDir, 'tokenwise.db');
  if (!fs.existsSync(file)) return undefined;
  const db = openDatabaseReadOnly(file);
  try {
    // A data file from before the audit (or before its confidence column) is migrated by the proxy's next start.
    if (!db.get("SELECT name FROM pragma_table_info('audits') WHERE name = 'local_confidence'")) return undefined;
    return read(new AuditStore(db));
  } finally {
    db.close();
  }
}
