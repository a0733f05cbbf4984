/**
 * @module Which provider answers a request. For now the model name decides: `local`, `auto` (local when it is
 * ready, else the default cloud model), an exact model a provider lists, `provider/model`, or a provider's model
 * pattern. The router issue puts policies in front of this.
 */
import type { ChatRequest } from '../chat.ts';
import { badRequest, ProxyError } from '../errors.ts';
import type { Provider } from '../providers/index.ts';

export interface RouteDecision {
  target: 'local' | 'cloud';
  provider: Provider;
  /** The upstream's own model name. */
  model: string;
  /** Why, in a few words (sent as `x-tokenwise-reason`). */
  reason: string;
}

export interface CloudEntry {
  provider: Provider;
  /** False when the provider has no key and its default base URL: calls would only bounce. */
  configured: boolean;
  missingKeyHint?: string;
  pattern?: RegExp;
}

export interface ModelCatalog {
  local?: Provider;
  cloud: Map<string, CloudEntry>;
  defaultCloudModel: string;
}

/** Decides the provider and upstream model for a request; throws 400/404 in plain words when none fits. */
export function selectRoute(request: ChatRequest, catalog: ModelCatalog): RouteDecision {
  const asked = request.model;
  if (asked === 'local') {
    if (!catalog.local)
      throw badRequest('model "local": the local tier is disabled (TOKENWISE_LOCAL_MODEL=off)', 'model');
    return { target: 'local', provider: catalog.local, model: asked, reason: 'model=local' };
  }
  if (asked === 'auto') {
    const health = catalog.local?.health();
    if (catalog.local && health?.state === 'ready')
      return { target: 'local', provider: catalog.local, model: 'local', reason: 'auto: local model ready' };
    const found = cloudEntryFor(catalog.defaultCloudModel, catalog);
    if (!found?.entry.configured) throw nobodyCanAnswer(catalog, found?.entry);
    return { ...cloudFor(catalog.defaultCloudModel, catalog)!, reason: `auto: local ${health?.state ?? 'disabled'}` };
  }
  const cloud = cloudFor(asked, catalog);
  if (cloud) return cloud;
  const known = [
    'auto',
    ...(catalog.local ? ['local'] : []),
    ...[...catalog.cloud.values()].filter((e) => e.configured).flatMap((e) => e.provider.models()),
  ];
  throw new ProxyError('not_found', `model "${asked}" is not served here; available: ${known.join(', ')}`, {
    param: 'model',
    code: 'model_not_found',
  });
}

/**
 * `auto` when neither tier can answer: 503 naming each tier and why, so the fix is in the message. A local model
 * still loading will be ready soon (retry-after); a missing key or a disabled tier will not.
 */
function nobodyCanAnswer(catalog: ModelCatalog, entry: CloudEntry | undefined): ProxyError {
  const health = catalog.local?.health();
  const local = health
    ? `the model is ${health.state}${health.detail ? ` (${health.detail})` : ''}`
    : 'disabled (local.model is off)';
  const entries = [...catalog.cloud.values()];
  const missing = entries
    .filter((e) => !e.configured)
    .map((e) => `no key for ${e.provider.name} (${e.missingKeyHint})`);
  const unused = entries
    .filter((e) => e.configured)
    .map((e) => `${e.provider.name} has a key but does not serve defaultCloudModel "${catalog.defaultCloudModel}"`);
  const cloud = [
    ...(entry ? [] : [`no provider serves defaultCloudModel "${catalog.defaultCloudModel}"`]),
    ...missing,
    ...unused,
  ].join(', ');
  const soon = health?.state === 'loading' || health?.state === 'downloading';
  return new ProxyError('overloaded', `model "auto": nothing can answer. local: ${local}; cloud: ${cloud}`, {
    code: 'no_tier_available',
    ...(soon ? { retryAfterSeconds: 10 } : {}),
  });
}

function cloudEntryFor(asked: string, catalog: ModelCatalog): { entry: CloudEntry; model: string } | undefined {
  const slash = asked.indexOf('/');
  const prefixed = slash > 0 ? catalog.cloud.get(asked.slice(0, slash)) : undefined;
  if (prefixed) return { entry: prefixed, model: asked.slice(slash + 1) };
  const entry =
    [...catalog.cloud.values()].find((e) => e.provider.models().includes(asked)) ??
    [...catalog.cloud.values()].find((e) => e.pattern?.test(asked));
  return entry && { entry, model: asked };
}

function cloudFor(asked: string, catalog: ModelCatalog): RouteDecision | undefined {
  const found = cloudEntryFor(asked, catalog);
  if (!found) return undefined;
  const { entry, model } = found;
  if (!entry.configured)
    throw badRequest(
      `model "${asked}" is served by provider "${entry.provider.name}", which is not configured: ${entry.missingKeyHint}`,
      'model',
    );
  return { target: 'cloud', provider: entry.provider, model, reason: `model=${asked}` };
}
