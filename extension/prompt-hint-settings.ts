/**
 * @module The inline prompt hints' settings (`tokenwise.promptHints.*`), parsed into typed values with safe
 * defaults. No `vscode` import: the glue hands in a reader, and this runs in plain Node tests.
 */
import type { RuleName } from '../proxy/prompts/types.ts';

/** What a rule's findings show as in the editor; `off` hides them. */
export type HintSeverity = 'error' | 'warning' | 'info' | 'off';
/** Where the hint goes: after the prompt's first line, on a CodeLens above it, or above only when the line is long. */
export type HintPosition = 'end' | 'above' | 'auto';

export interface PromptHintSettings {
  enabled: boolean;
  /** Prompts under this many input tokens get no hint (diagnostics still show). */
  minTokens: number;
  /** Show the hint only for the prompt under the cursor. */
  activeLineOnly: boolean;
  /** Input tokens above which a prompt is flagged over budget. */
  maxTokens: number;
  /** The model for calls that name none; empty: `tokenwise.defaultCloudModel`. */
  defaultModel: string;
  expectedOutputTokens: number;
  /** Per-rule severity; a rule not named is a warning. */
  severity: Partial<Record<RuleName, HintSeverity>>;
  position: HintPosition;
  /** Dollars per call from which the hint is coloured as medium, then high cost. */
  mediumCostPerCall: number;
  highCostPerCall: number;
}

/** Names under `tokenwise.`, for package.json's check. */
export const PROMPT_HINT_SETTING_NAMES = [
  'enabled',
  'minTokens',
  'activeLineOnly',
  'maxTokens',
  'defaultModel',
  'expectedOutputTokens',
  'severity',
  'position',
  'mediumCostPerCall',
  'highCostPerCall',
].map((name) => `promptHints.${name}`);

/** Every rule, for the severity setting. */
export const RULE_NAMES: RuleName[] = [
  'over-token-budget',
  'dynamic-before-static',
  'template-padding',
  'large-json-interpolation',
  'repeated-block',
  'duplicate-system-prompt',
];
const SEVERITIES: HintSeverity[] = ['error', 'warning', 'info', 'off'];
const POSITIONS: HintPosition[] = ['end', 'above', 'auto'];

/** The proxy's own default cloud model (`defaultCloudModel` in proxy/config/schema.ts). */
const FALLBACK_MODEL = 'gpt-4o-mini';
/** Import Cost's small/medium/large, in dollars per call: a tenth of a cent, one cent. */
const MEDIUM_COST = 0.001;
const HIGH_COST = 0.01;

const count = (value: unknown, fallback: number, min = 0) =>
  Number.isInteger(value) && (value as number) >= min ? (value as number) : fallback;
const dollars = (value: unknown, fallback: number) =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;

function severityMap(value: unknown): Partial<Record<RuleName, HintSeverity>> {
  if (!value || typeof value !== 'object') return {};
  const map: Partial<Record<RuleName, HintSeverity>> = {};
  for (const [rule, severity] of Object.entries(value)) {
    if (RULE_NAMES.includes(rule as RuleName) && SEVERITIES.includes(severity as HintSeverity))
      map[rule as RuleName] = severity as HintSeverity;
  }
  return map;
}

export function parsePromptHintSettings(read: (name: string) => unknown): PromptHintSettings {
  const model = read('promptHints.defaultModel');
  const cloudModel = read('defaultCloudModel');
  const position = read('promptHints.position');
  const medium = dollars(read('promptHints.mediumCostPerCall'), MEDIUM_COST);
  return {
    enabled: read('promptHints.enabled') !== false,
    minTokens: count(read('promptHints.minTokens'), 0),
    activeLineOnly: read('promptHints.activeLineOnly') === true,
    maxTokens: count(read('promptHints.maxTokens'), 8000, 1),
    defaultModel:
      typeof model === 'string' && model.trim()
        ? model.trim()
        : typeof cloudModel === 'string' && cloudModel.trim()
          ? cloudModel.trim()
          : FALLBACK_MODEL,
    expectedOutputTokens: count(read('promptHints.expectedOutputTokens'), 256, 1),
    severity: severityMap(read('promptHints.severity')),
    position: POSITIONS.includes(position as HintPosition) ? (position as HintPosition) : 'auto',
    mediumCostPerCall: medium,
    highCostPerCall: Math.max(medium, dollars(read('promptHints.highCostPerCall'), HIGH_COST)),
  };
}
