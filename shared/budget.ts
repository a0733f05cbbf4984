/**
 * @module The budget gauge's numbers: how much of a dollar limit is spent, and whether that is fine, near the limit
 * or over it (the gauge's colour). Shared by the panel and its tests.
 */

/** From this share of the limit on, the gauge warns. */
export const NEAR_LIMIT = 0.8;

export interface BudgetUse {
  spentUsd: number;
  limitUsd: number;
  /** Spent over limit, capped at 1 for the bar. */
  share: number;
  level: 'ok' | 'near' | 'over';
}

/** The gauge for one limit, or undefined when no limit is set. */
export function budgetUse(spentUsd: number, limitUsd: number | null | undefined): BudgetUse | undefined {
  if (!limitUsd || limitUsd <= 0) return undefined;
  const ratio = spentUsd / limitUsd;
  return {
    spentUsd,
    limitUsd,
    share: Math.min(1, ratio),
    level: ratio >= 1 ? 'over' : ratio >= NEAR_LIMIT ? 'near' : 'ok',
  };
}
