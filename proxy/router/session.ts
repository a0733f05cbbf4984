/**
 * @module The per-session breaker: an agent stuck in a loop (the same tool call again and again, or hundreds of
 * requests in minutes) is stopped with a 429 before it burns money unbounded. A session is one agent conversation:
 * the client plus the id the agent sends (Claude Code's `metadata.user_id` session, Codex's `prompt_cache_key`),
 * else the hash of the conversation's first user message, which every turn of a conversation resends.
 *
 * @example
 * const breaker = new SessionBreaker({ maxRequests: 300, windowSeconds: 600, maxUsd: 25, maxRepeatedToolCalls: 20 });
 * const session = breaker.admit(request, 'claude-code'); // throws ProxyError 429 when a limit is crossed
 * session.spent(0.02);
 */
import { createHash } from 'node:crypto';
import { textOf, type ChatRequest } from '../chat.ts';
import { ProxyError } from '../errors.ts';
import { usd } from '../../shared/format.ts';
import { wireOf } from '../wire.ts';

export interface SessionLimits {
  /** Requests allowed in one session within `windowSeconds`. */
  maxRequests: number;
  windowSeconds: number;
  /** Dollars one session may spend on cloud calls within `windowSeconds`. */
  maxUsd: number;
  /** Identical tool calls (same tool, same arguments) in a row at the end of the conversation. */
  maxRepeatedToolCalls: number;
}

interface SessionState {
  /** Arrival times (ms) of the requests inside the window, oldest first. */
  arrivals: number[];
  /** What its answers cost and when they ended, oldest first (inside the window). */
  spends: { at: number; usd: number }[];
  lastSeen: number;
}

/** Sessions remembered at once; the least recently seen go first. */
const MAX_SESSIONS = 10_000;

/** The session id a request carries, or the hash of its first user message. */
export function sessionId(request: ChatRequest): string {
  const body = wireOf(request)?.body;
  const promptCacheKey = body?.prompt_cache_key;
  if (typeof promptCacheKey === 'string' && promptCacheKey) return promptCacheKey;
  // Claude Code: metadata.user_id is JSON with a session_id (older versions: "user_…_session_<uuid>").
  const user = request.user ?? '';
  const claudeSession = user.match(/"session_id"\s*:\s*"([^"]+)"/)?.[1] ?? user.match(/_session_([0-9a-f-]{8,})/)?.[1];
  if (claudeSession) return claudeSession;
  const first = request.messages.find((m) => m.role === 'user');
  return createHash('sha256')
    .update(first ? textOf(first) : '')
    .digest('base64url')
    .slice(0, 22);
}

/** How many identical tool calls (name and arguments) end the conversation in a row. */
export function trailingRepeats(request: ChatRequest): number {
  const calls = request.messages.flatMap((m) => m.toolCalls ?? []);
  const last = calls.at(-1);
  if (!last) return 0;
  let repeats = 0;
  for (let i = calls.length - 1; i >= 0 && calls[i]!.name === last.name && calls[i]!.arguments === last.arguments; i--)
    repeats++;
  return repeats;
}

/** What a session admitted to a provider is charged through. */
export interface SessionSpend {
  spent(usd: number): void;
}

/** What the pipeline checks sessions through: this proxy's SessionBreaker, or in team mode the one shared in Redis. */
export interface SessionGate {
  checkLoop(request: ChatRequest): void;
  admit(request: ChatRequest, client: string): SessionSpend | Promise<SessionSpend>;
}

/** The 429 for a session that spent its `maxUsd`. */
export function overSpent(
  client: string,
  spentUsd: number,
  limits: SessionLimits,
  retryAfterSeconds?: number,
): ProxyError {
  return refuse(
    `this ${client} session has spent ${usd(spentUsd)} in ${limits.windowSeconds} s (session.maxUsd is ${usd(limits.maxUsd)})`,
    retryAfterSeconds,
  );
}

/** The 429 for a session that sent `maxRequests` within the window; it may go on once the oldest leaves it. */
export function overRequests(
  client: string,
  count: number,
  oldestArrival: number,
  now: number,
  limits: SessionLimits,
): ProxyError {
  const retryAfterSeconds = Math.max(1, Math.ceil((oldestArrival - (now - limits.windowSeconds * 1000)) / 1000));
  return refuse(
    `this ${client} session sent ${count} requests in ${limits.windowSeconds} s (session.maxRequests is ${limits.maxRequests})`,
    retryAfterSeconds,
  );
}

export class SessionBreaker implements SessionGate {
  private readonly sessions = new Map<string, SessionState>();

  constructor(
    private readonly limits: SessionLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws a 429 when the conversation ends in a tool loop: checked on every request, even one the cache answers. */
  checkLoop(request: ChatRequest): void {
    const repeats = trailingRepeats(request);
    if (repeats >= this.limits.maxRepeatedToolCalls) {
      const name = request.messages.flatMap((m) => m.toolCalls ?? []).at(-1)!.name;
      throw refuse(
        `the agent called ${name} with the same arguments ${repeats} times in a row (session.maxRepeatedToolCalls is ${this.limits.maxRepeatedToolCalls}): it looks stuck in a tool loop`,
      );
    }
  }

  /**
   * Counts a request that will reach a provider against its session, or throws a 429 naming the limit it crossed.
   * Answers from the cache cost nothing and are not counted: an eval loop resending one prompt must not trip it.
   */
  admit(request: ChatRequest, client: string): SessionSpend {
    this.checkLoop(request);
    const key = `${client}\n${sessionId(request)}`;
    const now = this.now();
    const state = this.sessions.get(key) ?? { arrivals: [], spends: [], lastSeen: now };
    this.sessions.delete(key);
    this.sessions.set(key, state);
    state.lastSeen = now;
    const windowStart = now - this.limits.windowSeconds * 1000;
    while (state.arrivals.length && state.arrivals[0]! <= windowStart) state.arrivals.shift();
    // Spend is windowed too: the fallback session id (the first user message) is shared by unrelated requests that
    // happen to open the same way, and they must not stay refused for good.
    while (state.spends.length && state.spends[0]!.at <= windowStart) state.spends.shift();
    const spentUsd = state.spends.reduce((sum, spend) => sum + spend.usd, 0);
    if (spentUsd >= this.limits.maxUsd)
      throw overSpent(
        client,
        spentUsd,
        this.limits,
        Math.max(1, Math.ceil((state.spends[0]!.at - windowStart) / 1000)),
      );
    if (state.arrivals.length >= this.limits.maxRequests)
      throw overRequests(client, state.arrivals.length, state.arrivals[0]!, now, this.limits);
    state.arrivals.push(now);
    this.evict();
    return {
      spent: (usd) => {
        if (usd > 0) state.spends.push({ at: this.now(), usd });
      },
    };
  }

  private evict(): void {
    if (this.sessions.size <= MAX_SESSIONS) return;
    const oldest = this.sessions.keys().next().value;
    if (oldest !== undefined) this.sessions.delete(oldest);
  }
}

/** A 429; final (no retry) unless the window will let the session go on after `retryAfterSeconds`. */
function refuse(why: string, retryAfterSeconds?: number): ProxyError {
  return new ProxyError(
    'rate_limit',
    `session limit: ${why}. Start a new session, or raise budget.session in the Tokenwise config.`,
    { code: 'session_limit', ...(retryAfterSeconds ? { retryAfterSeconds } : { final: true }) },
  );
}
