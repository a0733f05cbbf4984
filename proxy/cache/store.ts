/**
 * @module The exact cache: an in-memory LRU bounded by bytes, backed by the data file's `cache_entries` table so
 * answers survive restarts. Reads fall through to SQLite on a memory miss; writes are queued and committed in
 * batches, off the request path.
 */
import { LRUCache } from 'lru-cache';
import type { Database } from '../storage/database.ts';
import type { CachedAnswer } from './answer.ts';

/** Where a cached answer sits in the semantic index. */
export interface SemanticKey {
  contextKey: string;
  question: string;
}

/**
 * What the pipeline reads and writes answers through: this proxy's own ExactCache, or in team mode the shared store
 * in front of it (whose reads may wait on Redis, hence the promise).
 */
export interface AnswerStore {
  get(key: string): CachedAnswer | undefined | Promise<CachedAnswer | undefined>;
  set(key: string, answer: CachedAnswer, semantic?: SemanticKey): void;
}

export interface ExactCacheOptions {
  maxBytes: number;
  ttlSeconds: number;
  flushIntervalMs: number;
}

export class ExactCache implements AnswerStore {
  private readonly memory: LRUCache<string, CachedAnswer>;
  private pendingWrites = new Map<string, { answer: CachedAnswer; semantic?: SemanticKey }>();
  private readonly timer: NodeJS.Timeout;
  hits = 0;
  misses = 0;

  constructor(
    private readonly db: Database,
    private readonly options: ExactCacheOptions,
  ) {
    this.memory = new LRUCache<string, CachedAnswer>({
      maxSize: options.maxBytes,
      sizeCalculation: (answer) => Math.max(1, sizeOf(answer)),
      ttl: options.ttlSeconds * 1000,
    });
    this.timer = setInterval(() => this.flush(), options.flushIntervalMs);
    this.timer.unref();
    db.run('DELETE FROM cache_entries WHERE expires <= ?', [Date.now()]);
  }

  get(key: string): CachedAnswer | undefined {
    const answer = this.memory.get(key) ?? this.pendingWrites.get(key)?.answer ?? this.fromDisk(key);
    if (answer) this.hits++;
    else this.misses++;
    return answer;
  }

  /** Stores an answer; `semantic` also files it under its question, so the semantic index can be rebuilt. */
  set(key: string, answer: CachedAnswer, semantic?: SemanticKey): void {
    this.memory.set(key, answer);
    this.pendingWrites.set(key, { answer, semantic });
  }

  /** The questions of live entries, for rebuilding the semantic index at start. */
  semanticEntries(): (SemanticKey & { key: string })[] {
    this.flush();
    return this.db.all(
      'SELECT key, semantic_context AS contextKey, question FROM cache_entries WHERE semantic_context IS NOT NULL AND expires > ? ORDER BY created',
      [Date.now()],
    ) as unknown as (SemanticKey & { key: string })[];
  }

  /** Commits queued writes in one transaction. */
  flush(): void {
    if (!this.pendingWrites.size || !this.db.isOpen) return;
    const writes = this.pendingWrites;
    this.pendingWrites = new Map();
    const statement = this.db.prepare(
      'INSERT OR REPLACE INTO cache_entries (key, created, expires, value, semantic_context, question) VALUES (?, ?, ?, ?, ?, ?)',
    );
    try {
      this.db.exec('BEGIN');
      for (const [key, { answer, semantic }] of writes)
        statement.run([
          key,
          answer.created,
          answer.created + this.options.ttlSeconds * 1000,
          JSON.stringify(answer),
          semantic?.contextKey ?? null,
          semantic?.question ?? null,
        ]);
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      for (const [key, write] of writes) if (!this.pendingWrites.has(key)) this.pendingWrites.set(key, write);
      throw error;
    } finally {
      statement.finalize();
    }
  }

  clear(): number {
    const count = this.stats().entries;
    this.memory.clear();
    this.pendingWrites.clear();
    this.db.run('DELETE FROM cache_entries');
    this.hits = 0;
    this.misses = 0;
    return count;
  }

  stats() {
    this.flush();
    const row = this.db.get(
      'SELECT count(*) AS entries, coalesce(sum(length(value)), 0) AS bytes FROM cache_entries WHERE expires > ?',
      [Date.now()],
    ) as { entries: number; bytes: number };
    return {
      entries: row.entries,
      bytes: row.bytes,
      memoryEntries: this.memory.size,
      memoryBytes: this.memory.calculatedSize,
      hits: this.hits,
      misses: this.misses,
    };
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }

  private fromDisk(key: string): CachedAnswer | undefined {
    const row = this.db.get('SELECT value, expires FROM cache_entries WHERE key = ? AND expires > ?', [
      key,
      Date.now(),
    ]) as { value: string; expires: number } | null;
    if (!row) return undefined;
    const answer = JSON.parse(row.value) as CachedAnswer;
    this.memory.set(key, answer, { ttl: row.expires - Date.now() });
    return answer;
  }
}

function sizeOf(answer: CachedAnswer): number {
  let bytes = 200;
  for (const chunk of answer.chunks) bytes += chunk.type === 'text' ? chunk.text.length * 2 + 40 : 120;
  return bytes;
}
