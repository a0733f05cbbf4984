/**
 * @module Prometheus metrics (GET /metrics): requests, tokens, dollars, savings, cache hits, latency and the local
 * queue, labelled by route, provider and model.
 */
import client from 'prom-client';
import { LEVERS, type UsageRecord } from './record.ts';

export class UsageMetrics {
  readonly registry = new client.Registry();
  private readonly requests = new client.Counter({ name: 'tokenwise_requests_total', help: 'Finished requests', labelNames: ['route', 'provider', 'model', 'status'], registers: [this.registry] });
  private readonly tokens = new client.Counter({ name: 'tokenwise_tokens_total', help: 'Tokens by kind (input includes cached)', labelNames: ['kind', 'route', 'provider', 'model'], registers: [this.registry] });
  private readonly cost = new client.Counter({ name: 'tokenwise_cost_usd_total', help: 'Dollars spent', labelNames: ['route', 'provider', 'model'], registers: [this.registry] });
  private readonly baseline = new client.Counter({ name: 'tokenwise_baseline_cost_usd_total', help: 'Dollars the baseline model would have cost', labelNames: ['route', 'provider', 'model'], registers: [this.registry] });
  private readonly saved = new client.Counter({ name: 'tokenwise_saved_usd_total', help: 'Dollars saved, by lever', labelNames: ['lever'], registers: [this.registry] });
  private readonly cacheHits = new client.Counter({ name: 'tokenwise_cache_hits_total', help: 'Requests answered from cache or a shared call', labelNames: ['kind'], registers: [this.registry] });
  private readonly latency = new client.Histogram({
    name: 'tokenwise_request_duration_seconds', help: 'Request latency', labelNames: ['route', 'provider', 'model'], registers: [this.registry],
    buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
  });

  constructor(queue: () => { active: number; queued: number }) {
    new client.Gauge({ name: 'tokenwise_local_queue_depth', help: 'Requests waiting for a local sequence', registers: [this.registry], collect() { this.set(queue().queued); } });
    new client.Gauge({ name: 'tokenwise_local_active', help: 'Requests generating on the local model', registers: [this.registry], collect() { this.set(queue().active); } });
  }

  observe(r: UsageRecord): void {
    const labels = { route: r.route, provider: r.provider, model: r.modelUsed };
    this.requests.inc({ ...labels, status: String(r.status) });
    this.tokens.inc({ kind: 'input', ...labels }, r.usage.inputTokens);
    this.tokens.inc({ kind: 'output', ...labels }, r.usage.outputTokens);
    this.tokens.inc({ kind: 'cached', ...labels }, r.usage.cachedInputTokens ?? 0);
    if (r.costUsd !== null) this.cost.inc(labels, r.costUsd);
    if (r.baselineCostUsd !== null) this.baseline.inc(labels, r.baselineCostUsd);
    for (const lever of LEVERS) if (r.savedUsd[lever] > 0) this.saved.inc({ lever }, r.savedUsd[lever]);
    if (r.cache !== 'miss') this.cacheHits.inc({ kind: r.cache });
    this.latency.observe(labels, r.latencyMs / 1000);
  }
}
