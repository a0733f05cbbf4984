/**
 * @module What prompt analysis finds in a source file: the prompts (where, which SDK call, which model, the text
 * resolved within the file), and the findings on them with mechanical fixes. Offsets are UTF-16 indexes into the
 * file's text, as both the TypeScript compiler and VS Code count them.
 */

/** Which call (or file) a prompt was found in. */
export type PromptKind =
  | 'openai.chat'
  | 'openai.responses'
  | 'anthropic.messages'
  | 'ai-sdk'
  | 'langchain.template'
  | 'langchain.chat'
  | 'llama.system'
  | 'llama.prompt'
  | 'prompt-file';

/** A piece of a prompt: text known in the file, or a value only known at run time (estimated). */
export type PromptPart =
  | { kind: 'static'; text: string }
  | {
      kind: 'dynamic';
      source: string;
      estimateTokens: number;
      json?: 'compact' | 'indented';
      range?: { start: number; end: number };
      rewrite?: TextEdit;
    };

/** One message (or template) of a prompt: its role and its parts, in order. */
export interface PromptMessage {
  role: string;
  parts: PromptPart[];
}

/** A string or template literal in the source, which fixes may rewrite. */
export interface LiteralSpan {
  /** Where the literal's text (between the quotes) starts and ends in the file. */
  contentStart: number;
  contentEnd: number;
  /** Ranges of interpolations (`${…}`, `{…}`) inside the content, whole. */
  holes: { start: number; end: number }[];
  /** False when the source spelling differs from the text (escapes), so text edits cannot be mapped back. */
  verbatim: boolean;
  /** True for a system/instructions message: used to spot the same system prompt at several call sites. */
  system: boolean;
  /** True when the code dedents it (`textwrap.dedent`, a `dedent` tag): its indentation never reaches the model. */
  dedented?: boolean;
}

/** A prompt found in a file, before counting. */
export interface FoundPrompt {
  kind: PromptKind;
  /** The call (or the whole prompt file) in the source. */
  start: number;
  end: number;
  /** The model named by a literal in the call; else the configured default is used. */
  model?: string;
  /** `max_tokens` (or its equivalent) when it is a literal. */
  maxOutputTokens?: number;
  messages: PromptMessage[];
  /** The literals the prompt's static text came from, for rules that rewrite them. */
  literals: LiteralSpan[];
  /** A system prompt written inline (not through a shared name): its text, for the duplicate check. */
  inlineSystem?: string;
}

export type Severity = 'error' | 'warning';

/** A text replacement in the file. */
export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
}

/** The rules; the name is the diagnostic's code. */
export type RuleName =
  | 'over-token-budget'
  | 'dynamic-before-static'
  | 'template-padding'
  | 'large-json-interpolation'
  | 'repeated-block'
  | 'duplicate-system-prompt';

export interface Finding {
  rule: RuleName;
  severity: Severity;
  message: string;
  start: number;
  end: number;
  fix?: Fix;
}

/** What a prompt costs, per call. */
export interface PromptCost {
  model: string;
  /** Whether `model` came from the call (else it is the configured default). */
  modelFromCall: boolean;
  /** Tokens of the text known in the file (exact for OpenAI models, an estimate for others). */
  staticTokens: number;
  /** Estimated tokens of the run-time values. */
  dynamicTokens: number;
  inputTokens: number;
  /** True when some of the input is estimated (run-time values): shown as ≈. */
  estimated: boolean;
  /** True when no text of the prompt is written in the file (e.g. a messages array built elsewhere): any token
   * figure would be a guess, so the hint says "size unknown". */
  sizeUnknown: boolean;
  expectedOutputTokens: number;
  /** Tokens before the first run-time value: what a provider's prompt cache can reuse. */
  cacheablePrefixTokens: number;
  /** Dollars per call, or null for a model without a known price. */
  costPerCall: number | null;
  /** The shortest prefix the model's provider caches (provider-facts.ts). */
  minCacheableTokens: number;
  /** Dollars per call when the cacheable prefix is read from the provider's cache (from minCacheableTokens). */
  cachedCostPerCall: number | null;
  /** Dollars per call on the local tier. */
  localCostPerCall: number;
}

/** A prompt with its cost and findings. */
export interface PromptReport extends FoundPrompt {
  /** The text known in the file, run-time values left out. */
  resolvedText: string;
  cost: PromptCost;
  findings: Finding[];
}
