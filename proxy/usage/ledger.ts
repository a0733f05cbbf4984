/**
 * @module The usage ledger: every finished request in the data file's `requests` table. Records are queued and
 * committed in one transaction per `flush()` (the recorder calls it every flush interval), off the request path;
 * SQLite's journal keeps the file whole across a crash.
 */
import type { Database } from '../storage/database.ts';
import type { UsageRecord } from './record.ts';

const columns = [
  'id',
  'time',
  'client',
  'api',
  'model_asked',
  'model_used',
  'provider',
  'route',
  'reason',
  'cache',
  'stream',
  'status',
  'error',
  'input_tokens',
  'output_tokens',
  'cached_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'tokens_estimated',
  'original_input_tokens',
  'cost_usd',
  'baseline_model',
  'baseline_cost_usd',
  'saved_cache',
  'saved_coalescing',
  'saved_routing',
  'saved_trimming',
  'saved_prompt_cache',
  'latency_ms',
  'first_chunk_ms',
  'overhead_ms',
  'trim',
  'conversation',
] as const;

function toRow(r: UsageRecord): (string | number | null)[] {
  return [
    r.id,
    r.time,
    r.client,
    r.api,
    r.modelAsked,
    r.modelUsed,
    r.provider,
    r.route,
    r.reason,
    r.cache,
    r.stream ? 1 : 0,
    r.status,
    r.error ?? null,
    r.usage.inputTokens,
    r.usage.outputTokens,
    r.usage.cachedInputTokens ?? 0,
    r.usage.cacheWriteTokens ?? 0,
    r.usage.reasoningTokens ?? 0,
    r.tokensEstimated ? 1 : 0,
    r.originalInputTokens,
    r.costUsd,
    r.baselineModel,
    r.baselineCostUsd,
    r.savedUsd.cache,
    r.savedUsd.coalescing,
    r.savedUsd.routing,
    r.savedUsd.trimming,
    r.savedUsd.promptCache,
    r.latencyMs,
    r.firstChunkMs ?? null,
    r.overheadMs,
    r.trim ? JSON.stringify(r.trim) : null,
    r.conversation ?? null,
  ];
}

export interface LedgerOptions {
  retentionDays: number;
  log?: (line: string) => void;
}

export class Ledger {
  private pending: UsageRecord[] = [];
  private nextId: number;
  private readonly pruner: NodeJS.Timeout;
  private readonly insert: string;

  constructor(
    readonly db: Database,
    private readonly options: LedgerOptions,
  ) {
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

  /** Commits what is queued and stops pruning (the database itself is closed by its owner). */
  close(): void {
    clearInterval(this.pruner);
    this.flush();
  }
}
