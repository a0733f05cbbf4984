/**
 * @module How a prompt's hint and findings look, decided without `vscode` (so plain Node tests cover it): each
 * finding's severity after the user's per-rule settings, where the hint goes on a long line, and the cost level that
 * picks its colour, the way Import Cost colours a package by size.
 */
import type { Finding, PromptCost } from '../proxy/prompts/types.ts';
import type { HintSeverity, PromptHintSettings } from './prompt-hint-settings.ts';

/** Past this many characters the end of the line is off-screen in a typical editor, so `auto` puts the hint above. */
export const LONG_LINE = 120;

/** The finding's severity in the editor: the user's setting for its rule, else a warning. */
export function severityOf(
  finding: Pick<Finding, 'rule'>,
  settings: Pick<PromptHintSettings, 'severity'>,
): HintSeverity {
  return settings.severity[finding.rule] ?? 'warning';
}

/** Where the hint for a prompt whose first line is this long goes. */
export function placement(lineLength: number, position: PromptHintSettings['position']): 'end' | 'above' {
  if (position === 'auto') return lineLength > LONG_LINE ? 'above' : 'end';
  return position;
}

export type CostLevel = 'low' | 'medium' | 'high' | 'unknown';

/** The colour band of a prompt's cost per call; `unknown` without a price or a known size. */
export function costLevel(
  cost: Pick<PromptCost, 'costPerCall' | 'sizeUnknown'>,
  settings: Pick<PromptHintSettings, 'mediumCostPerCall' | 'highCostPerCall'>,
): CostLevel {
  if (cost.costPerCall === null || cost.sizeUnknown) return 'unknown';
  if (cost.costPerCall >= settings.highCostPerCall) return 'high';
  return cost.costPerCall >= settings.mediumCostPerCall ? 'medium' : 'low';
}
