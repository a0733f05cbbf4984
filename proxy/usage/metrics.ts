/**
 * @module Prometheus metrics (GET /metrics): requests, tokens, dollars, savings, cache hits, latency and the local
 * queue, labelled by route, provider and model. prom-client loads with the first finished request or the first
 * scrape, whichever comes first, not at startup (an idle proxy should stay small).
 */
import { createRequire } from 'node:module';
import type { Registry } from 'prom-client';
import { LEVERS, type UsageRecord } from './record.ts';

type PromClient = typeof import('prom-client');

/** `require` is what the bundler inlines as a lazily run module; the source run by tsx loads the package itself. */
function promClient(): PromClient {
  return (typeof require === 'function' ? require('prom-client') : createRequire(import.meta.url)('prom-client')) as PromClient;
}

function instruments(queue: () => { active: number; queued: number }) {
  const client = promClient();
  const registry = new client.Registry();
  const registers = [registry];
  new client.Gauge({ name: 'tokenwise_local_queue_depth', help: 'Requests waiting for a local sequence', registers, collect() { this.set(queue().queued); } });
  new client.Gauge({ name: 'tokenwise_local_active', help: 'Requests generating on the local model', registers, collect() { this.set(queue().active); } });
  return {
    registry,
    requests: new client.Counter({ name: 'tokenwise_requests_total', help: 'Finished requests', labelNames: ['route', 'provider', 'model', 'status'], registers }),
    tokens: new client.Counter({ name: 'tokenwise_tokens_total', help: 'Tokens by kind (input includes cached)', labelNames: ['kind', 'route', 'provider', 'model'], registers }),
    cost: new client.Counter({ name: 'tokenwise_cost_usd_total', help: 'Dollars spent', labelNames: ['route', 'provider', 'model'], registers }),
    baseline: new client.Counter({ name: 'tokenwise_baseline_cost_usd_total', help: 'Dollars the baseline model would have cost', labelNames: ['route', 'provider', 'model'], registers }),
    saved: new client.Counter({ name: 'tokenwise_saved_usd_total', help: 'Dollars saved, by lever', labelNames: ['lever'], registers }),
    cacheHits: new client.Counter({ name: 'tokenwise_cache_hits_total', help: 'Requests answered from cache or a shared call', labelNames: ['kind'], registers }),
    latency: new client.Histogram({
      name: 'tokenwise_request_duration_seconds', help: 'Request latency', labelNames: ['route', 'provider', 'model'], registers,
      buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    }),
  };
}

export class UsageMetrics {
  private loaded?: ReturnType<typeof instruments>;

  constructor(private readonly queue: () => { active: number; queued: number }) {}

  get registry(): Registry {
    return this.metrics().registry;
  }

  observe(r: UsageRecord): void {
    const m = this.metrics();
    const labels = { route: r.route, provider: r.provider, model: r.modelUsed };
    m.requests.inc({ ...labels, status: String(r.status) });
    m.tokens.inc({ kind: 'input', ...labels }, r.usage.inputTokens);
    m.tokens.inc({ kind: 'output', ...labels }, r.usage.outputTokens);
    m.tokens.inc({ kind: 'cached', ...labels }, r.usage.cachedInputTokens ?? 0);
    if (r.costUsd !== null) m.cost.inc(labels, r.costUsd);
    if (r.baselineCostUsd !== null) m.baseline.inc(labels, r.baselineCostUsd);
    for (const lever of LEVERS) if (r.savedUsd[lever] > 0) m.saved.inc({ lever }, r.savedUsd[lever]);
    if (r.cache !== 'miss') m.cacheHits.inc({ kind: r.cache });
    m.latency.observe(labels, r.latencyMs / 1000);
  }

  private metrics() {
    return (this.loaded ??= instruments(this.queue));
  }
}
