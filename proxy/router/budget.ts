/**
 * @module The budget guard: daily and monthly dollar limits for cloud calls. A call reserves its worst-case cost
 * (prompt estimate + max_tokens of output) before it starts, so concurrent requests cannot overshoot together;
 * the reservation becomes the real cost when the call ends.
 */

import type { ChatRequest } from '../chat.ts';
import type { Pricing } from '../usage/index.ts';

/** Output tokens assumed for a request that sets no max_tokens. */
const DEFAULT_OUTPUT_RESERVE = 4096;

/**
 * Dollars per million tokens assumed for a model whose price is unknown: the dearest mainstream tier (Claude Opus,
 * $15 in / $75 out). Reserving nothing let every call to such a model pass a spent budget; refusing them outright
 * would break private deployments. Their cost stays unknown in the ledger, so the reservation is what the budget
 * keeps: `usage.priceOverrides` (0 for a free local server) gives them their real price.
 */
const UNKNOWN_PRICE = { inputMtok: 15, outputMtok: 75 };

/**
 * The most a call can cost: the prompt at ~3 characters a token (code and JSON run denser than prose's 4) and every
 * output token it may produce, at the model's price or, unknown, at UNKNOWN_PRICE.
 */
export function worstCaseCost(request: ChatRequest, model: string, kind: string, pricing: Pricing): number {
  const promptTokens =
    Math.ceil(JSON.stringify(request.messages).length / 3) +
    (request.tools ? Math.ceil(JSON.stringify(request.tools).length / 3) : 0);
  const outputTokens = request.maxTokens ?? DEFAULT_OUTPUT_RESERVE;
  return (
    pricing.cost(model, kind, { inputTokens: promptTokens, outputTokens }) ??
    (promptTokens * UNKNOWN_PRICE.inputMtok + outputTokens * UNKNOWN_PRICE.outputMtok) / 1e6
  );
}

export interface BudgetLimits {
  dailyUsd?: number;
  monthlyUsd?: number;
}

export interface Reservation {
  /** Replaces the reserved estimate by the real cost (null: unknown, counts as the estimate). */
  settle(actualUsd: number | null): void;
}

export type BudgetRefusal = { limit: 'daily' | 'monthly'; limitUsd: number; spentUsd: number };

/** What the pipeline reserves through: this proxy's BudgetGuard, or in team mode the one shared in Redis. */
export interface Budget {
  reserve(estimateUsd: number): Reservation | BudgetRefusal | Promise<Reservation | BudgetRefusal>;
}

export const dayOf = (d: Date) => `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
export const monthOf = (d: Date) => `${d.getFullYear()}-${d.getMonth()}`;

export class BudgetGuard implements Budget {
  private day: string;
  private month: string;
  private dayUsd: number;
  private monthUsd: number;

  /** `spent`: what the ledger already holds for today and this month. */
  constructor(
    private readonly limits: BudgetLimits,
    spent: { todayUsd: number; monthUsd: number },
    private readonly now: () => Date = () => new Date(),
  ) {
    const date = now();
    this.day = dayOf(date);
    this.month = monthOf(date);
    this.dayUsd = spent.todayUsd;
    this.monthUsd = spent.monthUsd;
  }

  /** Reserves `estimateUsd`, or says which limit it would cross. */
  reserve(estimateUsd: number): Reservation | BudgetRefusal {
    this.roll();
    const { dailyUsd, monthlyUsd } = this.limits;
    if (dailyUsd !== undefined && this.dayUsd + estimateUsd > dailyUsd)
      return { limit: 'daily', limitUsd: dailyUsd, spentUsd: this.dayUsd };
    if (monthlyUsd !== undefined && this.monthUsd + estimateUsd > monthlyUsd)
      return { limit: 'monthly', limitUsd: monthlyUsd, spentUsd: this.monthUsd };
    this.dayUsd += estimateUsd;
    this.monthUsd += estimateUsd;
    let settled = false;
    const day = this.day;
    return {
      settle: (actualUsd) => {
        if (settled) return;
        settled = true;
        const delta = (actualUsd ?? estimateUsd) - estimateUsd;
        if (this.day === day) this.dayUsd += delta;
        this.monthUsd += delta;
      },
    };
  }

  /** A new day (or month) starts from zero. */
  private roll(): void {
    const date = this.now();
    if (dayOf(date) !== this.day) [this.day, this.dayUsd] = [dayOf(date), 0];
    if (monthOf(date) !== this.month) [this.month, this.monthUsd] = [monthOf(date), 0];
  }
}

export function isRefusal(value: Reservation | BudgetRefusal): value is BudgetRefusal {
  return 'limit' in value;
}
