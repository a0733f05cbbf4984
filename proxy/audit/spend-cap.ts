/**
 * @module The audit's dollar cap per day. A call reserves its worst-case cost before it starts and settles its real
 * cost when it ends; reserving is synchronous, so concurrent audits can never overshoot the cap together.
 */

export interface SpendReservation {
  /** Replaces the reserved amount by what the call really cost (0 when it failed before costing anything). */
  settle(actualUsd: number): void;
}

export class AuditSpendCap {
  private day: string;
  private spent: number;

  /**
   * @param maxUsdPerDay the cap; 0 allows only free audits (local answers judged without a cloud call)
   * @param spentToday what the ledger already holds for today (a restart keeps the day's spend)
   */
  constructor(
    private readonly maxUsdPerDay: number,
    spentToday = 0,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.day = dayOf(this.now());
    this.spent = spentToday;
  }

  /** Reserves `usd`, or returns undefined when that would pass today's cap. */
  reserve(usd: number): SpendReservation | undefined {
    this.rollOver();
    // A femto-dollar of slack: sums of float prices must not refuse the call that exactly reaches the cap.
    if (usd > 0 && this.spent + usd > this.maxUsdPerDay + 1e-12) return undefined;
    this.spent += usd;
    const day = this.day;
    let open = true;
    return {
      settle: (actualUsd: number) => {
        if (!open) return;
        open = false;
        // A call that began yesterday settles against yesterday: today's total starts from zero.
        if (day === this.day) this.spent += actualUsd - usd;
      },
    };
  }

  /** Dollars spent or reserved today. */
  spentToday(): number {
    this.rollOver();
    return this.spent;
  }

  private rollOver(): void {
    const today = dayOf(this.now());
    if (today !== this.day) {
      this.day = today;
      this.spent = 0;
    }
  }
}

/** The local calendar day, as the budget guard counts days. */
export function dayOf(date: Date): string {
  return `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;
}
