/**
 * @module Replays sessions turn by turn through the real Pipeline, in-process, against the simulated providers, and
 * accounts for every turn: what the baseline (the premium model, no Tokenwise, the client's request as sent) is
 * billed, what Tokenwise's answer cost, the saving split by lever, and the quality checks.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { collect, type ChatChunk, type ChatRequest } from '../../chat.ts';
import { requestKeys } from '../../cache/key.ts';
import { InFlight } from '../../cache/coalesce.ts';
import { LexicalEmbedder } from '../../cache/semantic/embedder.ts';
import { SemanticCache } from '../../cache/semantic/semantic-cache.ts';
import { ExactCache } from '../../cache/store.ts';
import type { Config } from '../../config/schema.ts';
import { structureProblems } from '../../context/structure.ts';
import { ProxyError } from '../../errors.ts';
import { Pipeline, type PipelineResult } from '../../pipeline.ts';
import { BudgetGuard } from '../../router/budget.ts';
import type { CloudEntry, ModelCatalog } from '../../router/catalog.ts';
import { SessionBreaker } from '../../router/session.ts';
import { fitOptions, routePolicy } from '../../server.ts';
import { closeDatabase, openDatabase } from '../../storage/database.ts';
import { Pricing } from '../../usage/pricing.ts';
import { priceRequest, type FinishedRequest, type Lever } from '../../usage/record.ts';
import { contextOf, droppedItems } from './quality.ts';
import type { ReplaySession, ReplayTurn } from './sessions.ts';
import { ReplayScript, SimulatedCloud, SimulatedLocal } from './simulated-providers.ts';
import { withModel } from '../../wire.ts';

/** Traces carry no times: an agent turn (model call plus command) every 30 s, well inside a 5-minute cache TTL. */
export const TURN_GAP_MS = 30_000;
/** Untimed sessions a day apart: no prompt-cache entry of one session lives on into the next. */
const SESSION_GAP_MS = 86_400_000;

export interface TurnOutcome {
  session: string;
  baselineUsd: number;
  actualUsd: number;
  savedUsd: Record<Lever, number>;
  route: 'local' | 'cloud' | 'refused';
  cache: FinishedRequest['cache'];
  trimmed: boolean;
  usedItems: number;
  droppedItems: number;
  droppedExamples: string[];
  differingContextHit: boolean;
  invalidRequest: boolean;
  /** A price genai-prices does not know: the turn's dollars are left out. */
  unpriced?: string;
}

export interface ReplayRun {
  /** The model baselines are billed on. */
  premiumModel: string;
  config: Config;
  sessions: ReplaySession[];
  /** Called as the work advances (done, total), for a progress line. */
  onProgress?: (done: number, total: number) => void;
}

interface Timed {
  session: string;
  turn: ReplayTurn;
  time: number;
}

/** Every turn on one clock: recorded times as they were; untimed sessions one after another. */
function timeline(sessions: ReplaySession[]): Timed[] {
  const timed: Timed[] = [];
  sessions.forEach((session, s) => {
    session.turns.forEach((turn, t) =>
      timed.push({ session: session.id, turn, time: turn.time ?? (s + 1) * SESSION_GAP_MS + t * TURN_GAP_MS }),
    );
  });
  return timed.sort((a, b) => a.time - b.time);
}

/** The cloud side of the catalog: one simulated provider per configured provider, all with keys. */
function simulatedClouds(config: Config, script: ReplayScript): Map<string, CloudEntry> {
  const cloud = new Map<string, CloudEntry>();
  for (const [name, entry] of Object.entries(config.providers)) {
    const provider = new SimulatedCloud(
      { name, kind: entry.kind, promptCaching: config.cache.promptCaching, models: entry.models },
      script,
    );
    cloud.set(name, {
      provider,
      configured: true,
      pattern: entry.modelPattern ? new RegExp(entry.modelPattern) : undefined,
    });
  }
  return cloud;
}

const kindOf = (model: string): 'anthropic' | 'openai' => (/^claude-/.test(model) ? 'anthropic' : 'openai');

async function drain(result: PipelineResult): Promise<void> {
  async function* all(): AsyncGenerator<ChatChunk> {
    yield result.first;
    for (let next = await result.rest.next(); !next.done; next = await result.rest.next()) yield next.value;
  }
  await collect(all());
}

/** Runs every turn through a fresh pipeline built from `config`; returns one outcome per turn, in time order. */
export async function replayTurns(run: ReplayRun): Promise<TurnOutcome[]> {
  const { config, premiumModel } = run;
  const script = new ReplayScript();
  const clock = () => script.now;
  const local = config.local.model === 'off' ? undefined : new SimulatedLocal(script, config.local.contextSize ?? 8192);
  await local?.start();
  const catalog: ModelCatalog = {
    local,
    cloud: simulatedClouds(config, script),
    defaultCloudModel: config.defaultCloudModel,
  };
  const pricing = new Pricing({
    overrides: config.usage.priceOverrides,
    localCostPerHour: config.usage.localCostPerHour,
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwise-replay-'));
  const db = openDatabase(path.join(dir, 'replay.db'));
  const { exact, semantic: semanticConfig, coalesce } = config.cache;
  const cache = exact.enabled
    ? new ExactCache(db, { maxBytes: exact.maxBytes, ttlSeconds: exact.ttlSeconds, flushIntervalMs: 1000 })
    : undefined;
  const semantic =
    cache && semanticConfig.enabled && semanticConfig.embedder === 'lexical'
      ? new SemanticCache({
          embedder: new LexicalEmbedder(),
          ...(semanticConfig.threshold !== undefined ? { threshold: semanticConfig.threshold } : {}),
        })
      : undefined;
  const finished: FinishedRequest[] = [];
  const { dailyUsd, monthlyUsd, whenOver, session: sessionLimits } = config.budget;
  const pipeline = new Pipeline({
    catalog,
    usage: { record: (f) => finished.push(f) },
    cache,
    semantic,
    inFlight: coalesce ? new InFlight() : undefined,
    cacheMode: exact.mode,
    semanticOffFor: semanticConfig.offForClients,
    fit: fitOptions(config, local),
    policy: await routePolicy(config, local),
    ...(dailyUsd !== undefined || monthlyUsd !== undefined
      ? {
          budget: {
            guard: new BudgetGuard({ dailyUsd, monthlyUsd }, { todayUsd: 0, monthUsd: 0 }, () => new Date(clock())),
            pricing,
            whenOver,
          },
        }
      : {}),
    ...(sessionLimits.enabled ? { sessions: { breaker: new SessionBreaker(sessionLimits, clock), pricing } } : {}),
  });
  const baseline = new SimulatedCloud(
    { name: 'baseline', kind: kindOf(premiumModel), promptCaching: false, models: [premiumModel] },
    script,
  );
  const baselineCounter = await baseline.counter(premiumModel);
  const filled = new Map<string, ChatRequest>();
  const filledNear = new Map<string, ChatRequest[]>();
  const outcomes: TurnOutcome[] = [];
  try {
    const turns = timeline(run.sessions);
    for (const [n, { session, turn, time }] of turns.entries()) {
      run.onProgress?.(n, turns.length);
      script.turn(turn.answer, time);
      const asSent = withModel(turn.request, premiumModel);
      const billed = baseline.bill(asSent, premiumModel, baselineCounter);
      const outputTokens =
        turn.answer.outputTokens ??
        baselineCounter.text(turn.answer.text) +
          turn.answer.toolCalls.reduce((n, c) => n + baselineCounter.text(c.arguments), 0);
      const baselineUsd = pricing.cost(premiumModel, kindOf(premiumModel), { ...billed, outputTokens }) ?? 0;
      const before = finished.length;
      let result: PipelineResult | undefined;
      try {
        result = await pipeline.run(turn.request, {
          signal: new AbortController().signal,
          client: turn.client,
          api: turn.api,
          arrived: performance.now(),
          ...turn.directives,
        });
        await drain(result);
      } catch (error) {
        if (!(error instanceof ProxyError)) throw error;
      }
      const record = finished.slice(before).at(-1);
      outcomes.push(
        account({
          session,
          turn,
          baselineUsd,
          record,
          result,
          pricing,
          premiumModel,
          delivered: script.delivered,
          filled,
          filledNear,
        }),
      );
    }
  } finally {
    cache?.close();
    closeDatabase(db, path.join(dir, 'replay.db'));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return outcomes;
}

interface Accounting {
  session: string;
  turn: ReplayTurn;
  baselineUsd: number;
  record: FinishedRequest | undefined;
  result: PipelineResult | undefined;
  pricing: Pricing;
  premiumModel: string;
  delivered: ReplayScript['delivered'];
  filled: Map<string, ChatRequest>;
  filledNear: Map<string, ChatRequest[]>;
}

/**
 * One turn's outcome. The levers add up to baseline − actual: a cached answer saves the whole baseline, a local one
 * too (routing); on a cloud model, routing is what its price saves over the premium model's and trimming what the
 * removed tokens cost at full price, and prompt caching is the rest (what the provider's cache did better than
 * the baseline's own, net of anything trimming cost it).
 */
function account(a: Accounting): TurnOutcome {
  const savedUsd: Record<Lever, number> = { cache: 0, coalescing: 0, routing: 0, trimming: 0, promptCache: 0 };
  const base = {
    session: a.session,
    baselineUsd: a.baselineUsd,
    savedUsd,
    trimmed: false,
    usedItems: 0,
    droppedItems: 0,
    droppedExamples: [] as string[],
    differingContextHit: false,
    invalidRequest: false,
  };
  const { record, result } = a;
  if (!record || record.status >= 400 || !result) return { ...base, actualUsd: 0, route: 'refused', cache: 'miss' };
  const priced = priceRequest(0, record, a.pricing, { baselineModel: a.premiumModel, premiumModel: a.premiumModel });
  const actualUsd = priced.costUsd ?? 0;
  const outcome: TurnOutcome = {
    ...base,
    actualUsd,
    route: record.route,
    cache: record.cache,
    ...(priced.costUsd === null ? { unpriced: record.modelUsed } : {}),
  };
  const { turn } = a;
  const keys = requestKeys(turn.request, result.decision.provider.name, result.decision.model);
  if (record.cache === 'exact')
    outcome.differingContextHit =
      contextOf(a.filled.get(keys.exact) ?? turn.request) !== contextOf(turn.request) || !a.filled.has(keys.exact);
  if (record.cache === 'semantic')
    outcome.differingContextHit = !(a.filledNear.get(keys.semantic?.contextKey ?? '') ?? []).some(
      (r) => contextOf(r, true) === contextOf(turn.request, true),
    );
  // Every answered request is remembered, whichever the cache mode lets the pipeline store.
  if (record.cache === 'miss') {
    a.filled.set(keys.exact, turn.request);
    if (keys.semantic)
      a.filledNear.set(keys.semantic.contextKey, [...(a.filledNear.get(keys.semantic.contextKey) ?? []), turn.request]);
  }
  const saved = a.baselineUsd - actualUsd;
  if (record.cache === 'exact' || record.cache === 'semantic') savedUsd.cache = saved;
  else if (record.cache === 'coalesced') savedUsd.coalescing = saved;
  else if (record.route === 'local') savedUsd.routing = saved;
  else {
    savedUsd.routing = priced.savedUsd.routing;
    savedUsd.trimming = priced.savedUsd.trimming;
    savedUsd.promptCache = saved - savedUsd.routing - savedUsd.trimming;
  }
  const clientProblems = structureProblems(turn.request.messages).length;
  for (const delivery of a.delivered) {
    // A client's own malformed request is not Tokenwise's to count; one that a lever broke is.
    if (delivery.problems.length > clientProblems) outcome.invalidRequest = true;
    if (delivery.request.messages !== turn.request.messages) {
      outcome.trimmed = true;
      const dropped = droppedItems(turn.request, delivery.request, turn.answer);
      outcome.usedItems += dropped.used;
      outcome.droppedItems += dropped.dropped;
      outcome.droppedExamples.push(...dropped.examples);
    }
  }
  return outcome;
}
