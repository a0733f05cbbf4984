/**
 * @module The inline prompt hints' settings (`tokenwise.promptHints.*`), parsed into typed values with safe
 * defaults. No `vscode` import: the glue hands in a reader, and this runs in plain Node tests.
 */

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
}

/** Names under `tokenwise.`, for package.json's check. */
export const PROMPT_HINT_SETTING_NAMES = ['enabled', 'minTokens', 'activeLineOnly', 'maxTokens', 'defaultModel', 'expectedOutputTokens'].map((name) => `promptHints.${name}`);

/** The proxy's own default cloud model (`defaultCloudModel` in proxy/config/schema.ts). */
const FALLBACK_MODEL = 'gpt-4o-mini';

const count = (value: unknown, fallback: number, min = 0) => (Number.isInteger(value) && (value as number) >= min ? (value as number) : fallback);

export function parsePromptHintSettings(read: (name: string) => unknown): PromptHintSettings {
  const model = read('promptHints.defaultModel');
  const cloudModel = read('defaultCloudModel');
  return {
    enabled: read('promptHints.enabled') !== false,
    minTokens: count(read('promptHints.minTokens'), 0),
    activeLineOnly: read('promptHints.activeLineOnly') === true,
    maxTokens: count(read('promptHints.maxTokens'), 8000, 1),
    defaultModel: typeof model === 'string' && model.trim() ? model.trim() : typeof cloudModel === 'string' && cloudModel.trim() ? cloudModel.trim() : FALLBACK_MODEL,
    expectedOutputTokens: count(read('promptHints.expectedOutputTokens'), 256, 1),
  };
}
