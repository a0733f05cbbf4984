/**
 * @module Token counting per model family. OpenAI models are counted exactly with their tiktoken encoding; Claude
 * and Gemini, whose tokenizers are not public, are estimated from o200k_base with a documented factor; the local
 * model uses its own tokenizer when the caller injects one. Encodings load lazily, once per process.
 */
import type { TiktokenBPE } from 'js-tiktoken/lite';
import type { ChatMessage, ChatRequest, ToolDefinition } from '../chat.ts';
import { bpeCounter } from './bpe.ts';

/** Counts the tokens of a piece of text. */
export type CountText = (text: string) => number;

export type EncodingName = 'o200k_base' | 'cl100k_base';

/** How a model's tokens are counted: an encoding, times a factor for families whose tokenizer is not public. */
export interface CountingRule {
  /** `local`: the local model's own tokenizer, injected by the caller. */
  encoding: EncodingName | 'local';
  factor: number;
  /** False when the count is an estimate (another family's tokenizer, scaled). */
  exact: boolean;
}

/**
 * Claude: Anthropic's tokenizer is not public. Published side-by-side counts (Claude 3.5 Sonnet's count_tokens vs
 * GPT-4o's o200k_base on the same inputs) found Claude 16% higher on English prose, 21% on maths and 30% on Python;
 * 1.2 sits in that range. Gemini: Google documents "about 4 characters per token"; o200k_base averages 4.48
 * characters per token on English prose (bench/tokens.bench.ts prints it), so 4.48 / 4 ≈ 1.1. Both are for
 * budgeting only: the provider's reported usage stays the bill.
 */
const RULES: [RegExp, CountingRule & { encoding: EncodingName }][] = [
  [/^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|chatgpt-4o|codex|o[1-9])/, { encoding: 'o200k_base', factor: 1, exact: true }],
  [/^(gpt-4|gpt-3\.5|gpt-35|text-embedding-(3|ada))/, { encoding: 'cl100k_base', factor: 1, exact: true }],
  [/claude/, { encoding: 'o200k_base', factor: 1.2, exact: false }],
  [/gemini|gemma/, { encoding: 'o200k_base', factor: 1.1, exact: false }],
];
const FALLBACK = { encoding: 'o200k_base', factor: 1, exact: false } as const;

/** The counting rule for a model name (a `provider/` prefix is ignored); unknown models get an o200k estimate. */
export function countingRule(model: string): CountingRule & { encoding: EncodingName } {
  const name = model.slice(model.lastIndexOf('/') + 1).toLowerCase();
  return RULES.find(([pattern]) => pattern.test(name))?.[1] ?? FALLBACK;
}

// OpenAI's documented chat overhead: every message is wrapped as <|start|>{role}<|message|>{content}<|end|>
// (3 tokens) and every reply is primed with <|start|>assistant<|message|> (3 tokens).
const PER_MESSAGE = 3;
const REPLY_PRIMING = 3;
// Tool definitions as OpenAI's cookbook counts them for gpt-4o: 7 per function, 3 to open the properties,
// 3 per property, 12 to close the list; enums add 3 per item and take 3 back once.
const PER_FUNCTION = 7;
const PROPERTIES_OPEN = 3;
const PER_PROPERTY = 3;
const FUNCTIONS_END = 12;
const PER_ENUM_ITEM = 3;
const ENUM_OPEN = -3;
/** A tool call is rendered as its name and JSON arguments plus a few framing tokens. */
const PER_TOOL_CALL = 4;
/** Image sizes are unknown here: one 1024×1024 image at OpenAI's high detail (85 + 4 tiles × 170). */
const IMAGE_TOKENS = 765;
/** Distinct pre-tokenized pieces remembered per encoding; past that the memo starts over. */
const PIECE_MEMO_LIMIT = 200_000;
/** Characters the memo may hold in all: one unbroken 30 MB piece must not stay in memory for good. */
const PIECE_MEMO_CHARS = 64 * 1024 * 1024;

/**
 * Characters of text one piece of work may count on the event loop; past that, the texts are counted in the worker
 * thread (proxy/context/count-pool). Up to this, counting takes a few milliseconds even for the encoder's worst case
 * (long runs of letters).
 */
const OFF_LOOP_CHARS = 64 * 1024;
/** Rounds of counting in the worker one piece of work may take (each round counts the texts the last one derived). */
const OFF_LOOP_ROUNDS = 3;

/** The texts a tool definition is counted by, and the framing tokens it adds around them. */
function toolParts(tool: ToolDefinition): { framing: number; texts: string[] } {
  const texts = [`${tool.name}:${(tool.description ?? '').replace(/\.$/, '')}`];
  let framing = PER_FUNCTION;
  const properties = (tool.parameters.properties ?? {}) as Record<string, Record<string, unknown>>;
  const keys = Object.keys(properties);
  if (keys.length) framing += PROPERTIES_OPEN;
  for (const key of keys) {
    const property = properties[key] ?? {};
    framing += PER_PROPERTY;
    if (Array.isArray(property.enum)) {
      framing += ENUM_OPEN;
      for (const item of property.enum) {
        framing += PER_ENUM_ITEM;
        texts.push(String(item));
      }
    }
    const description = typeof property.description === 'string' ? property.description.replace(/\.$/, '') : '';
    // Nested schemas have no documented formula: their JSON stands in for the type.
    const type = typeof property.type === 'string' ? property.type : JSON.stringify(property.type ?? property);
    texts.push(`${key}:${type}:${description}`);
  }
  return { framing, texts };
}

/** Counts text, messages and whole requests for one model. */
export class TokenCounter {
  /** Counts made in the worker thread for `settle`, by text. */
  private readonly counted = new Map<string, number>();

  constructor(
    readonly rule: CountingRule,
    private readonly countText: CountText,
  ) {}

  /** While `settle` runs its work: the texts seen not yet counted, and the characters counted here meanwhile. */
  private pending?: { texts: Set<string>; chars: number };

  /**
   * Runs `work`, which counts with this counter, so that a large amount of text is counted in the worker thread: a
   * first run counts here only up to OFF_LOOP_CHARS and notes the rest (with a rough stand-in count), the noted
   * texts are counted in the worker, and the work runs again on those counts. Work whose texts depend on counts
   * (trimming) may note new texts in the second run: it gets up to OFF_LOOP_ROUNDS rounds, then counts here.
   */
  async settle<T>(work: () => T | Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.rule.encoding === 'local' || this.pending) return work();
    for (let round = 0; round < OFF_LOOP_ROUNDS; round++) {
      const pending = (this.pending = { texts: new Set<string>(), chars: 0 });
      let result: T;
      try {
        // Synchronous work is not awaited: a count that needs no worker resolves as soon as it did before.
        const value = work();
        result = value instanceof Promise ? await value : value;
      } finally {
        this.pending = undefined;
      }
      if (!pending.texts.size) return result;
      const texts = [...pending.texts];
      const { countOffLoop } = await import('./count-pool.ts');
      const counts = await countOffLoop(this.rule.encoding, texts, signal);
      texts.forEach((text, i) => this.counted.set(text, counts[i]!));
    }
    return work();
  }

  text(text: string): number {
    let raw = this.counted.get(text);
    if (raw === undefined) {
      const pending = this.pending;
      if (pending && (pending.texts.has(text) || pending.chars + text.length > OFF_LOOP_CHARS)) {
        pending.texts.add(text);
        // Stands in until the worker's count; a run whose texts were noted is run again on the real counts.
        raw = Math.ceil(text.length / 4);
      } else {
        if (pending) pending.chars += text.length;
        raw = this.countText(text);
      }
    }
    return Math.ceil(raw * this.rule.factor);
  }

  message(message: ChatMessage): number {
    let tokens = PER_MESSAGE;
    for (const part of message.content) tokens += part.type === 'text' ? this.text(part.text) : IMAGE_TOKENS;
    for (const call of message.toolCalls ?? [])
      tokens += PER_TOOL_CALL + this.text(call.name) + this.text(call.arguments);
    if (message.toolCallId) tokens += this.text(message.toolCallId);
    return tokens;
  }

  tools(tools: ToolDefinition[] | undefined): number {
    if (!tools?.length) return 0;
    let tokens = FUNCTIONS_END;
    for (const tool of tools) {
      const { framing, texts } = toolParts(tool);
      tokens += framing;
      for (const text of texts) tokens += this.text(text);
    }
    return tokens;
  }

  request(request: Pick<ChatRequest, 'messages' | 'tools'>): number {
    let tokens = REPLY_PRIMING + this.tools(request.tools);
    for (const message of request.messages) tokens += this.message(message);
    return tokens;
  }
}

const encoders = new Map<EncodingName, Promise<CountText>>();

async function loadRanks(encoding: EncodingName): Promise<TiktokenBPE> {
  // Literal specifiers, so bundlers see both and only the one asked for is parsed.
  if (encoding === 'o200k_base') return (await import('js-tiktoken/ranks/o200k_base')).default;
  return (await import('js-tiktoken/ranks/cl100k_base')).default;
}

/**
 * BPE never crosses the encoding's pre-tokenizer pieces, so a count is the sum of the pieces' counts; memoizing
 * pieces makes repeated words (most of any text) a map lookup. Special-token text counts as ordinary text.
 */
async function loadEncoding(encoding: EncodingName): Promise<CountText> {
  const ranks = await loadRanks(encoding);
  const countBpe = bpeCounter(ranks);
  const pieces = new RegExp(ranks.pat_str, 'gu');
  const memo = new Map<string, number>();
  let memoChars = 0;
  return function countTokens(text: string): number {
    let tokens = 0;
    for (const match of text.matchAll(pieces)) {
      const piece = match[0];
      let count = memo.get(piece);
      if (count === undefined) {
        count = countBpe(piece);
        if (memo.size >= PIECE_MEMO_LIMIT || memoChars + piece.length > PIECE_MEMO_CHARS) {
          memo.clear();
          memoChars = 0;
        }
        memo.set(piece, count);
        memoChars += piece.length;
      }
      tokens += count;
    }
    return tokens;
  };
}

/** The exact tiktoken count function for an encoding (loaded on first use). */
export function loadEncodingCounter(encoding: EncodingName): Promise<CountText> {
  let loaded = encoders.get(encoding);
  if (!loaded) encoders.set(encoding, (loaded = loadEncoding(encoding)));
  return loaded;
}

export interface CounterOptions {
  /** The local model's own tokenizer (e.g. node-llama-cpp's `model.tokenize(text).length`). */
  localTokenizer?: CountText;
}

/**
 * A counter for a model. `local` uses the injected tokenizer when there is one, else an o200k_base estimate.
 * @example const counter = await loadTokenCounter('gpt-4o'); counter.request(request);
 */
export async function loadTokenCounter(model: string, options: CounterOptions = {}): Promise<TokenCounter> {
  if (model === 'local' && options.localTokenizer)
    return new TokenCounter({ encoding: 'local', factor: 1, exact: true }, options.localTokenizer);
  const rule = countingRule(model);
  return new TokenCounter(rule, await loadEncodingCounter(rule.encoding));
}
