/**
 * @module The live feed behind GET /tokenwise/events: one event per finished request, kept in a bounded ring so a
 * client reconnecting with Last-Event-ID gets what it missed.
 */
import type { UsageRecord } from './record.ts';
import { totalSaved } from './record.ts';

/** What a finished request looks like on the wire (shared with the extension and webview). */
export interface RequestEvent {
  id: number;
  time: number;
  client: string;
  modelAsked: string;
  modelUsed: string;
  provider: string;
  route: 'local' | 'cloud';
  reason: string;
  cache: string;
  status: number;
  error?: string;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  costUsd: number | null;
  baselineCostUsd: number | null;
  savedUsd: number;
  latencyMs: number;
}

/** No spread inside: a conditional spread in an 18-field literal sends V8 down its slow path (see usage/record.ts). */
export function toRequestEvent(r: UsageRecord): RequestEvent {
  return {
    id: r.id, time: r.time, client: r.client, modelAsked: r.modelAsked, modelUsed: r.modelUsed, provider: r.provider, route: r.route, reason: r.reason,
    cache: r.cache, status: r.status, error: r.error, inputTokens: r.usage.inputTokens, outputTokens: r.usage.outputTokens,
    cachedTokens: r.usage.cachedInputTokens ?? 0, costUsd: r.costUsd, baselineCostUsd: r.baselineCostUsd, savedUsd: totalSaved(r), latencyMs: r.latencyMs,
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
