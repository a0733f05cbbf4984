/**
 * @module The team budget: the daily and monthly limits hold for every proxy on the Redis together. A reservation is
 * one Lua script — read both totals, refuse or add the estimate — so Redis runs it atomically and N proxies under
 * load never overshoot; settling adds the difference between the real cost and the estimate.
 *
 * The totals have no TTL, so `volatile-lru` eviction never drops them (one key per day and per month). While Redis
 * does not answer, this proxy's own BudgetGuard decides, knowing only its own spend: an outage can let each proxy
 * spend up to the limit on its own, which the warning in the log says.
 */
import {
  dayOf,
  monthOf,
  type Budget,
  type BudgetGuard,
  type BudgetLimits,
  type BudgetRefusal,
  type Reservation,
} from '../router/index.ts';
import type { TeamRedis } from './connection.ts';

/** Refuses when either total would pass its limit (an empty limit is none); else adds the estimate to both. */
const RESERVE = `local day = tonumber(redis.call('GET', KEYS[1]) or '0')
local month = tonumber(redis.call('GET', KEYS[2]) or '0')
local cost = tonumber(ARGV[1])
if ARGV[2] ~= '' and day + cost > tonumber(ARGV[2]) then return {'daily', tostring(day)} end
if ARGV[3] ~= '' and month + cost > tonumber(ARGV[3]) then return {'monthly', tostring(month)} end
redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
redis.call('INCRBYFLOAT', KEYS[2], ARGV[1])
return {'ok', tostring(day + cost)}`;

export class SharedBudget implements Budget {
  constructor(
    private readonly limits: BudgetLimits,
    private readonly local: BudgetGuard,
    private readonly redis: TeamRedis,
    /** `prefix + "budget:"` */
    private readonly prefix: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async reserve(estimateUsd: number): Promise<Reservation | BudgetRefusal> {
    const date = this.now();
    const keys = [`${this.prefix}day:${dayOf(date)}`, `${this.prefix}month:${monthOf(date)}`];
    const limit = (usd: number | undefined) => (usd === undefined ? '' : String(usd));
    const reply = await this.redis.run((client) =>
      client.eval(RESERVE, {
        keys,
        arguments: [String(estimateUsd), limit(this.limits.dailyUsd), limit(this.limits.monthlyUsd)],
      }),
    );
    // This proxy's own guard keeps counting its own spend, so it can take over during an outage.
    const local = this.local.reserve(estimateUsd);
    if (!Array.isArray(reply)) return local;
    const [verdict, spent] = reply as [string, string];
    const ownShare = 'settle' in local ? local : undefined;
    if (verdict !== 'ok') {
      ownShare?.settle(0);
      const refused = verdict as BudgetRefusal['limit'];
      return {
        limit: refused,
        limitUsd: (refused === 'daily' ? this.limits.dailyUsd : this.limits.monthlyUsd)!,
        spentUsd: Number(spent),
      };
    }
    let settled = false;
    return {
      settle: (actualUsd) => {
        if (settled) return;
        settled = true;
        ownShare?.settle(actualUsd);
        const delta = (actualUsd ?? estimateUsd) - estimateUsd;
        if (delta !== 0)
          void this.redis.run((client) =>
            client.multi().incrByFloat(keys[0]!, delta).incrByFloat(keys[1]!, delta).exec(),
          );
      },
    };
  }
}
