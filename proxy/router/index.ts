/**
 * @module The router lever's one door. `Router` decides who answers a request (policy, rules, classifier, model
 * names), whether a cloud call fits the budget (or goes local), what to try next when the chosen provider fails, and
 * where the confidence gate applies; every verb returns a new decision and none changes the one it was given. The
 * server builds the policy, the budget guard and the session breaker from the exports below. Nothing outside
 * `proxy/router/` imports the files behind it.
 */
import { usd } from '../../shared/format.ts';
import type { ChatRequest } from '../chat.ts';
import { ProxyError } from '../errors.ts';
import type { Pricing } from '../usage/index.ts';
import { isRefusal, worstCaseCost, type Budget, type Reservation } from './budget.ts';
import { selectRoute, type ModelCatalog, type RouteDecision } from './catalog.ts';
import { fallbackPlan, retryDelayMs, worthFallingBack, type FallbackOptions } from './fallback.ts';
import { routeRequest, type RouteOverride, type RoutePolicy } from './policy.ts';

export {
  BudgetGuard,
  dayOf,
  monthOf,
  worstCaseCost,
  type Budget,
  type BudgetLimits,
  type BudgetRefusal,
  type Reservation,
} from './budget.ts';
export {
  DifficultyClassifier,
  shippedClassifier,
  type CalibrationPoint,
  type ClassifierDecision,
  type DifficultyWeights,
} from './classifier.ts';
export type { FallbackOptions } from './fallback.ts';
export type { RouteOverride, RoutePolicy } from './policy.ts';
export { promptText } from './prompt-terms.ts';
export { ruleFactNames } from './rule-table.ts';
export { selectRoute, type CloudEntry, type ModelCatalog, type RouteDecision } from './catalog.ts';
export {
  overRequests,
  overSpent,
  SessionBreaker,
  sessionId,
  type SessionGate,
  type SessionLimits,
  type SessionSpend,
} from './session.ts';
export { readSignals, type DifficultySignals } from './signals.ts';

/** The provider and upstream model a model name resolves to, or undefined when nothing here serves it. */
export function providerFor(model: string, catalog: ModelCatalog): RouteDecision | undefined {
  try {
    return selectRoute({ model, messages: [], stream: false }, catalog);
  } catch {
    return undefined;
  }
}

export interface RouterOptions {
  catalog: ModelCatalog;
  /** The routing policy (classifier, downgrades); model names alone decide when unset. */
  policy?: RoutePolicy;
  /** The confidence gate's floor now: a routed local answer whose mean token probability is lower goes to the cloud. */
  confidenceFloor?: () => number | undefined;
  /** Dollar limits for cloud calls; none when unset. */
  budget?: { guard: Budget; pricing: Pricing; whenOver: 'local' | 'reject' };
  /** Retries and fallbacks; none when unset. */
  fallback?: FallbackOptions;
}

/** One provider to try; `gated` where the router, not the caller, chose the local model (see `gate`). */
export interface RoutedCall {
  decision: RouteDecision;
  gated: boolean;
}

const NO_RETRIES: FallbackOptions = {
  chain: [],
  lastResortLocal: false,
  retries: 0,
  maxRetryAfterSeconds: 0,
  backoffMs: 0,
};

export class Router {
  constructor(private readonly options: RouterOptions) {}

  /** Who answers `request`: the caller's override, then the policy, then the model name. */
  decide(request: ChatRequest, override: RouteOverride, client: string): RouteDecision {
    const { policy, catalog } = this.options;
    return policy ? routeRequest(request, catalog, policy, override, client) : selectRoute(request, catalog);
  }

  /**
   * Reserves the worst-case cost of a cloud call. Over budget, the request goes to the local model (a new decision)
   * or is refused, as configured.
   */
  async reserve(
    request: ChatRequest,
    decision: RouteDecision,
  ): Promise<{ decision: RouteDecision; reservation?: Reservation }> {
    const { budget, catalog } = this.options;
    if (!budget || decision.target !== 'cloud') return { decision };
    const reservation = await budget.guard.reserve(
      worstCaseCost(request, decision.model, decision.provider.kind, budget.pricing),
    );
    if (!isRefusal(reservation)) return { decision, reservation };
    const why = `the ${reservation.limit} budget of ${usd(reservation.limitUsd)} is spent (${usd(reservation.spentUsd)} used or reserved)`;
    const local = catalog.local;
    if (budget.whenOver === 'local' && local?.health().state === 'ready')
      return { decision: { target: 'local', provider: local, model: 'local', reason: `over budget: ${why}` } };
    throw new ProxyError('rate_limit', `over budget: ${why}`, { code: 'budget_exceeded' });
  }

  /** The calls to try in order: the decision, then its fallbacks. */
  plan(request: ChatRequest, decision: RouteDecision): RoutedCall[] {
    const { fallback, catalog } = this.options;
    const decisions = fallback ? fallbackPlan(request, { ...decision }, catalog, fallback) : [decision];
    // The confidence gate applies where the router chose the local model, never where the caller did.
    return decisions.map((candidate) => ({
      decision: candidate,
      gated: candidate.target === 'local' && request.model !== 'local',
    }));
  }

  /** The confidence gate for a call about to start, at the floor as it stands now (the audit refits it). */
  gate(call: RoutedCall): { confidenceFloor: number } | undefined {
    const confidenceFloor = call.gated ? this.options.confidenceFloor?.() : undefined;
    return confidenceFloor !== undefined ? { confidenceFloor } : undefined;
  }

  /** How long to wait before retrying `call` after `error` (attempt 0-based), or undefined to move on. */
  retryDelayMs(call: RoutedCall, error: unknown, attempt: number): number | undefined {
    // The local model's 503 is its own back-pressure: never hammer it with retries.
    if (call.decision.target === 'local') return undefined;
    return retryDelayMs(error, attempt, this.options.fallback ?? NO_RETRIES);
  }

  /** Whether another provider may answer after `error`. */
  worthFallingBack(error: unknown): boolean {
    return worthFallingBack(error);
  }

  /** The decision that names who answered: a fallback says why the first choice did not. */
  answeredBy(plan: RoutedCall[], index: number, failure: unknown): RouteDecision {
    const candidate = plan[index]!.decision;
    return index === 0
      ? candidate
      : {
          ...candidate,
          reason: `${candidate.reason} (${plan[0]!.decision.provider.name} failed: ${(failure as Error).message})`,
        };
  }
}
