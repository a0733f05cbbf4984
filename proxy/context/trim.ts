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
}

/** Summaries outlive one request: the default cache is shared by every call that does not bring its own. */
const sharedSummaries = new SummaryCache();

/**
 * Trims a request to its tier's budget with the enabled strategies.
 * @example const { request: trimmed, report } = await trimRequest(request, { tier: 'local' });
 */
export async function trimRequest(request: ChatRequest, overrides: TrimOverrides = {}, context: TrimContext = {}): Promise<TrimResult> {
  const options = resolveTrimOptions(overrides);
  const counter = context.counter ?? (await loadTokenCounter(options.tier === 'local' ? 'local' : request.model, { localTokenizer: options.localTokenizer }));
  const budget = inputBudget(options.tier, options.budgets, request.maxTokens, context.cloudContext);
  const inputProblems = structureProblems(request.messages).length;
  const report: StrategyReport[] = [];
  let current = request;
  let origin = request.messages.map((_, i) => i);
  const tokensBefore = counter.request(request);

  const apply = (strategy: StrategyName, result: StrategyResult & { origin?: number[] }) => {
    if (structureProblems(result.request.messages).length > inputProblems) {
      report.push({ strategy, tokensBefore: result.before, tokensAfter: result.before });
      return;
    }
    report.push({ strategy, tokensBefore: result.before, tokensAfter: result.after });
    if (result.origin) origin = result.origin.map((i) => (i < 0 ? -1 : origin[i]!));
    current = result.request;
  };

  if (options.normalize.enabled) apply('normalize', normalizeWhitespace(current, counter));
  if (options.dedupe.enabled) apply('dedupe', dedupeRequest(current, options.dedupe, counter));
  if (options.select.enabled) apply('select', await selectPassages(current, options.select, counter));
  if (options.truncate.enabled) apply('truncate', truncateToolOutputs(current, options.truncate, counter));
  const summarizer = options.summary.summarizer;
  if (options.summary.enabled && summarizer && counter.request(current) > budget) {
    try {
      apply('summary', await summarizeHistory(current, { budget, summarizer, cache: options.summary.cache ?? sharedSummaries, keepShare: options.summary.keepShare }, counter));
    } catch {
      // A summarizer that fails (model busy, out of memory) leaves the history to the window below.
      report.push({ strategy: 'summary', tokensBefore: counter.request(current), tokensAfter: counter.request(current) });
    }
  }
  if (options.window.enabled && counter.request(current) > budget) apply('window', windowHistory(current, budget, counter));

  const tokensAfter = counter.request(current);
  return { request: current, tokensBefore, tokensAfter, budget, fits: tokensAfter <= budget, report, origin };
}
