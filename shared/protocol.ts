/**
 * @module Every message that crosses a boundary of the VS Code side: what the extension reads from the proxy's
 * control endpoints, and what the extension and the sidebar panel say to each other. The extension and the webview
 * bundles both import this module; no message is defined anywhere else, and messages from the webview are checked
 * here (`parsePanelMessage`) because a webview is untrusted input.
 */
import type { AuditReport } from '../proxy/audit/report.ts';
import type { WhatIf } from '../proxy/record/what-if.ts';
import type { BackendReport } from './llama-backends.ts';

export type { AuditReport, WhatIf };

/** The proxy's control endpoints, on the proxy's own origin. */
export const ROUTES = {
  health: '/tokenwise/health',
  usage: '/tokenwise/usage',
  conversations: '/tokenwise/conversations',
  events: '/tokenwise/events',
  cache: '/tokenwise/cache',
  doctor: '/tokenwise/doctor',
  whatIf: '/tokenwise/whatif',
  audit: '/tokenwise/audit',
  metrics: '/metrics',
} as const;

/** Control routes open without the token: a supervisor's liveness check and the Prometheus scrape (no secrets). */
export const PUBLIC_ROUTES: readonly string[] = [ROUTES.health, ROUTES.metrics];
/** Every other control route needs the token. */
export const PRIVATE_ROUTES: string[] = Object.values(ROUTES).filter((route) => !PUBLIC_ROUTES.includes(route));

/** Event names on GET /tokenwise/events: one `request` per finished request, and today's `totals` every few seconds. */
export const EVENTS = { request: 'request', totals: 'totals' } as const;

/** What a provider says of itself (the local tier in the health body). */
export interface ProviderHealth {
  /** `ready` answers now; `loading`/`downloading` will soon; `unavailable` will not without a fix (see `detail`). */
  state: 'ready' | 'loading' | 'downloading' | 'unavailable' | 'disabled';
  detail?: string;
  /** Download progress, 0–1, while downloading. */
  progress?: number;
}

/** The levers a saving is attributed to. */
export const LEVERS = ['cache', 'coalescing', 'routing', 'trimming', 'promptCache'] as const;
export type Lever = (typeof LEVERS)[number];

/** What a finished request looks like on the wire (GET /tokenwise/events, and from there the panel). */
export interface RequestEvent {
  id: number;
  time: number;
  client: string;
  modelAsked: string;
  modelUsed: string;
  provider: string;
  route: 'local' | 'cloud';
  reason: string;
  cache: string;
  status: number;
  error?: string;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  costUsd: number | null;
  baselineCostUsd: number | null;
  savedUsd: number;
  latencyMs: number;
}

/** How GET /tokenwise/usage may group its totals (`groupBy`). */
export const GROUP_BYS = ['day', 'hour', 'minute', 'model', 'route', 'client', 'provider'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

/** Totals over the ledger, overall or for one group. */
export interface UsageTotals {
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  costUsd: number;
  baselineCostUsd: number;
  savedUsd: number;
  savedByLever: Record<Lever, number>;
  /** Requests whose model has no known price (their cost is not in costUsd). */
  unpricedRequests: number;
  cacheHitRate: number;
  localShare: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
}

/** The body of GET /tokenwise/usage. */
export interface UsageSummary {
  since: number;
  until: number;
  groupBy?: GroupBy;
  totals: UsageTotals;
  groups?: (UsageTotals & { key: string })[];
}

/** What one agent conversation cost (its requests within one client), from its first to its last request. */
export interface ConversationTotals {
  /** The session id the requests carried (an agent's session id, or a hash of the first user message). */
  id: string;
  client: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  savedUsd: number;
  /** Epoch ms of its first and last request in the range. */
  first: number;
  last: number;
}

/** The body of GET /tokenwise/conversations. */
export interface ConversationsReply {
  since: number;
  until: number;
  conversations: ConversationTotals[];
}

/** The body of GET /tokenwise/health. */
export interface ProxyHealth {
  status: 'ok';
  service: 'tokenwise';
  version: string;
  pid: number;
  /** `backends`: which llama.cpp backends work here and which a download would enable (see shared/llama-backends.ts). */
  local: ProviderHealth & { model?: string; backends?: BackendReport };
  providers: Record<string, string>;
  /** The budget's dollar limits (null: none set); absent from proxies older than the budget gauge. */
  budget?: { dailyUsd: number | null; monthlyUsd: number | null };
  /** Team mode: whether the shared Redis answers. */
  redis?: 'ok' | 'unavailable';
}

/** The semantic cache verifier's running totals. */
export interface VerifierStats {
  confirmed: number;
  rejected: number;
  failed: number;
  unverified: number;
  inputTokens: number;
  outputTokens: number;
}

/** The body of GET /tokenwise/cache: the exact cache's size and hit counts, and the semantic index's. */
export type CacheReport =
  | { enabled: false }
  | {
      enabled: true;
      entries: number;
      bytes: number;
      memoryEntries: number;
      memoryBytes: number;
      hits: number;
      misses: number;
      semanticEntries: number;
      /** The verifier's counts (null: no verifier). */
      semanticVerifier: VerifierStats | null;
    };

/** True when a health answer comes from a Tokenwise proxy (and not some other server on the port). */
export function isProxyHealth(body: unknown): body is ProxyHealth {
  const b = body as Partial<ProxyHealth> | null;
  return (
    typeof b === 'object' && b !== null && b.service === 'tokenwise' && b.status === 'ok' && typeof b.pid === 'number'
  );
}

/** What the supervisor is doing, as the status bar and the panel show it. */
export type ProxyState =
  | { kind: 'stopped' }
  | { kind: 'starting' }
  | {
      kind: 'running';
      url: string;
      pid: number;
      attached: boolean;
      local?: ProxyHealth['local'];
      budget?: ProxyHealth['budget'];
    }
  | { kind: 'restarting'; attempt: number; reason: string }
  | { kind: 'failed'; reason: string };

/** One bar of the spend-vs-baseline chart. */
export interface SpendPoint {
  /** The ledger's group key: `2025-01-31T14:05` (minute) or `2025-01-31` (day), local time. */
  key: string;
  costUsd: number;
  baselineCostUsd: number;
  requests: number;
}

export type UsageGroup = UsageTotals & { key: string };

/** Everything the panel renders; small enough to send whole on every change. */
export interface PanelSnapshot {
  proxy: ProxyState;
  /** Base URLs callers use; absent until the proxy answers. */
  endpoint?: { openai: string; anthropic: string };
  today: UsageTotals;
  /** This month's totals, read only when the proxy has a monthly budget (for its gauge). */
  month?: UsageTotals;
  byModel: UsageGroup[];
  byClient: UsageGroup[];
  /** The costliest agent conversations in the table range, costliest first. */
  conversations: ConversationTotals[];
  /** The last 60 minutes, oldest first, one point per minute. */
  lastHour: SpendPoint[];
  /** The last 7 days, oldest first, one point per day. */
  lastWeek: SpendPoint[];
  /** Which days the per-model and per-tool tables cover. */
  tableRange: TableRange;
  /** Newest first. */
  recent: RequestEvent[];
  /** Id of the newest request event the snapshot includes (0: none). */
  lastEventId: number;
  /** The last 7 days of recorded sessions replayed: switched-off levers' savings, each conversation's cost. */
  whatIf?: WhatIf;
  /** The quality audit of the local model in use (GET /tokenwise/audit). */
  audit?: AuditReport;
}

/** What the panel can ask to have copied; the token never travels to the webview, the extension fills it in. */
export const COPY_TARGETS = [
  'openaiBaseUrl',
  'anthropicBaseUrl',
  'token',
  'snippet:openai',
  'snippet:claude-code',
  'snippet:continue',
  'snippet:cline',
  'snippet:aider',
] as const;
export type CopyTarget = (typeof COPY_TARGETS)[number];

/** The per-model and per-tool tables' date range: today, or the last 7 or 30 days including today. */
export const TABLE_RANGES = ['today', '7d', '30d'] as const;
export type TableRange = (typeof TABLE_RANGES)[number];
/** Days before today each range starts. */
export const TABLE_RANGE_DAYS: Record<TableRange, number> = { today: 0, '7d': 6, '30d': 29 };

/** Commands the panel's buttons run. */
export const PANEL_ACTIONS = [
  'startProxy',
  'restartProxy',
  'showLog',
  'openSettings',
  'exportUsage',
  'setApiKey',
  'chooseLocalModel',
] as const;
export type PanelAction = (typeof PANEL_ACTIONS)[number];

/** Extension → panel. */
export type ToPanel = { type: 'snapshot'; snapshot: PanelSnapshot } | { type: 'copied'; target: CopyTarget };

/** Panel → extension. */
export type FromPanel =
  | { type: 'ready' }
  | { type: 'copy'; target: CopyTarget }
  | { type: 'run'; action: PanelAction }
  | { type: 'tableRange'; range: TableRange };

/** Checks a message from the webview; anything malformed is undefined. */
export function parsePanelMessage(raw: unknown): FromPanel | undefined {
  const m = raw as { type?: unknown; target?: unknown; action?: unknown; range?: unknown } | null;
  if (typeof m !== 'object' || m === null) return undefined;
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'copy':
      return COPY_TARGETS.includes(m.target as CopyTarget)
        ? { type: 'copy', target: m.target as CopyTarget }
        : undefined;
    case 'run':
      return PANEL_ACTIONS.includes(m.action as PanelAction)
        ? { type: 'run', action: m.action as PanelAction }
        : undefined;
    case 'tableRange':
      return TABLE_RANGES.includes(m.range as TableRange)
        ? { type: 'tableRange', range: m.range as TableRange }
        : undefined;
    default:
      return undefined;
  }
}

/** Totals with nothing in them (a fresh ledger, or before the proxy answered). */
export function emptyTotals(): UsageTotals {
  return {
    requests: 0,
    errors: 0,
    inputTokens: 0,
    outputTokens: 0,
    cachedTokens: 0,
    costUsd: 0,
    baselineCostUsd: 0,
    savedUsd: 0,
    savedByLever: { cache: 0, coalescing: 0, routing: 0, trimming: 0, promptCache: 0 },
    unpricedRequests: 0,
    cacheHitRate: 0,
    localShare: 0,
    latencyP50Ms: 0,
    latencyP95Ms: 0,
  };
}
