/**
 * @module Keeps the panel's snapshot current: follows the proxy's live feed (SSE, reconnecting with Last-Event-ID so
 * nothing is missed) and re-reads the ledger's summaries after each burst of requests and once a minute.
 */
import type { PanelSnapshot, ProxyState, RequestEvent } from '../shared/protocol.ts';
import { ProxyClient } from './proxy-client.ts';
import { createParser } from 'eventsource-parser';
import { EVENTS, TABLE_RANGE_DAYS, type TableRange } from '../shared/protocol.ts';
import {
  emptySnapshot,
  hourWindowStart,
  startOfDay,
  startOfMonth,
  withRequest,
  withSummaries,
} from './usage-snapshot.ts';

/** Wait after an event before re-reading the ledger, so a burst of requests costs one refresh. */
const REFRESH_DELAY_MS = 150;
const RECONNECT_DELAY_MS = 2_000;
/** The what-if replays a week of recordings several times over: read it at most this often. */
const WHAT_IF_INTERVAL_MS = 5 * 60_000;
/** The audit's report changes slowly (a few audits an hour) but should show a new finding within a minute or so. */
const AUDIT_INTERVAL_MS = 60_000;

export interface Connection {
  url: string;
  token: string;
}

export class UsageFeed {
  private snapshot: PanelSnapshot = emptySnapshot();
  private client?: ProxyClient;
  private followedToken?: string;
  private stream?: AbortController;
  private refreshTimer?: NodeJS.Timeout;
  private refreshing = false;
  private dirty = false;
  private lastRefreshMinute = 0;
  private whatIfAt = 0;
  private auditAt = 0;

  constructor(
    private readonly onChange: (snapshot: PanelSnapshot) => void,
    private readonly log: (line: string) => void,
  ) {}

  get current(): PanelSnapshot {
    return this.snapshot;
  }

  /** Follows the proxy at `connection` (or stops following when there is none), keeping what is shown. */
  setProxy(state: ProxyState, connection?: Connection): void {
    const endpoint = connection
      ? { openai: `${connection.url}/v1`, anthropic: connection.url }
      : this.snapshot.endpoint;
    const monthlyBefore = monthlyLimit(this.snapshot.proxy);
    this.snapshot = { ...this.snapshot, proxy: state, ...(endpoint ? { endpoint } : {}) };
    if (connection && (connection.url !== this.client?.url || connection.token !== this.followedToken))
      this.follow(connection);
    else if (monthlyLimit(state) !== monthlyBefore) this.refreshSoon(0); // the monthly gauge needs the month's spend
    if (!connection) this.unfollow();
    this.onChange(this.snapshot);
  }

  /** The local token of the proxy being followed (for copying; never sent to the webview). */
  get token(): string | undefined {
    return this.followedToken;
  }

  /** Re-reads the ledger now (after clearing the cache, say). */
  refreshSoon(delayMs = REFRESH_DELAY_MS): void {
    if (!this.client) return;
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refresh(), delayMs);
  }

  /** The panel picked the days its per-model and per-tool tables cover. */
  setTableRange(tableRange: TableRange): void {
    if (tableRange === this.snapshot.tableRange) return;
    this.snapshot = { ...this.snapshot, tableRange };
    this.refreshSoon(0);
  }

  dispose(): void {
    this.unfollow();
  }

  private follow(connection: Connection): void {
    this.unfollow();
    // Another data directory (a new token) has its own ledger and ids: start over.
    if (this.followedToken !== undefined && this.followedToken !== connection.token)
      this.snapshot = {
        ...emptySnapshot(this.snapshot.proxy),
        endpoint: this.snapshot.endpoint,
        tableRange: this.snapshot.tableRange,
      };
    this.followedToken = connection.token;
    this.client = new ProxyClient(connection.url, connection.token);
    this.stream = new AbortController();
    void this.readEvents(this.client, this.stream.signal);
    this.refreshSoon(0);
  }

  private unfollow(): void {
    this.stream?.abort();
    this.stream = undefined;
    this.client = undefined;
    clearTimeout(this.refreshTimer);
  }

  private async readEvents(client: ProxyClient, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const response = await client.events(this.snapshot.lastEventId, signal);
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        const parser = createParser({ onEvent: (event) => this.onEvent(event.event ?? 'message', event.data) });
        const decoder = new TextDecoder();
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>)
          parser.feed(decoder.decode(chunk, { stream: true }));
      } catch (error) {
        if (signal.aborted) return;
        this.log(`live feed interrupted (${(error as Error).message}); reconnecting`);
      }
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS));
    }
  }

  private onEvent(name: string, data: string): void {
    if (name === EVENTS.request) {
      this.snapshot = withRequest(this.snapshot, JSON.parse(data) as RequestEvent, Date.now());
      this.onChange(this.snapshot);
      this.refreshSoon();
    } else if (name === EVENTS.totals && Math.floor(Date.now() / 60_000) !== this.lastRefreshMinute) {
      // The proxy sends totals every 5 s: a cheap clock to roll the charts over each minute.
      this.refreshSoon(0);
    }
  }

  /** Reads the what-if in the background: it takes seconds, and the counters must not wait for it. */
  private readWhatIf(client: ProxyClient, now: number): void {
    this.whatIfAt = now;
    client.whatIf().then(
      (whatIf) => {
        if (client !== this.client) return;
        this.snapshot = { ...this.snapshot, whatIf };
        this.onChange(this.snapshot);
      },
      (error: Error) => this.log(`cannot read the what-if: ${error.message}`),
    );
  }

  /** Reads what the quality audit found, in the background like the what-if. */
  private readAudit(client: ProxyClient, now: number): void {
    this.auditAt = now;
    client.audit().then(
      (audit) => {
        if (client !== this.client) return;
        this.snapshot = { ...this.snapshot, audit };
        this.onChange(this.snapshot);
      },
      (error: Error) => this.log(`cannot read the quality audit: ${error.message}`),
    );
  }

  private async refresh(): Promise<void> {
    const client = this.client;
    if (!client) return;
    if (this.refreshing) {
      this.dirty = true;
      return;
    }
    this.refreshing = true;
    try {
      const now = Date.now();
      const seen = this.snapshot.lastEventId;
      const today = startOfDay(now);
      const range = this.snapshot.tableRange;
      const tablesSince = startOfDay(now, TABLE_RANGE_DAYS[range]);
      const [byModel, byClient, byMinute, byDay, todayTotals, conversations, month] = await Promise.all([
        client.usage(tablesSince, 'model'),
        client.usage(tablesSince, 'client'),
        client.usage(hourWindowStart(now), 'minute'),
        client.usage(startOfDay(now, 6), 'day'),
        range === 'today' ? undefined : client.usage(today),
        // A proxy from before per-conversation totals (attached, not started by us) has no such endpoint.
        client.conversations(tablesSince).catch(() => undefined),
        monthlyLimit(this.snapshot.proxy) ? client.usage(startOfMonth(now)) : undefined,
      ]);
      // A request that arrived meanwhile may be missing from these numbers: read again rather than step back.
      if (client !== this.client) return;
      if (this.snapshot.lastEventId !== seen || this.snapshot.tableRange !== range) this.dirty = true;
      else {
        this.snapshot = withSummaries(
          this.snapshot,
          {
            byModel,
            byClient,
            byMinute,
            byDay,
            conversations: conversations?.conversations ?? [],
            ...(todayTotals ? { today: todayTotals } : {}),
            ...(month ? { month } : {}),
          },
          now,
        );
        this.lastRefreshMinute = Math.floor(now / 60_000);
        this.onChange(this.snapshot);
        if (now - this.whatIfAt >= WHAT_IF_INTERVAL_MS) this.readWhatIf(client, now);
        if (now - this.auditAt >= AUDIT_INTERVAL_MS) this.readAudit(client, now);
      }
    } catch (error) {
      if (client === this.client) this.log(`cannot read usage: ${(error as Error).message}`);
    } finally {
      this.refreshing = false;
      if (this.dirty) {
        this.dirty = false;
        this.refreshSoon();
      }
    }
  }
}

/** The running proxy's monthly budget, if it has one. */
function monthlyLimit(proxy: ProxyState): number | null | undefined {
  return proxy.kind === 'running' ? proxy.budget?.monthlyUsd : undefined;
}
