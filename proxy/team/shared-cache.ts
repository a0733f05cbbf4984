/**
 * @module The team's exact cache: answers live in Redis (one string per answer, JSON, with the cache's TTL) in front
 * of this proxy's own ExactCache. Reads try the local cache first, then Redis; an answer found in Redis is copied
 * locally, so the next hit costs no round trip and survives an outage. Writes go to both. Keys carry the scope:
 * per user unless `cache.scope` is `team`, so a user never gets another user's answer.
 *
 * The byte budget is Redis' own: the operator sets `maxmemory` with `maxmemory-policy volatile-lru`, and every
 * answer carries a TTL, so Redis evicts least-recently-used answers and never the budget or usage counters (no TTL).
 * Eviction done by us would need a shared size counter kept in step by every proxy: racy, and Redis already does it.
 */
import type { AnswerStore, CachedAnswer, ExactCache, SemanticKey } from '../cache/index.ts';
import type { TeamRedis } from './connection.ts';

export class SharedAnswerStore implements AnswerStore {
  /** Answers found in Redis (not in this proxy's own cache). */
  sharedHits = 0;

  constructor(
    private readonly local: ExactCache,
    private readonly redis: TeamRedis,
    /** `prefix + "answer:" + scope + ":"`: see `teamKeys`. */
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  get(key: string): CachedAnswer | undefined | Promise<CachedAnswer | undefined> {
    return this.local.get(key) ?? this.fromRedis(key);
  }

  set(key: string, answer: CachedAnswer, semantic?: SemanticKey): void {
    this.local.set(key, answer, semantic);
    const ttlMs = answer.created + this.ttlSeconds * 1000 - Date.now();
    if (ttlMs > 0)
      void this.redis.run((client) =>
        client.set(this.prefix + key, JSON.stringify(answer), { expiration: { type: 'PX', value: ttlMs } }),
      );
  }

  private async fromRedis(key: string): Promise<CachedAnswer | undefined> {
    const text = await this.redis.run((client) => client.get(this.prefix + key));
    if (typeof text !== 'string') return undefined;
    const answer = JSON.parse(text) as CachedAnswer;
    this.sharedHits++;
    this.local.set(key, answer);
    return answer;
  }
}
