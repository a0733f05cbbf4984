/**
 * @module The routing policy in front of model-name resolution: the caller's `x-tokenwise-route` header first, then
 * — for `auto`, and for a named cloud model when downgrades are allowed — the rule table, then the learned
 * difficulty classifier: easy prompts to the local model, hard ones to the cloud. Every decision says why.
 */
import type { ChatRequest } from '../chat.ts';
import type { ClassifierDecision, DifficultyClassifier, OperatingPoint } from './classifier.ts';
import { isSideCall, mappedModel, type ClientModels } from './agents.ts';
import { matchRule, type RouteRule } from './rule-table.ts';
import { selectRoute, type ModelCatalog, type RouteDecision } from './catalog.ts';

export interface RoutePolicy {
  /** Checked first, in order; the first match decides. */
  rules: RouteRule[];
  classifier?: DifficultyClassifier;
  /** Where the classifier's threshold sits: a target share of cloud calls, or a quality floor. */
  operatingPoint?: OperatingPoint;
  /** A cloud model the client named may be answered locally when the classifier finds the prompt easy. */
  allowDowngrade: boolean;
  /** Per-client model map: what a tool asks for → what answers. */
  clientModels?: ClientModels;
  /** Agents' title and summary side calls go to the local model. */
  sideCallsLocal?: boolean;
  /** Moves the classifier's verdict to the operating point the quality audit calibrated for the local model. */
  calibrate?: (request: ChatRequest, verdict: ClassifierDecision) => ClassifierDecision;
}

export type RouteOverride = 'local' | 'cloud' | undefined;

/** Decides who answers `request`, honouring the caller's override and the policy. */
export function routeRequest(
  asked: ChatRequest,
  catalog: ModelCatalog,
  policy: RoutePolicy,
  override: RouteOverride,
  client = 'unknown',
): RouteDecision {
  const mapped = policy.clientModels ? mappedModel(policy.clientModels, client, asked.model) : undefined;
  const request = mapped ? { ...asked, model: mapped } : asked;
  const named = mapped
    ? {
        ...selectRoute(request, catalog),
        reason: `${client} asked for ${asked.model}: router.clientModels maps it to ${mapped}`,
      }
    : selectRoute(request, catalog);
  const localReady = catalog.local?.health().state === 'ready';
  if (override === 'local' && catalog.local)
    return { target: 'local', provider: catalog.local, model: 'local', reason: 'x-tokenwise-route: local' };
  if (
    policy.sideCallsLocal &&
    !override &&
    catalog.local &&
    localReady &&
    named.target === 'cloud' &&
    isSideCall(request)
  ) {
    return {
      target: 'local',
      provider: catalog.local,
      model: 'local',
      reason: `${client} side call (title or summary, no tools): router.sideCalls is local`,
    };
  }
  if (override === 'cloud') {
    if (named.target === 'cloud') return { ...named, reason: 'x-tokenwise-route: cloud' };
    return {
      ...selectRoute({ ...request, model: catalog.defaultCloudModel }, catalog),
      reason: 'x-tokenwise-route: cloud',
    };
  }
  const judged = request.model === 'auto' || (named.target === 'cloud' && policy.allowDowngrade);
  if (!judged || request.model === 'local') return named;
  const rule = matchRule(policy.rules, request, client);
  if (rule) {
    const reason = `rule ${rule.name ?? JSON.stringify(rule.when)}`;
    if (rule.route === 'local' && catalog.local && localReady)
      return { target: 'local', provider: catalog.local, model: 'local', reason };
    if (rule.route === 'cloud')
      return named.target === 'cloud'
        ? { ...named, reason }
        : { ...selectRoute({ ...request, model: catalog.defaultCloudModel }, catalog), reason };
  }
  if (!policy.classifier || !localReady) return named;
  const decided = policy.classifier.decide(request.messages, policy.operatingPoint);
  const verdict = policy.calibrate ? policy.calibrate(request, decided) : decided;
  if (verdict.target === 'local')
    return { target: 'local', provider: catalog.local!, model: 'local', reason: verdict.reason };
  if (named.target === 'cloud') return { ...named, reason: verdict.reason };
  return { ...selectRoute({ ...request, model: catalog.defaultCloudModel }, catalog), reason: verdict.reason };
}
