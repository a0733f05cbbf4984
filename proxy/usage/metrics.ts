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
  return (
    typeof require === 'function' ? require('prom-client') : createRequire(import.meta.url)('prom-client')
  ) as PromClient;
}

function instruments(queue: () => { active: number; queued: number }) {
  const client = promClient();
  const registry = new client.Registry();
  const registers = [registry];
  new client.Gauge({
    name: 'tokenwise_local_queue_depth',
    help: 'Requests waiting for a local sequence',
    registers,
    collect() {
      this.set(queue().queued);
    },
  });
  new client.Gauge({
    name: 'tokenwise_local_active',
    help: 'Requests generating on the local model',
    registers,
    collect() {
      this.set(queue().active);
    },
  });
  return {
    registry,
    requests: new client.Counter({
      name: 'tokenwise_requests_total',
      help: 'Finished requests',
      labelNames: ['route', 'provider', 'model', 'status'],
      registers,
    }),
    tokens: new client.Counter({
      name: 'tokenwise_tokens_total',
      help: 'Tokens by kind (input includes cached)',
      labelNames: ['kind', 'route', 'provider', 'model'],
      registers,
    }),
    cost: new client.Counter({
      name: 'tokenwise_cost_usd_total',
      help: 'Dollars spent',
      labelNames: ['route', 'provider', 'model'],
      registers,
    }),
    baseline: new client.Counter({
      name: 'tokenwise_baseline_cost_usd_total',
      help: 'Dollars the baseline model would have cost',
      labelNames: ['route', 'provider', 'model'],
      registers,
    }),
    saved: new client.Counter({
      name: 'tokenwise_saved_usd_total',
      help: 'Dollars saved, by lever',
      labelNames: ['lever'],
      registers,
    }),
    cacheHits: new client.Counter({
      name: 'tokenwise_cache_hits_total',
      help: 'Requests answered from cache or a shared call',
      labelNames: ['kind'],
      registers,
    }),
    latency: new client.Histogram({
      name: 'tokenwise_request_duration_seconds',
      help: 'Request latency',
      labelNames: ['route', 'provider', 'model'],
      registers,
      buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    }),
  };
}

/** Model names labelled as themselves besides the configured ones; any further name is counted as `other`. */
const MAX_UNLISTED_MODELS = 50;
/** Longest model name used as a label. */
const MAX_MODEL_LABEL = 100;

export class UsageMetrics {
  private loaded?: ReturnType<typeof instruments>;
  private readonly unlisted = new Set<string>();

  /** `knownModels`: the configured model names, always labelled as themselves. */
  constructor(
    private readonly queue: () => { active: number; queued: number },
    private readonly knownModels: ReadonlySet<string> = new Set(),
  ) {}

  /**
   * The label for a model name. Callers choose names, and every label set is a series held for the life of the
   * proxy (10,000 names grew it by 150 MB): the configured names, then the first few others, then `other`.
   */
  private modelLabel(model: string): string {
    if (this.knownModels.has(model) || this.unlisted.has(model)) return model;
    if (this.unlisted.size >= MAX_UNLISTED_MODELS || model.length > MAX_MODEL_LABEL || !/^[\w.:/@+-]+$/.test(model))
      return 'other';
    this.unlisted.add(model);
    return model;
  }

  get registry(): Registry {
    return this.metrics().registry;
  }

  /**
   * Counts a batch. Counters are summed per label set first: prom-client hashes the labels on every call, and a
   * batch under load is mostly one model, so this is a few calls per batch instead of eight per request.
   */
  observeAll(records: readonly UsageRecord[]): void {
    const m = this.metrics();
    const series = new Map<
      string,
      {
        labels: { route: string; provider: string; model: string };
        statuses: Map<string, number>;
        input: number;
        output: number;
        cached: number;
        cost?: number;
        baseline?: number;
      }
    >();
    const saved = new Map<string, number>();
    const hits = new Map<string, number>();
    for (const r of records) {
      const model = this.modelLabel(r.modelUsed);
      const key = `${r.route}\0${r.provider}\0${model}`;
      let s = series.get(key);
      if (!s)
        series.set(
          key,
          (s = {
            labels: { route: r.route, provider: r.provider, model },
            statuses: new Map(),
            input: 0,
            output: 0,
            cached: 0,
          }),
        );
      const status = String(r.status);
      s.statuses.set(status, (s.statuses.get(status) ?? 0) + 1);
      s.input += r.usage.inputTokens;
      s.output += r.usage.outputTokens;
      s.cached += r.usage.cachedInputTokens ?? 0;
      if (r.costUsd !== null) s.cost = (s.cost ?? 0) + r.costUsd;
      if (r.baselineCostUsd !== null) s.baseline = (s.baseline ?? 0) + r.baselineCostUsd;
      for (const lever of LEVERS)
        if (r.savedUsd[lever] > 0) saved.set(lever, (saved.get(lever) ?? 0) + r.savedUsd[lever]);
      if (r.cache !== 'miss') hits.set(r.cache, (hits.get(r.cache) ?? 0) + 1);
      m.latency.observe(s.labels, r.latencyMs / 1000);
    }
    for (const { labels, statuses, input, output, cached, cost, baseline } of series.values()) {
      for (const [status, count] of statuses) m.requests.inc({ ...labels, status }, count);
      m.tokens.inc({ kind: 'input', ...labels }, input);
      m.tokens.inc({ kind: 'output', ...labels }, output);
      m.tokens.inc({ kind: 'cached', ...labels }, cached);
      if (cost !== undefined) m.cost.inc(labels, cost);
      if (baseline !== undefined) m.baseline.inc(labels, baseline);
    }
    for (const [lever, usd] of saved) m.saved.inc({ lever }, usd);
    for (const [kind, count] of hits) m.cacheHits.inc({ kind }, count);
  }

  private metrics() {
    return (this.loaded ??= instruments(this.queue));
  }
}
