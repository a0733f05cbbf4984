/**
 * @module Every message that crosses a boundary of the VS Code side: what the extension reads from the proxy's
 * control endpoints, and what the extension and the sidebar panel say to each other. The extension and the webview
 * bundles both import this module; no message is defined anywhere else, and messages from the webview are checked
 * here (`parsePanelMessage`) because a webview is untrusted input.
 */
import type { ProviderHealth } from '../proxy/providers/provider.ts';
import type { BackendReport } from './llama-backends.ts';
import type { WhatIf } from '../proxy/record/what-if.ts';
import type { AuditReport } from '../proxy/audit/report.ts';
import type { RequestEvent } from '../proxy/usage/live.ts';
import type { GroupBy, UsageSummary, UsageTotals } from '../proxy/usage/summary.ts';
import type { ConversationTotals } from '../proxy/usage/conversations.ts';

export type { AuditReport, ConversationTotals, GroupBy, RequestEvent, UsageSummary, UsageTotals, WhatIf };

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
      semanticVerifier: { confirmed: number; rejected: number; failed: number; unverified: number; inputTokens: number; outputTokens: number } | null;
    };

/** True when a health answer comes from a Tokenwise proxy (and not some other server on the port). */
export function isProxyHealth(body: unknown): body is ProxyHealth {
  const b = body as Partial<ProxyHealth> | null;
  return typeof b === 'object' && b !== null && b.service === 'tokenwise' && b.status === 'ok' && typeof b.pid === 'number';
}

/** What the supervisor is doing, as the status bar and the panel show it. */
export type ProxyState =
  | { kind: 'stopped' }
  | { kind: 'starting' }
  | { kind: 'running'; url: string; pid: number; attached: boolean; local?: ProxyHealth['local']; budget?: ProxyHealth['budget'] }
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
export const COPY_TARGETS = ['openaiBaseUrl', 'anthropicBaseUrl', 'token', 'snippet:openai', 'snippet:claude-code', 'snippet:continue', 'snippet:cline', 'snippet:aider'] as const;
export type CopyTarget = (typeof COPY_TARGETS)[number];

/** The per-model and per-tool tables' date range: today, or the last 7 or 30 days including today. */
export const TABLE_RANGES = ['today', '7d', '30d'] as const;
export type TableRange = (typeof TABLE_RANGES)[number];
/** Days before today each range starts. */
export const TABLE_RANGE_DAYS: Record<TableRange, number> = { today: 0, '7d': 6, '30d': 29 };

/** Commands the panel's buttons run. */
export const PANEL_ACTIONS = ['startProxy', 'restartProxy', 'showLog', 'openSettings', 'exportUsage', 'setApiKey', 'chooseLocalModel'] as const;
export type PanelAction = (typeof PANEL_ACTIONS)[number];

/** Extension → panel. */
export type ToPanel = { type: 'snapshot'; snapshot: PanelSnapshot } | { type: 'copied'; target: CopyTarget };

/** Panel → extension. */
export type FromPanel = { type: 'ready' } | { type: 'copy'; target: CopyTarget } | { type: 'run'; action: PanelAction } | { type: 'tableRange'; range: TableRange };

/** Checks a message from the webview; anything malformed is undefined. */
export function parsePanelMessage(raw: unknown): FromPanel | undefined {
  const m = raw as { type?: unknown; target?: unknown; action?: unknown; range?: unknown } | null;
  if (typeof m !== 'object' || m === null) return undefined;
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'copy':
      return COPY_TARGETS.includes(m.target as CopyTarget) ? { type: 'copy', target: m.target as CopyTarget } : undefined;
    case 'run':
      return PANEL_ACTIONS.includes(m.action as PanelAction) ? { type: 'run', action: m.action as PanelAction } : undefined;
    case 'tableRange':
      return TABLE_RANGES.includes(m.range as TableRange) ? { type: 'tableRange', range: m.range as TableRange } : undefined;
    default:
      return undefined;
  }
}

/** Totals with nothing in them (a fresh ledger, or before the proxy answered). */
export function emptyTotals(): UsageTotals {
  return {
    requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, cachedTokens: 0, costUsd: 0, baselineCostUsd: 0, savedUsd: 0,
    savedByLever: { cache: 0, coalescing: 0, routing: 0, trimming: 0, promptCache: 0 },
    unpricedRequests: 0, cacheHitRate: 0, localShare: 0, latencyP50Ms: 0, latencyP95Ms: 0,
  };
}
