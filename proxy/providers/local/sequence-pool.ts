/**
 * @module Hands out the parallel context sequences of the one loaded model. Requests beyond the sequences wait in a
 * bounded queue; past that the caller gets 503 with retry-after instead of an ever-growing backlog.
 */
import { ProxyError } from '../../errors.ts';

interface Waiter<T> {
  resolve: (item: T) => void;
  reject: (error: unknown) => void;
}

export class SequencePool<T> {
  private readonly free: T[];
  private readonly waiting: Waiter<T>[] = [];
  private active = 0;
  /** Most sequences ever in use at once: proof that requests really ran in parallel. */
  peakActive = 0;

  constructor(
    items: T[],
    private readonly queueSize: number,
  ) {
    this.free = [...items];
  }

  get stats() {
    return { active: this.active, queued: this.waiting.length, peakActive: this.peakActive };
  }

  /** Resolves with a free sequence; rejects with 503 when the queue is full, or when `signal` aborts while waiting. */
  acquire(signal: AbortSignal): Promise<T> {
    const item = this.free.pop();
    if (item !== undefined) return Promise.resolve(this.take(item));
    if (this.waiting.length >= this.queueSize) {
      return Promise.reject(
        new ProxyError(
          'overloaded',
          `the local model is busy (${this.active} generating, ${this.waiting.length} queued); retry shortly`,
          { retryAfterSeconds: 1 + Math.ceil(this.waiting.length / Math.max(1, this.active)) },
        ),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        resolve: (sequence) => {
          signal.removeEventListener('abort', onAbort);
          resolve(this.take(sequence));
        },
        reject,
      };
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  release(item: T): void {
    this.active -= 1;
    const next = this.waiting.shift();
    if (next) next.resolve(item);
    else this.free.push(item);
  }

  private take(item: T): T {
    this.active += 1;
    this.peakActive = Math.max(this.peakActive, this.active);
    return item;
  }
}
