/**
 * @module The live feed behind GET /tokenwise/events: one event per finished request, kept in a bounded ring so a
 * client reconnecting with Last-Event-ID gets what it missed.
 */
import type { RequestEvent } from '../../shared/protocol.ts';
import type { UsageRecord } from './record.ts';

export type { RequestEvent };
import { totalSaved } from './record.ts';

/** No spread inside: a conditional spread in an 18-field literal sends V8 down its slow path (see usage/record.ts). */
export function toRequestEvent(r: UsageRecord): RequestEvent {
  return {
    id: r.id,
    time: r.time,
    client: r.client,
    modelAsked: r.modelAsked,
    modelUsed: r.modelUsed,
    provider: r.provider,
    route: r.route,
    reason: r.reason,
    cache: r.cache,
    status: r.status,
    error: r.error,
    inputTokens: r.usage.inputTokens,
    outputTokens: r.usage.outputTokens,
    cachedTokens: r.usage.cachedInputTokens ?? 0,
    costUsd: r.costUsd,
    baselineCostUsd: r.baselineCostUsd,
    savedUsd: totalSaved(r),
    latencyMs: r.latencyMs,
  };
}

type Listener = (event: RequestEvent) => void;

export class LiveFeed {
  private readonly ring: RequestEvent[] = [];
  private readonly listeners = new Set<Listener>();

  constructor(private readonly capacity = 1000) {}

  publish(event: RequestEvent): void {
    this.ring.push(event);
    if (this.ring.length > this.capacity) this.ring.shift();
    for (const listener of this.listeners) listener(event);
  }

  /** Events after `lastId` still in the ring (all of them when the gap is larger than the ring). */
  since(lastId: number): RequestEvent[] {
    return this.ring.filter((e) => e.id > lastId);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }
}
