/**
 * @module The router lever's one door: `Router` decides who answers (with the budget and the confidence gate) and
 * what to try when that fails; the server builds the policy, the budget guard and the session breaker from here.
 * Nothing outside `proxy/router/` imports the files behind it.
 */
import { selectRoute, type ModelCatalog, type RouteDecision } from './catalog.ts';

export { BudgetGuard, dayOf, monthOf, worstCaseCost, type Budget, type BudgetLimits, type BudgetRefusal, type Reservation } from './budget.ts';
export { DifficultyClassifier, type CalibrationPoint, type ClassifierDecision, type DifficultyWeights } from './classifier.ts';
export type { FallbackOptions } from './fallback.ts';
export type { RouteOverride, RoutePolicy } from './policy.ts';
export { promptText } from './prompt-terms.ts';
export { Router, type RoutedCall, type RouterOptions } from './router.ts';
export { ruleFactNames } from './rule-table.ts';
export { selectRoute, type CloudEntry, type ModelCatalog, type RouteDecision } from './catalog.ts';
export { overRequests, overSpent, SessionBreaker, sessionId, type SessionGate, type SessionLimits, type SessionSpend } from './session.ts';
export { readSignals, type DifficultySignals } from './signals.ts';

/** The provider and upstream model a model name resolves to, or undefined when nothing here serves it. */
export function providerFor(model: string, catalog: ModelCatalog): RouteDecision | undefined {
  try {
    return selectRoute({ model, messages: [], stream: false }, catalog);
  } catch {
    return undefined;
  }
}
