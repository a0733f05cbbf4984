/**
 * @module The team's Redis connection (node-redis). No request ever waits on Redis longer than `timeoutMs`: commands
 * are refused at once while the connection is down (no offline queue), raced against the timeout while it is up,
 * and after a failure every command is skipped until a background ping succeeds. Callers get `undefined` for
 * "Redis did not answer" and fall back to local state; the log gets one warning per outage and one line when
 * sharing resumes.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import type { Config } from '../config/schema.ts';

export type TeamClient = ReturnType<typeof createClient>;

/** How often an open circuit probes Redis, and the longest pause between reconnect attempts. */
const PROBE_MS = 500;
/** Commands waiting on the socket at once; past it new ones fail at once instead of piling up behind a stall. */
const MAX_QUEUE = 2_000;
/**
 * Timeouts in a row that open the circuit. One late reply is that request's fallback, not an outage: on a busy
 * machine a single reply can miss 50 ms while Redis is fine. A hung Redis costs the next requests at most this many
 * timeouts in all before every request skips it.
 */
const LATE_REPLIES_TO_OPEN = 3;

export class TeamRedis extends EventEmitter {
  /** This proxy's id in locks (a leader's lock value). */
  readonly instance = randomUUID();
  readonly client: TeamClient;
  /** A second connection for pub/sub (a subscribed connection runs no other commands). */
  readonly subscriber: TeamClient;
  readonly timeoutMs: number;
  private healthy = false;
  /** Commands in a row that missed the timeout. */
  private lateReplies = 0;
  private warned = false;
  private probe: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    config: Config['redis'],
    private readonly log: (line: string) => void,
  ) {
    super();
    // Every follower waiting on another proxy's call listens for an outage.
    this.setMaxListeners(0);
    this.timeoutMs = config.timeoutMs;
    const url = new URL(config.url!);
    const tls = config.tls || url.protocol === 'rediss:';
    this.client = createClient({
      url: config.url,
      ...(config.username ? { username: config.username } : {}),
      ...(config.password ? { password: config.password } : {}),
      socket: {
        ...(tls ? { tls: true as const } : {}),
        connectTimeout: Math.max(1_000, config.timeoutMs * 20),
        reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, PROBE_MS * 4),
      },
      disableOfflineQueue: true,
      commandsQueueMaxLength: MAX_QUEUE,
      disableClientInfo: true,
    });
    this.subscriber = this.client.duplicate();
    for (const connection of [this.client, this.subscriber]) connection.on('error', (error: Error) => this.down(error));
    this.client.on('ready', () => this.up());
    this.client.on('end', () => this.down(new Error('connection closed')));
  }

  /** Connects in the background: a proxy starts (and serves) whether Redis is there or not. */
  start(): void {
    for (const connection of [this.client, this.subscriber])
      void connection.connect().catch((error: Error) => this.down(error));
  }

  /** `ok` when commands go through; `unavailable` during an outage. */
  get state(): 'ok' | 'unavailable' {
    return this.healthy ? 'ok' : 'unavailable';
  }

  /**
   * Runs one Redis operation within the timeout.
   * @returns its result, or `undefined` when Redis is down, slow or failing (the caller falls back to local state)
   */
  async run<T>(operation: (client: TeamClient) => Promise<T>): Promise<T | undefined> {
    if (!this.healthy || !this.client.isReady) return undefined;
    let timer: NodeJS.Timeout | undefined;
    // When the timer fires, a reply read in the same turn of the event loop still wins (setImmediate runs after
    // the sockets are read): the bound is on waiting for Redis, not on this process being busy.
    const timeout = new Promise<typeof TIMED_OUT>(
      (resolve) => (timer = setTimeout(() => setImmediate(resolve, TIMED_OUT), this.timeoutMs)),
    );
    try {
      const result = await Promise.race([operation(this.client), timeout]);
      if (result === TIMED_OUT) {
        if (++this.lateReplies >= LATE_REPLIES_TO_OPEN)
          this.down(new Error(`no answer within ${this.timeoutMs} ms, ${LATE_REPLIES_TO_OPEN} times in a row`));
        return undefined;
      }
      this.lateReplies = 0;
      return result;
    } catch (error) {
      // A script or command error is a bug or a full Redis, not an outage of the connection.
      if (isConnectionError(error)) this.down(error as Error);
      else this.log(`redis: ${(error as Error).message}`);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes both connections; a hung Redis gets a second to answer what is pending, then the sockets are cut. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.probe);
    await Promise.all(
      [this.client, this.subscriber].map(async (connection) => {
        if (!connection.isOpen) return;
        let timer: NodeJS.Timeout | undefined;
        const closed = await Promise.race([
          connection.close().then(
            () => true,
            () => false,
          ),
          new Promise<boolean>((resolve) => (timer = setTimeout(resolve, 1_000, false))),
        ]);
        clearTimeout(timer);
        if (!closed && connection.isOpen) connection.destroy();
      }),
    );
  }

  private up(): void {
    if (this.healthy || this.closed) return;
    this.healthy = true;
    this.lateReplies = 0;
    clearTimeout(this.probe);
    this.probe = undefined;
    if (this.warned) this.log('redis: reachable again, team sharing resumed');
    this.warned = false;
    this.emit('up');
  }

  /** Opens the circuit: commands are skipped until a ping answers in time. */
  private down(error: Error): void {
    if (this.closed) return;
    const wasHealthy = this.healthy;
    this.healthy = false;
    if (!this.warned) {
      this.warned = true;
      this.log(`redis unavailable (${error.message}): serving from this proxy's own cache and budget until it is back`);
    }
    if (wasHealthy) this.emit('down');
    this.scheduleProbe();
  }

  private scheduleProbe(): void {
    if (this.probe || this.closed) return;
    this.probe = setTimeout(async () => {
      this.probe = undefined;
      if (this.client.isReady) {
        const answered = await Promise.race([
          this.client.ping().then(
            () => true,
            () => false,
          ),
          new Promise<boolean>((resolve) => setTimeout(resolve, Math.max(this.timeoutMs, 250), false)),
        ]);
        if (answered) return this.up();
      }
      this.scheduleProbe();
    }, PROBE_MS);
    this.probe.unref();
  }
}

const TIMED_OUT = Symbol('timed out');

function isConnectionError(error: unknown): boolean {
  const name = (error as Error)?.name ?? '';
  const message = (error as Error)?.message ?? '';
  return (
    /Closed|Disconnect|Socket|Connection|Timeout|Abort/i.test(name) ||
    /closed|ECONN|socket|offline|queue/i.test(message)
  );
}
