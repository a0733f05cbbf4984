/**
 * @module Coalescing: identical requests already in flight share one upstream call, streams included. Every caller
 * gets every chunk from the start (late joiners catch up from the buffer); a caller that leaves does not cancel the
 * others — the upstream call is aborted only when no caller is left.
 */
import type { ChatChunk } from '../chat.ts';

export type Start = (signal: AbortSignal) => AsyncIterator<ChatChunk>;

/** A caller's place in a shared call: its chunk iterator, and whether it joined a call already in flight. */
export interface Joined {
  chunks: AsyncIterator<ChatChunk>;
  joined: boolean;
}

/** What the pipeline coalesces through: this proxy's InFlight, or in team mode the one that asks Redis first. */
export interface CallSharing {
  join(key: string, signal: AbortSignal, start: Start): Joined | Promise<Joined>;
}

class SharedCall {
  readonly chunks: ChatChunk[] = [];
  ended = false;
  failure: unknown;
  private readonly controller = new AbortController();
  private readonly wakers = new Set<() => void>();
  private callers = 0;

  constructor(start: Start, onEnd: () => void) {
    const source = start(this.controller.signal);
    void (async () => {
      try {
        for (let step = await source.next(); !step.done; step = await source.next()) {
          this.chunks.push(step.value);
          this.wake();
        }
      } catch (error) {
        this.failure = error ?? new Error('shared call failed');
      } finally {
        this.ended = true;
        onEnd();
        this.wake();
      }
    })();
  }

  /** One caller's view: every chunk in order, then the end (or the failure). */
  subscribe(signal: AbortSignal): AsyncIterator<ChatChunk> {
    this.callers++;
    let index = 0;
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      signal.removeEventListener('abort', leave);
      if (--this.callers === 0 && !this.ended) this.controller.abort(signal.reason);
    };
    signal.addEventListener('abort', leave, { once: true });
    return {
      next: async (): Promise<IteratorResult<ChatChunk>> => {
        for (;;) {
          if (index < this.chunks.length) return { done: false, value: this.chunks[index++]! };
          if (this.ended) {
            leave();
            if (this.failure !== undefined) throw this.failure;
            return { done: true, value: undefined };
          }
          await new Promise<void>((resolve) => this.wakers.add(resolve));
        }
      },
      return: async (): Promise<IteratorResult<ChatChunk>> => {
        leave();
        return { done: true, value: undefined };
      },
    };
  }

  private wake(): void {
    for (const wake of this.wakers) wake();
    this.wakers.clear();
  }
}

export class InFlight implements CallSharing {
  private readonly calls = new Map<string, SharedCall>();

  /**
   * Joins the call in flight for `key`, or starts one with `start`.
   * @returns the caller's chunk iterator, and whether it joined an existing call
   */
  join(key: string, signal: AbortSignal, start: Start): Joined {
    const existing = this.calls.get(key);
    if (existing) return { chunks: existing.subscribe(signal), joined: true };
    const call: SharedCall = new SharedCall(start, () => {
      if (this.calls.get(key) === call) this.calls.delete(key);
    });
    this.calls.set(key, call);
    return { chunks: call.subscribe(signal), joined: false };
  }

  /** Whether a call for `key` is in flight here. */
  has(key: string): boolean {
    return this.calls.has(key);
  }

  get size(): number {
    return this.calls.size;
  }
}
