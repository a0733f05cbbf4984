/**
 * @module Records finished requests. `record()` is all the request path pays for (a push); pricing, the ledger
 * commit, the live feed and the metrics run in one batch every flush interval (≤ 1 s), so under load the per-request
 * work never sits between a response and the next request.
 *
 * The usage lever's one door: the recorder, the request trace that feeds it, prices and the ledger's summaries.
 * Nothing outside `proxy/usage/` imports the files behind it.
 */
import type { Config } from '../config/schema.ts';
import type { Database } from '../storage/database.ts';
import { Ledger } from './ledger.ts';
import { LiveFeed, toRequestEvent } from './live.ts';
import { UsageMetrics } from './metrics.ts';
import { Pricing } from './pricing.ts';
import { priceRequest, type FinishedRequest, type UsageRecord } from './record.ts';
import { summarize, type GroupBy, type UsageSummary } from './totals.ts';
import { conversationTotals, type ConversationTotals } from './conversations.ts';

export { clientName } from './client.ts';
export { countUsage, isMissingUsage } from './estimate.ts';
export type { RequestEvent } from './live.ts';
export { Pricing, type PriceOverride } from './pricing.ts';
export {
  answerCost,
  LEVERS,
  paidCost,
  priceRequest,
  type FinishedRequest,
  type Lever,
  type UsageRecord,
} from './record.ts';
export { GROUP_BYS, parseTime, summarize, type GroupBy, type UsageSummary, type UsageTotals } from './totals.ts';
export { RequestTrace, type CacheStatus, type RequestNotes, type UsageSink } from './trace.ts';

/** Records priced and published between two yields of the timer's flush (~70 µs each). */
const SLICE = 64;

export interface UsageRecorderOptions {
  config: Config;
  db: Database;
  /** Local queue state for the metrics. */
  localQueue: () => { active: number; queued: number };
  log?: (line: string) => void;
}

export class UsageRecorder {
  readonly ledger: Ledger;
  readonly live = new LiveFeed();
  readonly metrics: UsageMetrics;
  readonly pricing: Pricing;
  private batch: FinishedRequest[] = [];
  private slicing = false;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: UsageRecorderOptions) {
    const { usage } = options.config;
    this.ledger = new Ledger(options.db, { retentionDays: usage.retentionDays, log: options.log });
    this.pricing = new Pricing(
      { overrides: usage.priceOverrides, localCostPerHour: usage.localCostPerHour },
      options.log,
    );
    const { providers, defaultCloudModel, local } = options.config;
    this.metrics = new UsageMetrics(
      options.localQueue,
      new Set([defaultCloudModel, local.name, 'local', ...Object.values(providers).flatMap((p) => p.models)]),
    );
    this.timer = setInterval(() => this.flushInSlices(), usage.flushIntervalMs);
    this.timer.unref();
  }

  record(finished: FinishedRequest): void {
    this.batch.push(finished);
  }

  /** Prices, publishes and commits everything recorded so far. */
  flush(): void {
    this.drain();
    this.ledger.flush();
  }

  /** Totals from the ledger, including everything recorded so far. */
  summary(since: number, until: number, groupBy?: GroupBy): UsageSummary {
    this.flush();
    return summarize(this.ledger.db, since, until, groupBy);
  }

  /** The costliest conversations in the range, including everything recorded so far. */
  conversations(since: number, until: number, limit: number): ConversationTotals[] {
    this.flush();
    return conversationTotals(this.ledger.db, since, until, limit);
  }

  close(): void {
    clearInterval(this.timer);
    this.drain();
    this.ledger.close();
  }

  /**
   * The timer's flush: prices and publishes a slice at a time, letting waiting requests run between slices, then
   * commits. Under load a batch holds hundreds of records; in one piece it would sit in front of every request
   * arriving meanwhile (the p99).
   */
  private flushInSlices(): void {
    if (this.slicing) return;
    this.slicing = true;
    const step = () => {
      this.drain(SLICE);
      if (this.batch.length) {
        setImmediate(step);
        return;
      }
      this.slicing = false;
      this.ledger.flush();
    };
    step();
  }

  private drain(limit = Infinity): void {
    const batch = limit < this.batch.length ? this.batch.splice(0, limit) : this.batch;
    if (batch === this.batch) this.batch = [];
    const { usage } = this.options.config;
    const records: UsageRecord[] = [];
    for (const finished of batch) {
      const record: UsageRecord = priceRequest(this.ledger.allocateId(), finished, this.pricing, usage);
      this.ledger.append(record);
      this.live.publish(toRequestEvent(record));
      records.push(record);
    }
    if (records.length) this.metrics.observeAll(records);
  }
}
