/**
 * @module The usage ledger: every finished request in SQLite (WebAssembly build, so it loads unchanged in plain Node
 * and in VS Code's extension host). Records are queued and committed in one transaction per `flush()` (the recorder
 * calls it every flush interval), off the request path; SQLite's journal keeps the file whole across a crash.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Database as SqliteDatabase } from 'node-sqlite3-wasm';
import { migrations } from './migrations.ts';
import type { UsageRecord } from './record.ts';

// CommonJS package with a .wasm beside it: loaded through require so its own __dirname finds the binary.
const { Database } = createRequire(import.meta.url)('node-sqlite3-wasm') as typeof import('node-sqlite3-wasm');

const columns = [
  'id', 'time', 'client', 'api', 'model_asked', 'model_used', 'provider', 'route', 'reason', 'cache', 'stream', 'status', 'error',
  'input_tokens', 'output_tokens', 'cached_tokens', 'cache_write_tokens', 'reasoning_tokens', 'tokens_estimated', 'original_input_tokens',
  'cost_usd', 'baseline_model', 'baseline_cost_usd', 'saved_cache', 'saved_coalescing', 'saved_routing', 'saved_trimming', 'saved_prompt_cache',
  'latency_ms', 'first_chunk_ms', 'overhead_ms',
] as const;

function toRow(r: UsageRecord): (string | number | null)[] {
  return [
    r.id, r.time, r.client, r.api, r.modelAsked, r.modelUsed, r.provider, r.route, r.reason, r.cache, r.stream ? 1 : 0, r.status, r.error ?? null,
    r.usage.inputTokens, r.usage.outputTokens, r.usage.cachedInputTokens ?? 0, r.usage.cacheWriteTokens ?? 0, r.usage.reasoningTokens ?? 0, r.tokensEstimated ? 1 : 0, r.originalInputTokens,
    r.costUsd, r.baselineModel, r.baselineCostUsd, r.savedUsd.cache, r.savedUsd.coalescing, r.savedUsd.routing, r.savedUsd.trimming, r.savedUsd.promptCache,
    r.latencyMs, r.firstChunkMs ?? null, r.overheadMs,
  ];
}

export interface LedgerOptions {
  file: string;
  retentionDays: number;
  log?: (line: string) => void;
}

export class Ledger {
  readonly db: SqliteDatabase;
  private pending: UsageRecord[] = [];
  private nextId: number;
  private readonly pruner: NodeJS.Timeout;
  private readonly insert: string;

  constructor(private readonly options: LedgerOptions) {
    fs.mkdirSync(path.dirname(options.file), { recursive: true });
    claimLedger(options.file, options.log);
    this.db = new Database(options.file);
    // Rollback journal + full sync: a commit is on disk before the next one starts, even across kill -9.
    this.db.exec('PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL;');
    this.migrate();
    this.nextId = ((this.db.get('SELECT max(id) AS id FROM requests') as { id: number | null }).id ?? 0) + 1;
    this.insert = `INSERT INTO requests (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
    this.prune();
    this.pruner = setInterval(() => this.prune(), 86_400_000);
    this.pruner.unref();
  }

  /** The id the next record will get (ids are given out before the write, so live events can carry them). */
  allocateId(): number {
    return this.nextId++;
  }

  append(record: UsageRecord): void {
    this.pending.push(record);
  }

  /** Commits everything queued in one transaction. */
  flush(): void {
    if (!this.pending.length || !this.db.isOpen) return;
    const batch = this.pending;
    this.pending = [];
    const statement = this.db.prepare(this.insert);
    try {
      this.db.exec('BEGIN');
      for (const record of batch) statement.run(toRow(record));
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.pending.unshift(...batch);
      this.options.log?.(`ledger write failed, will retry: ${(error as Error).message}`);
    } finally {
      statement.finalize();
    }
  }

  /** Deletes records older than the retention period (run at start and daily). */
  prune(now = Date.now()): number {
    if (this.options.retentionDays <= 0) return 0;
    return this.db.run('DELETE FROM requests WHERE time < ?', [now - this.options.retentionDays * 86_400_000]).changes;
  }

  close(): void {
    clearInterval(this.pruner);
    this.flush();
    this.db.close();
    fs.rmSync(`${this.options.file}.owner`, { force: true });
  }

  private migrate(): void {
    const version = (this.db.get('PRAGMA user_version') as { user_version: number }).user_version;
    for (let v = version; v < migrations.length; v++) {
      this.db.exec('BEGIN');
      this.db.exec(migrations[v]!);
      this.db.exec(`PRAGMA user_version = ${v + 1}`);
      this.db.exec('COMMIT');
    }
  }
}

/**
 * SQLite's WebAssembly VFS locks with a `<file>.lock` directory, which a killed process leaves behind and which
 * would then block every later write. The owner file names the process that last opened the ledger: if that
 * process is gone, its lock is stale and is removed.
 */
function claimLedger(file: string, log?: (line: string) => void): void {
  const owner = `${file}.owner`;
  const previous = Number(fs.existsSync(owner) ? fs.readFileSync(owner, 'utf8') : NaN);
  if (!(previous > 0 && previous !== process.pid && isAlive(previous)) && fs.existsSync(`${file}.lock`)) {
    fs.rmSync(`${file}.lock`, { recursive: true, force: true });
    log?.(`removed the ledger lock left by a process that is gone (${file}.lock)`);
  }
  fs.writeFileSync(owner, String(process.pid));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
