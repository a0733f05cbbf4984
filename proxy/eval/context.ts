/**
 * @module `tokenwise eval context`: context trimming measured on the evaluation data (shared/data/README.md).
 * Context sets: passage selection on realistic requests, with relevant_recall and answer_retention. Chats and
 * traces: the whole trimming pipeline at a budget, with the share of requests an API would reject, evidence
 * retention for chats with probes and, for traces, the survival of what the next assistant message uses.
 * Labels (relevant, answers, probes) are read only to score, never by the strategies.
 */
import type { ChatRequest } from '../chat.ts';
import { expandDuplicates } from '../context/dedupe.ts';
import { fold } from '../context/lexical.ts';
import { DEFAULT_TRIM_OPTIONS, inputBudget, type SelectOptions } from '../context/options.ts';
import { selectPassages } from '../context/select.ts';
import { structureProblems } from '../context/structure.ts';
import { loadTokenCounter, type TokenCounter } from '../context/tokens.ts';
import { trimRequest } from '../context/trim.ts';
import { loadDatasets, type ContextRecord, type ConversationRecord, type Rejection } from './context-records.ts';
import { contextRequest, conversationRequest } from './context-requests.ts';
import { survives, usedItems, type ItemKind } from './context-survival.ts';

export interface ContextEvalOptions {
  /** JSONL files; `*` in a file name matches several (`squad.dev*.jsonl`). Split parts are reported together. */
  data: string[];
  /** Input-token budget for chats and traces (default: the local tier's default budget). */
  budget?: number;
  /** Only a JSON-ready object (true), or also a printable table under `text`. */
  json?: boolean;
  /** Also sweep the selection knobs on context sets: the (token_reduction, answer_retention) curve. */
  sweep?: boolean;
  /** Selection options over the defaults (for ablations: `{ hops: 0 }` is plain BM25). */
  select?: Partial<SelectOptions>;
  /** Counts tokens (default: gpt-4o's o200k_base, the encoding most cloud traffic is billed in). */
  counter?: TokenCounter;
  /** Called after each record pass (a sweep passes over each record once per point). */
  onProgress?: (done: number, total: number) => void;
}

const ratio = (part: number, whole: number) => (whole ? Math.round((part / whole) * 1000) / 1000 : null);

interface SelectionTally {
  tokensBefore: number;
  tokensAfter: number;
  relevant: number;
  relevantKept: number;
  answered: number;
  passages: number;
  passagesKept: number;
}

async function selectionTally(
  records: ContextRecord[],
  options: SelectOptions,
  counter: TokenCounter,
  tick: () => void,
  budgetShare?: number,
): Promise<SelectionTally> {
  const tally: SelectionTally = {
    tokensBefore: 0,
    tokensAfter: 0,
    relevant: 0,
    relevantKept: 0,
    answered: 0,
    passages: 0,
    passagesKept: 0,
  };
  for (const [i, record] of records.entries()) {
    tick();
    const request = contextRequest(record, i);
    const passageTokens = record.passages.reduce((sum, p) => sum + counter.text(p.text) + counter.text(p.title), 0);
    const result = await selectPassages(
      request,
      budgetShare === undefined ? options : { ...options, minRelevance: 0, maxTokens: budgetShare * passageTokens },
      counter,
    );
    const keep = result.groups.flatMap((g) => g.keep);
    if (keep.length !== record.passages.length)
      throw new Error(`${record.id}: found ${keep.length} of ${record.passages.length} passages in the request`);
    tally.tokensBefore += result.before;
    tally.tokensAfter += result.after;
    const kept = record.passages.filter((_, j) => keep[j]);
    tally.passages += keep.length;
    tally.passagesKept += kept.length;
    tally.relevant += record.passages.filter((p) => p.relevant).length;
    tally.relevantKept += kept.filter((p) => p.relevant).length;
    const text = fold(kept.map((p) => `${p.title}\n${p.text}`).join('\n'));
    if (record.answers.some((a) => text.includes(fold(a)))) tally.answered++;
  }
  return tally;
}

function selectionMetrics(tally: SelectionTally, records: number) {
  return {
    records,
    tokens_before: tally.tokensBefore,
    tokens_after: tally.tokensAfter,
    token_reduction: ratio(tally.tokensBefore - tally.tokensAfter, tally.tokensBefore),
    relevant_recall: ratio(tally.relevantKept, tally.relevant),
    answer_retention: ratio(tally.answered, records),
    passages: tally.passages,
    passages_kept: tally.passagesKept,
  };
}

const THRESHOLDS = [0, 0.1, 0.2, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
const BUDGET_SHARES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

async function contextReport(
  records: ContextRecord[],
  options: SelectOptions,
  counter: TokenCounter,
  sweep: boolean,
  tick: () => void,
) {
  const report: Record<string, unknown> = {
    kind: 'context',
    ...selectionMetrics(await selectionTally(records, options, counter, tick), records.length),
  };
  if (!sweep) return report;
  const point = (t: SelectionTally) => {
    const m = selectionMetrics(t, records.length);
    return {
      token_reduction: m.token_reduction,
      answer_retention: m.answer_retention,
      relevant_recall: m.relevant_recall,
    };
  };
  report.sweep_min_relevance = [];
  for (const minRelevance of THRESHOLDS)
    (report.sweep_min_relevance as unknown[]).push({
      min_relevance: minRelevance,
      ...point(await selectionTally(records, { ...options, minRelevance }, counter, tick)),
    });
  report.sweep_token_budget = [];
  for (const share of BUDGET_SHARES)
    (report.sweep_token_budget as unknown[]).push({
      kept_share: share,
      ...point(await selectionTally(records, options, counter, tick, share)),
    });
  return report;
}

const text = (request: ChatRequest, index: number) =>
  request.messages[index]!.content.map((p) => (p.type === 'text' ? p.text : '')).join('');

async function conversationReport(
  records: ConversationRecord[],
  budget: number,
  counter: TokenCounter,
  tick: () => void,
) {
  let tokensBefore = 0;
  let tokensAfter = 0;
  let rejected = 0;
  let overBudget = 0;
  let probes = 0;
  let probesKept = 0;
  const used: Record<ItemKind, [number, number]> = {
    paths: [0, 0],
    line_numbers: [0, 0],
    error_lines: [0, 0],
    identifiers: [0, 0],
  };
  const byStrategy = new Map<string, number>();
  for (const record of records) {
    tick();
    const request = conversationRequest(record);
    const result = await trimRequest(
      request,
      {
        tier: 'local',
        budgets: { ...DEFAULT_TRIM_OPTIONS.budgets, localContext: budget + DEFAULT_TRIM_OPTIONS.budgets.reserveOutput },
      },
      { counter },
    );
    tokensBefore += result.tokensBefore;
    tokensAfter += result.tokensAfter;
    if (structureProblems(result.request.messages).length > structureProblems(request.messages).length) rejected++;
    if (!result.fits) overBudget++;
    for (const r of result.report)
      byStrategy.set(r.strategy, (byStrategy.get(r.strategy) ?? 0) + r.tokensBefore - r.tokensAfter);
    const position = new Map(result.origin.map((from, to) => [from, to]));
    for (const probe of record.probes ?? []) {
      probes++;
      if (probe.evidence.every((i) => position.has(i))) probesKept++;
    }
    const expanded = expandDuplicates(result.request);
    record.messages.forEach((message, i) => {
      const next = record.messages[i + 1];
      if (message.role !== 'tool' || next?.role !== 'assistant') return;
      const to = position.get(i);
      for (const item of usedItems(message.content, next.content)) {
        used[item.kind][1]++;
        if (to !== undefined && survives(item, text(expanded, to))) used[item.kind][0]++;
      }
    });
  }
  const totalUsed = Object.values(used).reduce((sum, [kept, all]) => [sum[0]! + kept, sum[1]! + all], [0, 0]);
  return {
    kind: records.some((r) => r.kind === 'traces') ? 'traces' : 'chats',
    records: records.length,
    budget,
    tokens_before: tokensBefore,
    tokens_after: tokensAfter,
    token_reduction: ratio(tokensBefore - tokensAfter, tokensBefore),
    tokens_saved_by_strategy: Object.fromEntries(byStrategy),
    structurally_invalid: rejected,
    over_budget: overBudget,
    ...(probes ? { evidence_retention: ratio(probesKept, probes) } : {}),
    ...(totalUsed[1]
      ? {
          used_item_survival: ratio(totalUsed[0]!, totalUsed[1]!),
          used_items: Object.fromEntries(
            Object.entries(used).map(([k, [kept, all]]) => [k, { kept, total: all, survival: ratio(kept, all) }]),
          ),
        }
      : {}),
  };
}

function table(datasets: Record<string, Record<string, unknown>>): string {
  const columns = [
    'records',
    'tokens_before',
    'tokens_after',
    'token_reduction',
    'relevant_recall',
    'answer_retention',
    'evidence_retention',
    'used_item_survival',
  ];
  const rows = Object.entries(datasets).map(([name, d]) => [
    name,
    ...columns.map((c) => (d[c] === undefined || d[c] === null ? '–' : String(d[c]))),
  ]);
  const header = ['dataset', ...columns];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')).join('\n');
}

/**
 * Runs the evaluation over the given files and returns one report per dataset.
 * @example await runContextEval({ data: ['../shared/data/context/squad.dev*.jsonl'], json: true })
 */
export async function runContextEval(
  options: ContextEvalOptions,
): Promise<{ datasets: Record<string, Record<string, unknown>>; rejected: Rejection[]; text?: string }> {
  const { datasets, rejected } = loadDatasets(options.data);
  const counter = options.counter ?? (await loadTokenCounter('gpt-4o'));
  const select = { ...DEFAULT_TRIM_OPTIONS.select, ...options.select };
  const budget = options.budget ?? inputBudget('local', DEFAULT_TRIM_OPTIONS.budgets, undefined);
  const reports: Record<string, Record<string, unknown>> = {};
  const passes = 1 + (options.sweep ? THRESHOLDS.length + BUDGET_SHARES.length : 0);
  const total = datasets.reduce(
    (sum, d) => sum + d.records.reduce((n, r) => n + (r.kind === 'context' ? passes : 1), 0),
    0,
  );
  let done = 0;
  const tick = () => options.onProgress?.(done++, total);
  for (const dataset of datasets) {
    const context = dataset.records.filter((r): r is ContextRecord => r.kind === 'context');
    const conversations = dataset.records.filter((r): r is ConversationRecord => r.kind !== 'context');
    if (context.length)
      reports[conversations.length ? `${dataset.name}/context` : dataset.name] = await contextReport(
        context,
        select,
        counter,
        !!options.sweep,
        tick,
      );
    if (conversations.length)
      reports[context.length ? `${dataset.name}/conversations` : dataset.name] = await conversationReport(
        conversations,
        budget,
        counter,
        tick,
      );
  }
  return { datasets: reports, rejected, ...(options.json ? {} : { text: table(reports) }) };
}
