/**
 * @module Team mode: with `redis.url` set, the proxy's exact cache, coalescing, budget and usage totals are shared
 * through Redis, each behind the interface the pipeline already uses and each falling back to this proxy's own state
 * whenever Redis does not answer in time. Loaded only when configured: a single proxy never loads the client.
 *
 * @example
 * const team = createTeam(config, token, { cache, inFlight, budget, usage }, log);
 * const pipeline = new Pipeline({ ...deps, cache: team.cache, inFlight: team.inFlight, budget: { ...budget, guard: team.budget } });
 */
import { createHash } from 'node:crypto';
import type { ExactCache, InFlight } from '../cache/index.ts';
import type { Config } from '../config/schema.ts';
import type { BudgetGuard, SessionBreaker } from '../router/index.ts';
import type { UsageRecorder } from '../usage/index.ts';
import { TeamRedis } from './connection.ts';
import { SharedAnswerStore } from './shared-cache.ts';
import { SharedBudget } from './shared-budget.ts';
import { SharedInFlight } from './shared-flight.ts';
import { SharedSessions } from './shared-sessions.ts';
import { TeamUsage } from './usage-totals.ts';

export interface Team {
  redis: TeamRedis;
  /** Whose answers this proxy may share and be given: `team`, or `user:<token owner>`. */
  scope: string;
  user: string;
  cache?: SharedAnswerStore;
  inFlight?: SharedInFlight;
  budget?: SharedBudget;
  sessions?: SharedSessions;
  usage: TeamUsage;
  close(): Promise<void>;
}

/** The user a proxy acts for: `tokenOwner`, else a hash of the token (two proxies share only with the same token). */
export function teamUser(config: Pick<Config, 'tokenOwner'>, token: string): string {
  return config.tokenOwner ?? `token-${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;
}

/** Connects (in the background) and wraps this proxy's own cache, in-flight calls, budget guard and session breaker. */
export function createTeam(
  config: Config,
  token: string,
  local: {
    cache?: ExactCache;
    inFlight?: InFlight;
    guard?: BudgetGuard;
    breaker?: SessionBreaker;
    usage: UsageRecorder;
  },
  log: (line: string) => void,
): Team {
  const redis = new TeamRedis(config.redis, log);
  const prefix = config.redis.keyPrefix;
  const user = teamUser(config, token);
  const scope = config.cache.scope === 'team' ? 'team' : `user:${encodeURIComponent(user)}`;
  const usage = new TeamUsage(redis, `${prefix}usage:`, user);
  const unsubscribe = local.usage.live.subscribe((event) => usage.add(event));
  const team: Team = {
    redis,
    scope,
    user,
    cache: local.cache
      ? new SharedAnswerStore(local.cache, redis, `${prefix}answer:${scope}:`, config.cache.exact.ttlSeconds)
      : undefined,
    inFlight: local.inFlight ? new SharedInFlight(local.inFlight, redis, `${prefix}flight:${scope}:`) : undefined,
    budget: local.guard
      ? new SharedBudget(
          { dailyUsd: config.budget.dailyUsd, monthlyUsd: config.budget.monthlyUsd },
          local.guard,
          redis,
          `${prefix}budget:`,
        )
      : undefined,
    sessions: local.breaker
      ? new SharedSessions(config.budget.session, local.breaker, redis, `${prefix}session:`)
      : undefined,
    usage,
    async close() {
      unsubscribe();
      await usage.flush();
      usage.close();
      await redis.close();
    },
  };
  redis.start();
  return team;
}
