/**
 * @module `tokenwise eval replay`: recorded multi-turn sessions replayed through the whole pipeline against simulated
 * providers that bill like the real ones. Reports, per session and in total, the baseline (every turn to the premium
 * model, no Tokenwise), what Tokenwise cost, the saving by lever, the share answered locally and the quality checks.
 *
 * @example
 * const report = await runReplay({ data: ['../shared/data/traces/swe_agent.dev.jsonl'], model: 'claude-sonnet-4-5', config });
 */
import { usd } from '../../../shared/format.ts';
import type { Config } from '../../config/schema.ts';
import { LEVERS, type Lever } from '../../usage/record.ts';
import type { Rejection } from '../context-records.ts';
import { replayTurns, type TurnOutcome } from './runner.ts';
import { loadSessions, type ReplaySession } from './sessions.ts';

export interface ReplayOptions {
  data: string[];
  /** The premium model: what the baseline pays, and what traces and chats ask for. */
  model: string;
  config: Config;
  /** Called as the work advances (done, total), for a progress line. */
  onProgress?: (done: number, total: number) => void;
}

export interface ReplayTotals {
  sessions: number;
  turns: number;
  baseline_usd: number;
  actual_usd: number;
  saved_usd: number;
  /** (baseline − actual) / baseline. */
  cost_cut: number | null;
  saved_by_lever_usd: Record<Lever, number>;
  local_share: number | null;
  cache_hits: number;
  trimmed_turns: number;
  /** Turns whose trimmed context lost an item the turn's answer uses. */
  turns_with_dropped_items: number;
  dropped_items: number;
  used_items_in_trimmed_turns: number;
  /** Must be 0: a cached answer served for a different context. */
  differing_context_cache_hits: number;
  /** Must be 0: requests the provider would reject (tool-call pairing broken by a lever). */
  invalid_requests: number;
  /** Turns the budget or session limits refused. */
  refused: number;
  unpriced_models: string[];
}

export interface ReplayReport {
  model: string;
  totals: ReplayTotals;
  sessions: (ReplayTotals & { id: string; source: string; dropped_examples: string[] })[];
  rejected: Rejection[];
}

const round = (usd: number) => Math.round(usd * 1e6) / 1e6;

function totalsOf(outcomes: TurnOutcome[], sessions: number): ReplayTotals {
  const sum = (pick: (o: TurnOutcome) => number) => outcomes.reduce((total, o) => total + pick(o), 0);
  const baseline = sum((o) => o.baselineUsd);
  const actual = sum((o) => o.actualUsd);
  const answered = outcomes.filter((o) => o.route !== 'refused');
  return {
    sessions,
    turns: outcomes.length,
    baseline_usd: round(baseline),
    actual_usd: round(actual),
    saved_usd: round(baseline - actual),
    cost_cut: baseline ? Math.round(((baseline - actual) / baseline) * 1000) / 1000 : null,
    saved_by_lever_usd: Object.fromEntries(
      LEVERS.map((lever) => [lever, round(sum((o) => o.savedUsd[lever]))]),
    ) as Record<Lever, number>,
    local_share: answered.length
      ? Math.round(
          (answered.filter((o) => o.route === 'local' && o.cache === 'miss').length / answered.length) * 1000,
        ) / 1000
      : null,
    cache_hits: outcomes.filter((o) => o.route !== 'refused' && o.cache !== 'miss').length,
    trimmed_turns: outcomes.filter((o) => o.trimmed).length,
    turns_with_dropped_items: outcomes.filter((o) => o.droppedItems > 0).length,
    dropped_items: sum((o) => o.droppedItems),
    used_items_in_trimmed_turns: sum((o) => o.usedItems),
    differing_context_cache_hits: outcomes.filter((o) => o.differingContextHit).length,
    invalid_requests: outcomes.filter((o) => o.invalidRequest).length,
    refused: outcomes.filter((o) => o.route === 'refused').length,
    unpriced_models: [...new Set(outcomes.flatMap((o) => (o.unpriced ? [o.unpriced] : [])))],
  };
}

/** Replays the sessions in `data` under `config` and reports per session and in total. */
export async function runReplay(options: ReplayOptions): Promise<ReplayReport> {
  const { sessions, rejected } = loadSessions(options.data, options.model);
  return replayReport(sessions, rejected, options);
}

/** Replays sessions already loaded (a window of recordings, say) and reports on them. */
export async function replayReport(
  sessions: ReplaySession[],
  rejected: Rejection[],
  options: Omit<ReplayOptions, 'data'>,
): Promise<ReplayReport> {
  const outcomes = await replayTurns({
    premiumModel: options.model,
    config: options.config,
    sessions,
    onProgress: options.onProgress,
  });
  const bySession = new Map<string, TurnOutcome[]>();
  for (const o of outcomes) bySession.set(o.session, [...(bySession.get(o.session) ?? []), o]);
  return {
    model: options.model,
    totals: totalsOf(outcomes, sessions.length),
    sessions: sessions.map((s) => {
      const own = bySession.get(s.id) ?? [];
      return {
        id: s.id,
        source: s.source,
        ...totalsOf(own, 1),
        dropped_examples: own.flatMap((o) => o.droppedExamples).slice(0, 3),
      };
    }),
    rejected,
  };
}

const pct = (n: number | null) => (n === null ? '–' : `${(n * 100).toFixed(1)}%`);

/** The report as a table: one row per session, then the total and the lever split. */
export function replayTable(report: ReplayReport): string {
  const header = [
    'session',
    'turns',
    'baseline',
    'actual',
    'cut',
    'local',
    'hits',
    'trimmed',
    'dropped',
    'bad hits',
    'invalid',
  ];
  const row = (name: string, t: ReplayTotals) => [
    name,
    String(t.turns),
    usd(t.baseline_usd),
    usd(t.actual_usd),
    pct(t.cost_cut),
    pct(t.local_share),
    String(t.cache_hits),
    String(t.trimmed_turns),
    `${t.turns_with_dropped_items} (${t.dropped_items}/${t.used_items_in_trimmed_turns})`,
    String(t.differing_context_cache_hits),
    String(t.invalid_requests),
  ];
  const rows = [
    ...report.sessions.map((s) => row(s.id.slice(0, 48), s)),
    row(`TOTAL (${report.totals.sessions} sessions)`, report.totals),
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  const levers = LEVERS.map((l) => `${l} ${usd(report.totals.saved_by_lever_usd[l])}`).join(', ');
  const notes = [`saved by lever: ${levers}`];
  if (report.totals.refused) notes.push(`refused by budget or session limits: ${report.totals.refused} turns`);
  if (report.rejected.length)
    notes.push(
      `rejected lines: ${report.rejected.length} (first: ${report.rejected[0]!.file}:${report.rejected[0]!.line} ${report.rejected[0]!.reason})`,
    );
  return [`replay on ${report.model} prices`, line(header), ...rows.map(line), '', ...notes].join('\n');
}
