/**
 * @module Context trimming for one request: the enabled strategies in order, each reported in tokens.
 *
 * Order: the lossless and always-safe first (normalise, dedupe), then what is judged per request without a
 * budget (passage selection, tool-output truncation), and only when the request is still over the tier's budget,
 * the history levers (summary, then the window as the last resort). A strategy whose result breaks a structural
 * rule the input kept (tool pairs, first turn) is discarded, so trimming never turns a valid request invalid.
 */
import type { ChatRequest } from '../chat.ts';
import { dedupeRequest } from './dedupe.ts';
import { normalizeWhitespace } from './normalize.ts';
import { inputBudget, resolveTrimOptions, type TrimOverrides } from './options.ts';
import { selectPassages } from './select.ts';
import { structureProblems } from './structure.ts';
import type { StrategyName, StrategyReport, StrategyResult } from './strategy.ts';
import { SummaryCache, summarizeHistory } from './summary.ts';
import { loadTokenCounter, type TokenCounter } from './tokens.ts';
import { truncateToolOutputs } from './truncate.ts';
import { windowHistory } from './window.ts';

export interface TrimResult {
  request: ChatRequest;
  tokensBefore: number;
  tokensAfter: number;
  /** The input budget that applied. */
  budget: number;
  /** False when even the most the strategies may do leaves the request over budget. */
  fits: boolean;
  report: StrategyReport[];
  /** For each output message, the input message it came from (-1: a note or summary Tokenwise wrote). */
  origin: number[];
}

export interface TrimContext {
  /** Counts for the model the request goes to; loaded for `request.model` (or the local tokenizer) when absent. */
  counter?: TokenCounter;
  /** The target cloud model's own window, when known. */
  cloudContext?: number;
  /** Aborts counting a large request when its caller leaves. */
  signal?: AbortSignal;
}

/** Summaries outlive one request: the default cache is shared by every call that does not bring its own. */
const sharedSummaries = new SummaryCache();

/**
 * Trims a request to its tier's budget with the enabled strategies.
 * @example const { request: trimmed, report } = await trimRequest(request, { tier: 'local' });
 */
export async function trimRequest(
  request: ChatRequest,
  overrides: TrimOverrides = {},
  context: TrimContext = {},
): Promise<TrimResult> {
  const options = resolveTrimOptions(overrides);
  const counter =
    context.counter ??
    (await loadTokenCounter(options.tier === 'local' ? 'local' : request.model, {
      localTokenizer: options.localTokenizer,
    }));
  // A large request is counted in the worker thread: each step runs through `settle`.
  const settle = <T>(work: () => T | Promise<T>) => counter.settle(work, context.signal);
  const budget = inputBudget(options.tier, options.budgets, request.maxTokens, context.cloudContext);
  const inputProblems = structureProblems(request.messages).length;
  const report: StrategyReport[] = [];
  let current = request;
  let origin = request.messages.map((_, i) => i);
  const tokensBefore = await settle(() => counter.request(request));

  const apply = (strategy: StrategyName, result: StrategyResult & { origin?: number[] }) => {
    if (structureProblems(result.request.messages).length > inputProblems) {
      report.push({ strategy, tokensBefore: result.before, tokensAfter: result.before });
      return;
    }
    report.push({ strategy, tokensBefore: result.before, tokensAfter: result.after });
    if (result.origin) origin = result.origin.map((i) => (i < 0 ? -1 : origin[i]!));
    current = result.request;
  };

  if (options.normalize.enabled) apply('normalize', await settle(() => normalizeWhitespace(current, counter)));
  if (options.dedupe.enabled) apply('dedupe', await settle(() => dedupeRequest(current, options.dedupe, counter)));
  if (options.select.enabled) apply('select', await settle(() => selectPassages(current, options.select, counter)));
  if (options.truncate.enabled)
    apply('truncate', await settle(() => truncateToolOutputs(current, options.truncate, counter)));
  const summarizer = options.summary.summarizer;
  if (options.summary.enabled && summarizer && (await settle(() => counter.request(current))) > budget) {
    try {
      apply(
        'summary',
        await settle(() =>
          summarizeHistory(
            current,
            {
              budget,
              summarizer,
              cache: options.summary.cache ?? sharedSummaries,
              keepShare: options.summary.keepShare,
            },
            counter,
          ),
        ),
      );
    } catch (error) {
      if (context.signal?.aborted) throw error;
      // A summarizer that fails (model busy, out of memory) leaves the history to the window below.
      const tokens = await settle(() => counter.request(current));
      report.push({ strategy: 'summary', tokensBefore: tokens, tokensAfter: tokens });
    }
  }
  if (options.window.enabled && (await settle(() => counter.request(current))) > budget)
    apply('window', await settle(() => windowHistory(current, budget, counter)));

  const tokensAfter = await settle(() => counter.request(current));
  return { request: current, tokensBefore, tokensAfter, budget, fits: tokensAfter <= budget, report, origin };
}
