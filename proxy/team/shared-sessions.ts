/**
 * @module The session breaker across proxies: one agent conversation's requests and spend are counted in Redis, so a
 * session spread over several proxies (a load balancer in front of a shared dev box) meets the same limits as on
 * one. Admission is one Lua script — drop arrivals older than the window, check spend and count, add this arrival —
 * run atomically by Redis. The tool-loop check needs only the request and stays local. While Redis does not answer,
 * this proxy's own SessionBreaker decides.
 */
import { createHash } from 'node:crypto';
import type { ChatRequest } from '../chat.ts';
import {
  overRequests,
  overSpent,
  sessionId,
  type SessionBreaker,
  type SessionGate,
  type SessionLimits,
  type SessionSpend,
} from '../router/index.ts';
import type { TeamRedis } from './connection.ts';

/** A session's counters outlive its window by this much, then Redis drops them (its spend with them). */
const IDLE_MS = 86_400_000;

const ADMIT = `redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local spent = tonumber(redis.call('GET', KEYS[2]) or '0')
if spent >= tonumber(ARGV[4]) then return {'usd', tostring(spent)} end
local count = redis.call('ZCARD', KEYS[1])
if count >= tonumber(ARGV[3]) then return {'requests', tostring(count), redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]} end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {'ok'}`;

export class SharedSessions implements SessionGate {
  private arrivals = 0;

  constructor(
    private readonly limits: SessionLimits,
    private readonly local: SessionBreaker,
    private readonly redis: TeamRedis,
    /** `prefix + "session:"` */
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  checkLoop(request: ChatRequest): void {
    this.local.checkLoop(request);
  }

  async admit(request: ChatRequest, client: string): Promise<SessionSpend> {
    this.checkLoop(request);
    const id = createHash('sha256')
      .update(`${client}\n${sessionId(request)}`)
      .digest('base64url');
    const keys = [`${this.prefix}${id}:arrivals`, `${this.prefix}${id}:usd`];
    const now = this.now();
    const windowMs = this.limits.windowSeconds * 1000;
    // A member unique across proxies: two arrivals in the same millisecond are two requests.
    const member = `${now}:${this.redis.instance}:${this.arrivals++}`;
    const reply = await this.redis.run((c) =>
      c.eval(ADMIT, {
        keys,
        arguments: [
          String(now),
          String(now - windowMs),
          String(this.limits.maxRequests),
          String(this.limits.maxUsd),
          String(windowMs + IDLE_MS),
          member,
        ],
      }),
    );
    if (!Array.isArray(reply)) return this.local.admit(request, client);
    const [verdict, amount, oldest] = reply as [string, string?, string?];
    if (verdict === 'usd') throw overSpent(client, Number(amount), this.limits);
    if (verdict === 'requests') throw overRequests(client, Number(amount), Number(oldest), now, this.limits);
    return {
      spent: (usd) => {
        if (usd > 0)
          void this.redis.run((c) =>
            c
              .multi()
              .incrByFloat(keys[1]!, usd)
              .pExpire(keys[1]!, windowMs + IDLE_MS)
              .exec(),
          );
      },
    };
  }
}
