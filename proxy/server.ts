/**
 * @module Assembles the proxy from a Config — providers, model catalog, pipeline, HTTP app — and listens.
 * The CLI, the VS Code extension and the tests all start it through `startProxy`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createApp } from './api/app.ts';
import { limitConnections, serverTimeouts } from './api/connections.ts';
import { followLocalModel, startAudit } from './audit/start.ts';
import type { QualityAudit } from './audit/index.ts';
import { cacheControl, ExactCache, InFlight, startSemanticCache, type SemanticCache } from './cache/index.ts';
import { apiKeyOf, ConfigError } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { resolveToken } from './config/token.ts';
import { DEFAULT_TRIM_OPTIONS, localSummarizer, type FitOptions } from './context/index.ts';
import { Pipeline } from './pipeline.ts';
import {
  AnthropicProvider,
  LlamaHost,
  LocalProvider,
  OpenAIProvider,
  resolveModelPath,
  type LocalProviderEvents,
  type Provider,
} from './providers/index.ts';
import { SessionRecorder } from './record/recorder.ts';
import {
  BudgetGuard,
  ruleFactNames,
  SessionBreaker,
  shippedClassifier,
  type CloudEntry,
  type ModelCatalog,
  type RoutePolicy,
} from './router/index.ts';
import { closeDatabase, openDatabase } from './storage/database.ts';
import type { Team } from './team/index.ts';
import { UsageRecorder } from './usage/index.ts';

export const VERSION = '0.1.0';

const officialBaseUrls = new Set(['https://api.openai.com/v1', 'https://api.anthropic.com']);

export interface ProxyOptions extends LocalProviderEvents {
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface RunningProxy {
  url: string;
  token: string;
  local?: LocalProvider;
  catalog: ModelCatalog;
  usage: UsageRecorder;
  cache?: ExactCache;
  /** The quality audit, when the router's classifier is on. */
  audit?: QualityAudit;
  close(): Promise<void>;
}

/** Builds the cloud side of the catalog: one provider per config entry, flagged when it lacks a key. */
export function cloudCatalog(config: Config, env: NodeJS.ProcessEnv): Map<string, CloudEntry> {
  const cloud = new Map<string, CloudEntry>();
  for (const [name, entry] of Object.entries(config.providers)) {
    const apiKey = apiKeyOf(entry, env);
    const options = {
      name,
      baseUrl: entry.baseUrl,
      apiKey,
      headers: entry.headers,
      models: entry.models,
      timeoutMs: config.upstream.timeoutMs,
      idleTimeoutMs: config.upstream.idleTimeoutMs,
    };
    const provider =
      entry.kind === 'anthropic'
        ? new AnthropicProvider({ ...options, promptCaching: config.cache.promptCaching })
        : new OpenAIProvider(options);
    // A key, or a custom base URL (Ollama, vLLM and llama.cpp servers need no key), makes a provider usable.
    const configured = apiKey !== undefined || !officialBaseUrls.has(entry.baseUrl.replace(/\/+$/, ''));
    cloud.set(name, {
      provider,
      configured,
      missingKeyHint: entry.apiKeyEnv ? `set ${entry.apiKeyEnv}` : `set providers.${name}.apiKeyEnv`,
      pattern: entry.modelPattern ? new RegExp(entry.modelPattern) : undefined,
    });
  }
  return cloud;
}

/** The local tier as trimming sees it: a provider (for summaries) with its window and tokenizer once loaded. */
export type LocalTier = Provider & {
  readonly window: { contextSize: number; countTokens: (text: string) => number } | undefined;
};

/** Context trimming as configured, with the local model's own window and tokenizer once it is loaded. */
export function fitOptions(config: Config, local: LocalTier | undefined): FitOptions | undefined {
  const { context } = config;
  if (!context.enabled) return undefined;
  return {
    minCloudSaving: context.minCloudSaving,
    local: () => local?.window,
    cachesPrefix: (decision) =>
      decision.provider.kind === 'openai' || (decision.provider.kind === 'anthropic' && config.cache.promptCaching),
    overrides: {
      budgets: {
        ...DEFAULT_TRIM_OPTIONS.budgets,
        ...(context.maxInputTokens ? { maxInputTokens: context.maxInputTokens } : {}),
      },
      normalize: { enabled: context.normalize },
      dedupe: { enabled: context.dedupe },
      truncate: { enabled: context.truncate },
      select: { enabled: context.select },
      window: { enabled: context.window },
      summary: {
        enabled: context.summary && local !== undefined,
        ...(local ? { summarizer: localSummarizer(local) } : {}),
      },
    },
  };
}

/** The routing policy; the classifier's weights ship with the proxy (bundled, ~0.7 MB) and load only when used. */
export async function routePolicy(config: Config, local: Provider | undefined): Promise<RoutePolicy> {
  const {
    classifier: enabled,
    qualityFloor,
    cloudShare,
    allowDowngrade,
    rules,
    clientModels,
    sideCalls,
  } = config.router;
  const agents = { clientModels, sideCallsLocal: sideCalls === 'local' };
  if (!enabled || !local) return { rules, allowDowngrade, ...agents };
  const operatingPoint =
    cloudShare !== undefined ? { cloudShare } : qualityFloor !== undefined ? { qualityFloor } : undefined;
  return {
    rules,
    classifier: await shippedClassifier(),
    allowDowngrade,
    ...agents,
    ...(operatingPoint ? { operatingPoint } : {}),
  };
}

/** The budget guard, when a limit is set, starting from what the ledger already holds for today and this month. */
function budgetGuard(config: Config, usage: UsageRecorder) {
  const { dailyUsd, monthlyUsd, whenOver } = config.budget;
  if (dailyUsd === undefined && monthlyUsd === undefined) return undefined;
  const now = new Date();
  const spent = (since: Date) => usage.summary(since.getTime(), Date.now() + 1).totals.costUsd;
  const guard = new BudgetGuard(
    { dailyUsd, monthlyUsd },
    {
      todayUsd: spent(new Date(now.getFullYear(), now.getMonth(), now.getDate())),
      monthUsd: spent(new Date(now.getFullYear(), now.getMonth(), 1)),
    },
  );
  return { guard, pricing: usage.pricing, whenOver };
}

/** The per-session breaker, unless switched off. */
function sessionBreaker(config: Config, usage: UsageRecorder) {
  const { enabled, ...limits } = config.budget.session;
  return enabled ? { breaker: new SessionBreaker(limits), pricing: usage.pricing } : undefined;
}

/** Starts the proxy; resolves once it listens (the local model keeps loading in the background). */
export async function startProxy(config: Config, options: ProxyOptions = {}): Promise<RunningProxy> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const known = ruleFactNames();
  for (const rule of config.router.rules) {
    for (const name of Object.keys(rule.when))
      if (!known.includes(name))
        throw new ConfigError(
          `invalid configuration:\n  router.rules: unknown signal "${name}" (known: ${known.join(', ')})`,
        );
  }
  const token = resolveToken(config.token, config.dataDir);
  let audit: QualityAudit | undefined;
  // The audit keys its calibration by the model file, which is known once the model loads.
  const onStateChange: LocalProviderEvents['onStateChange'] = (health) => {
    if (health.state === 'ready' && audit) void followLocalModel(audit, local!, log);
    options.onStateChange?.(health);
  };
  // One llama.cpp instance for the process: the chat model and a GGUF embedder load on it, with `local.gpu` and `local.threads`.
  const llama = new LlamaHost(config.local);
  const local =
    config.local.model === 'off' ? undefined : new LocalProvider(config.local, { ...options, onStateChange }, llama);
  const catalog: ModelCatalog = {
    local,
    cloud: cloudCatalog(config, env),
    defaultCloudModel: config.defaultCloudModel,
  };
  const dataFile = path.join(config.dataDir, 'tokenwise.db');
  const db = openDatabase(dataFile, log);
  const usage = new UsageRecorder({ config, db, localQueue: () => local?.stats ?? { active: 0, queued: 0 }, log });
  const cache = config.cache.exact.enabled
    ? new ExactCache(db, {
        maxBytes: config.cache.exact.maxBytes,
        ttlSeconds: config.cache.exact.ttlSeconds,
        flushIntervalMs: config.usage.flushIntervalMs,
      })
    : undefined;
  const inFlight = config.cache.coalesce ? new InFlight() : undefined;
  const budget = budgetGuard(config, usage);
  const sessions = sessionBreaker(config, usage);
  // Team mode loads the Redis client only when configured.
  const team: Team | undefined = config.redis.url
    ? (await import('./team/index.ts')).createTeam(
        config,
        token,
        { cache, inFlight, guard: budget?.guard, breaker: sessions?.breaker, usage },
        log,
      )
    : undefined;
  const policy = await routePolicy(config, local);
  audit = startAudit(config, { db, catalog, policy, pricing: usage.pricing, log });
  const pipeline = new Pipeline({
    catalog,
    usage,
    cache: team?.cache ?? cache,
    inFlight: team?.inFlight ?? inFlight,
    cacheMode: config.cache.exact.mode,
    semanticOffFor: config.cache.semantic.offForClients,
    fallback: { ...config.router, chain: config.router.fallback },
    fit: fitOptions(config, local),
    budget: budget && team?.budget ? { ...budget, guard: team.budget } : budget,
    policy,
    confidenceFloor: gateFloor(config.router.confidenceFloor, audit),
    sessions: sessions && team?.sessions ? { ...sessions, breaker: team.sessions } : sessions,
    audit,
  });
  const secrets = [token, ...Object.values(config.providers).flatMap((entry) => apiKeyOf(entry, env) ?? [])];
  const recordings = config.record.dir ?? path.join(config.dataDir, 'recordings');
  const recorder = new SessionRecorder({ dir: config.record.dir, fallbackDir: recordings, secrets, log });
  const app = createApp({
    config,
    token,
    pipeline,
    catalog,
    log,
    recorder,
    // Loaded on first use: the replay code is not needed to serve requests.
    whatIf: async (since) => (await import('./record/what-if.ts')).whatIf(config, recordings, since),
    usage,
    cache: cacheControl(cache, () => semantic),
    team: team?.usage,
    audit,
    ...(local ? { doctor: (signal: AbortSignal) => local.diagnose(signal) } : {}),
    health: () => ({
      status: 'ok',
      service: 'tokenwise',
      version: VERSION,
      pid: process.pid,
      local: local ? local.health() : { state: 'disabled' },
      providers: Object.fromEntries(
        [...catalog.cloud].map(([name, entry]) => [name, entry.configured ? 'configured' : 'no key']),
      ),
      ...(team ? { redis: team.redis.state } : {}),
      // The limits the panel draws its budget gauge against (the guard itself stays in the pipeline).
      budget: { dailyUsd: config.budget.dailyUsd ?? null, monthlyUsd: config.budget.monthlyUsd ?? null },
    }),
  });
  void local?.start();
  let semantic: SemanticCache | undefined;
  if (cache && config.cache.semantic.enabled) {
    const judge = local
      ? {
          ready: () => local.isReady(),
          judge: (stored: string, asked: string, signal: AbortSignal) => local.judge(stored, asked, signal),
        }
      : undefined;
    const resolve = (uri: string) => resolveModelPath({ ...config.local, model: uri }, () => {});
    // Attached once its embedder is ready: a GGUF model may be downloaded first, like the chat model.
    void startSemanticCache(config, cache, { judge, llama: () => llama.get(), resolve, log }).then((ready) => {
      if (ready) pipeline.attachSemantic(ready);
      semantic = ready;
    });
  }

  const server = http.createServer(serverTimeouts(config.connections), app).listen(config.port, config.host);
  limitConnections(server, config.connections);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.keepAliveTimeout = 65_000;
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${port}`,
    token,
    local,
    catalog,
    usage,
    cache,
    audit,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await audit?.idle();
      await team?.close();
      usage.close();
      cache?.close();
      closeDatabase(db, dataFile);
      await local?.close();
      await llama.close();
    },
  };
}

/** The confidence gate's floor: the configured number, the audit's fitted one (`audit`), or none (`off`). */
function gateFloor(setting: number | 'audit' | 'off', audit: QualityAudit | undefined): () => number | undefined {
  if (typeof setting === 'number') return () => setting;
  return setting === 'audit' && audit ? () => audit.confidenceFloor() : () => undefined;
}
