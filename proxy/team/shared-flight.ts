/**
 * @module Coalescing across proxies. The first proxy to see a request takes a lock in Redis (`SET NX PX`, renewed
 * while it runs) and makes the one upstream call; a proxy whose lock attempt fails follows it: it waits for the
 * leader's complete answer (stored beside the lock, announced on a pub/sub channel) and replays it. Callers on the
 * same proxy share through the local InFlight as before, so each proxy has at most one leader or follower per key.
 *
 * Followers on other proxies get the answer once it is whole, not chunk by chunk, and decide whether they are
 * followers only then: a follower has sent nothing when the leader fails, dies (its lock expires unrenewed) or Redis
 * goes away, so it makes its own call as a plain miss — a leader's trouble never fails another proxy's request, and
 * the ledger and the budget see every upstream call.
 */
import type { ChatChunk } from '../chat.ts';
import type { CallSharing, InFlight, Joined, Start } from '../cache/index.ts';
import type { TeamRedis } from './connection.ts';

/** A leader's lock lives this long unless renewed (a third of it between renewals). */
const LOCK_MS = 3_000;
/** How long a finished answer stays for followers that are still on their way. */
const RESULT_MS = 10_000;
/** A follower looks again this often even without a notification (a missed one, or a dead leader). */
const WATCH_MS = 500;

/** Extends the lock only while it is still ours. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
/** Stores the answer, keeps the lock as long as the answer (late arrivals follow it), and wakes the followers. */
const FINISH = `redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
redis.call('PUBLISH', KEYS[1], 'done') return 1`;
/** A failed leader lets go at once: followers make their own calls. */
const ABANDON = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end redis.call('PUBLISH', KEYS[1], 'failed') return 1`;

/** How this proxy takes part: it leads, it got the leader's answer, or it answers on its own (Redis silent, leader gone). */
type Claim = { role: 'leader' } | { role: 'answered'; chunks: ChatChunk[] } | { role: 'local' };

export class SharedInFlight implements CallSharing {
  private readonly claims = new Map<string, Promise<Claim>>();
  /** Followers waiting on a lock's channel, woken by its notifications. */
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly local: InFlight,
    private readonly redis: TeamRedis,
    /** `prefix + "flight:" + scope + ":"`; a lock's key is also its channel's name. */
    private readonly prefix: string,
  ) {
    const listen = () =>
      void redis.subscriber.pSubscribe(`${prefix}*`, (_message, channel) => this.wake(channel)).catch(() => {});
    redis.subscriber.once('ready', listen);
  }

  join(key: string, signal: AbortSignal, start: Start): Joined | Promise<Joined> {
    if (this.local.has(key)) return this.local.join(key, signal, start);
    let claim = this.claims.get(key);
    if (!claim) {
      claim = this.claim(key);
      this.claims.set(key, claim);
      void claim.finally(() => this.claims.delete(key));
    }
    return claim.then((claimed): Joined => {
      // Another proxy's answer: every caller here replays it. Released by a failed or dead leader (or with Redis
      // silent), the callers here share one call of their own: a plain miss, booked and charged as one.
      if (claimed.role === 'answered') return { chunks: replay(claimed.chunks), joined: true };
      return this.local.join(
        key,
        signal,
        claimed.role === 'leader' ? (s) => this.lead(this.prefix + key, s, start) : start,
      );
    });
  }

  /**
   * Leader when the lock is free; when another proxy holds it, waits for its answer (given whole, once stored);
   * local when Redis does not answer or the leader fails or dies.
   */
  private async claim(key: string): Promise<Claim> {
    const lock = this.prefix + key;
    const taken = await this.redis.run((client) =>
      client.set(lock, this.redis.instance, { condition: 'NX', expiration: { type: 'PX', value: LOCK_MS } }),
    );
    if (taken === undefined) return { role: 'local' };
    if (taken === 'OK') return { role: 'leader' };
    const chunks = await this.leaderAnswer(lock);
    return chunks ? { role: 'answered', chunks } : { role: 'local' };
  }

  private async *lead(lock: string, signal: AbortSignal, start: Start): AsyncGenerator<ChatChunk> {
    const renew = setInterval(
      () =>
        void this.redis.run((client) =>
          client.eval(RENEW, { keys: [lock], arguments: [this.redis.instance, String(LOCK_MS)] }),
        ),
      LOCK_MS / 3,
    );
    renew.unref();
    const chunks: ChatChunk[] = [];
    try {
      const source = start(signal);
      for (let step = await source.next(); !step.done; step = await source.next()) {
        chunks.push(step.value);
        yield step.value;
      }
    } finally {
      clearInterval(renew);
      // Only a complete answer is handed on (a cut stream is never shared).
      if (chunks.at(-1)?.type === 'done')
        void this.redis.run((client) =>
          client.eval(FINISH, {
            keys: [lock, `${lock}:answer`],
            arguments: [this.redis.instance, JSON.stringify(chunks), String(RESULT_MS)],
          }),
        );
      else void this.redis.run((client) => client.eval(ABANDON, { keys: [lock], arguments: [this.redis.instance] }));
    }
  }

  /** The leader's complete answer, or undefined once it is clear none will come (failed, dead, or Redis gone). */
  private leaderAnswer(lock: string): Promise<ChatChunk[] | undefined> {
    return new Promise((resolve) => {
      let settled = false;
      const waiters = this.waiters.get(lock) ?? new Set();
      this.waiters.set(lock, waiters);
      const check = async () => {
        const state = await this.redis.run((client) => client.multi().get(`${lock}:answer`).exists(lock).exec());
        if (!state) return finish(undefined);
        const [answer, held] = state as unknown as [string | null, number];
        if (typeof answer === 'string') finish(JSON.parse(answer) as ChatChunk[]);
        else if (!held) finish(undefined);
      };
      const onDown = () => finish(undefined);
      const timer = setInterval(check, WATCH_MS);
      function finish(this: void, chunks: ChatChunk[] | undefined) {
        if (settled) return;
        settled = true;
        clearInterval(timer);
        waiters.delete(check);
        redis.off('down', onDown);
        resolve(chunks);
      }
      const redis = this.redis;
      waiters.add(check);
      redis.on('down', onDown);
      void check();
    }).finally(() => {
      if (!this.waiters.get(lock)?.size) this.waiters.delete(lock);
    }) as Promise<ChatChunk[] | undefined>;
  }

  private wake(channel: string): void {
    for (const check of this.waiters.get(channel) ?? []) void check();
  }
}

/** One caller's replay of a finished answer. */
async function* replay(chunks: ChatChunk[]): AsyncGenerator<ChatChunk> {
  yield* chunks;
}
