/**
 * @module Team usage totals: every proxy adds its finished requests to counters in Redis, per user and per UTC day,
 * so `GET /tokenwise/usage?scope=team` on any proxy shows the whole team. The counters are a summary: each proxy's
 * SQLite ledger stays the source of truth for its own requests. Counts are gathered from the live feed (after
 * pricing) and sent once a second in one transaction; while Redis is down they wait in memory (a few numbers per
 * user) and go out when it is back.
 */
import type { RequestEvent } from '../usage/index.ts';
import type { TeamRedis } from './connection.ts';

const METRICS = [
  'requests',
  'errors',
  'cacheHits',
  'cloudRequests',
  'inputTokens',
  'outputTokens',
  'costUsd',
  'savedUsd',
] as const;
type Metric = (typeof METRICS)[number];
export type TeamTotals = Record<Metric, number>;

/** Days a `since` may reach back (one hash read per day). */
const MAX_DAYS = 400;
const DAY_MS = 86_400_000;

const utcDay = (time: number) => new Date(time).toISOString().slice(0, 10);

export class TeamUsage {
  /** hash key → `user\tmetric` → amount, not yet in Redis. */
  private pending = new Map<string, Map<string, number>>();
  private readonly timer: NodeJS.Timeout;
  private sending = false;

  constructor(
    private readonly redis: TeamRedis,
    /** `prefix + "usage:"` */
    private readonly prefix: string,
    private readonly user: string,
    flushIntervalMs = 1_000,
  ) {
    this.timer = setInterval(() => void this.flush(), flushIntervalMs);
    this.timer.unref();
  }

  /** Counts one finished request (a live-feed listener). */
  add(event: RequestEvent): void {
    const amounts: [Metric, number][] = [
      ['requests', 1],
      ['errors', event.status >= 400 ? 1 : 0],
      ['cacheHits', event.cache !== 'miss' && event.status < 400 ? 1 : 0],
      ['cloudRequests', event.route === 'cloud' && event.cache === 'miss' ? 1 : 0],
      ['inputTokens', event.inputTokens],
      ['outputTokens', event.outputTokens],
      ['costUsd', event.costUsd ?? 0],
      ['savedUsd', event.savedUsd],
    ];
    for (const hash of [`${this.prefix}total`, `${this.prefix}day:${utcDay(event.time)}`]) {
      const counters = this.pending.get(hash) ?? new Map<string, number>();
      this.pending.set(hash, counters);
      for (const [metric, amount] of amounts)
        if (amount) counters.set(`${this.user}\t${metric}`, (counters.get(`${this.user}\t${metric}`) ?? 0) + amount);
    }
  }

  /** Sends what was counted; kept for the next try when Redis does not take it. */
  async flush(): Promise<void> {
    if (this.sending || !this.pending.size) return;
    this.sending = true;
    const batch = this.pending;
    this.pending = new Map();
    const sent = await this.redis.run((client) => {
      const multi = client.multi();
      for (const [hash, counters] of batch)
        for (const [field, amount] of counters) multi.hIncrByFloat(hash, field, amount);
      return multi.exec();
    });
    this.sending = false;
    if (sent !== undefined) return;
    for (const [hash, counters] of batch) {
      const into = this.pending.get(hash) ?? new Map<string, number>();
      this.pending.set(hash, into);
      for (const [field, amount] of counters) into.set(field, (into.get(field) ?? 0) + amount);
    }
  }

  /**
   * The team's totals and each user's, over whole UTC days from `since` to `until` (all time when `since` is unset).
   * @returns undefined when Redis does not answer
   */
  async totals(
    since?: number,
    until = Date.now(),
  ): Promise<{ totals: TeamTotals; users: Record<string, TeamTotals> } | undefined> {
    await this.flush();
    const hashes =
      since === undefined ? [`${this.prefix}total`] : days(since, until).map((day) => `${this.prefix}day:${day}`);
    const replies = await this.redis.run((client) => {
      const multi = client.multi();
      for (const hash of hashes) multi.hGetAll(hash);
      return multi.exec();
    });
    if (!replies) return undefined;
    const totals = zero();
    const users: Record<string, TeamTotals> = {};
    for (const reply of replies as unknown as Record<string, string>[]) {
      for (const [field, value] of Object.entries(reply ?? {})) {
        const [user, metric] = field.split('\t') as [string, Metric];
        if (!METRICS.includes(metric)) continue;
        const amount = Number(value);
        (users[user] ??= zero())[metric] += amount;
        totals[metric] += amount;
      }
    }
    return { totals, users };
  }

  close(): void {
    clearInterval(this.timer);
  }
}

function zero(): TeamTotals {
  return Object.fromEntries(METRICS.map((metric) => [metric, 0])) as TeamTotals;
}

function days(since: number, until: number): string[] {
  const first = Math.max(since, until - MAX_DAYS * DAY_MS);
  const out: string[] = [];
  for (let time = Date.parse(utcDay(first)); time <= until; time += DAY_MS) out.push(utcDay(time));
  return out;
}
