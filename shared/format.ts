/**
 * @module How numbers read in the status bar and the panel: one place, so both say "$0.42" and "12.3k" the same way.
 */
import type { UsageTotals } from './protocol.ts';

/**
 * Dollars, the one money format of the panel, the status bar and the command line: cents from a dollar up; below
 * a dollar, two significant digits however small (one request costs a fraction of a cent, and "$0.0000" would say
 * it was free). Below a billionth (the precision reports keep) it reads "<$0.000000001".
 * @example usd(0.4213) // "$0.42"; usd(0.0000042) // "$0.0000042"; usd(0.013) // "$0.013"; usd(1234.5) // "$1,234.50"
 */
export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  const sign = value < 0 ? '-' : '';
  if (abs > 0 && abs < 1e-9) return `${sign}<$0.000000001`;
  const digits = abs === 0 || abs >= 1 ? 2 : Math.max(2, 1 - Math.floor(Math.log10(abs)));
  return `${sign}$${abs.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

/** @example tokens(950) // "950"; tokens(12_345) // "12.3k"; tokens(1_234_567) // "1.23M" */
export function tokens(value: number): string {
  if (value < 1000) return String(Math.round(value));
  if (value < 1_000_000) return `${trim((value / 1000).toFixed(value < 10_000 ? 2 : 1))}k`;
  return `${trim((value / 1_000_000).toFixed(value < 10_000_000 ? 2 : 1))}M`;
}

/** A 0–1 share as a whole percentage: `percent(0.873)` is "87%". */
export function percent(share: number): string {
  return `${Math.round((Number.isFinite(share) ? share : 0) * 100)}%`;
}

/** What Tokenwise saved, as a share of what the baseline would have cost. */
export function savedShare(totals: Pick<UsageTotals, 'savedUsd' | 'baselineCostUsd'>): number {
  return totals.baselineCostUsd > 0 ? Math.min(1, Math.max(0, totals.savedUsd / totals.baselineCostUsd)) : 0;
}

/** @example duration(840) // "840 ms"; duration(12_400) // "12.4 s" */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${trim((ms / 1000).toFixed(1))} s`;
}

/** Wall-clock time of day, 24 h: "14:03:27". */
export function clock(time: number): string {
  const d = new Date(time);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** The status bar's text: `$0.42 today · saved 63%`. */
export function statusSummary(totals: UsageTotals): string {
  return `${usd(totals.costUsd)} today · saved ${percent(savedShare(totals))}`;
}

function trim(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}
