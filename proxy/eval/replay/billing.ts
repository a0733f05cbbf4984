/**
 * @module How a cloud provider bills the input of a request, prompt cache included, simulated on the request itself
 * with the project's own token counters.
 *
 * Anthropic: only where `cache_control` breakpoints say so. A breakpoint writes the prefix up to it (5 minutes, or an
 * hour with `ttl: "1h"`); a later request reads the longest prefix an earlier one wrote, found at a breakpoint or up
 * to 20 blocks before it, while that entry lives (every read renews it). Prefixes shorter than the model's minimum
 * are never cached. OpenAI: automatic, no markers: a prompt of 1,024 tokens or more reads the longest prefix an
 * earlier request sent within the last 5 minutes of its use, counted from 1,024 tokens in steps of 128.
 */
import { createHash } from 'node:crypto';
import type { ChatRequest, Usage } from '../../chat.ts';
import type { TokenCounter } from '../../context/tokens.ts';

type Json = Record<string, unknown>;

/** Anthropic looks this many blocks back from a breakpoint for an earlier entry. */
const LOOKBACK_BLOCKS = 20;
const FIVE_MINUTES = 5 * 60_000;
const ONE_HOUR = 60 * 60_000;
/** Anthropic's message framing; OpenAI's is counted by TokenCounter.message. */
const PER_MESSAGE = 3;

/** Anthropic's smallest cacheable prefix per model (its prompt-caching docs). */
export function anthropicMinCacheable(model: string): number {
  if (/haiku-4-5|opus-4-5/.test(model)) return 4096;
  if (/haiku/.test(model)) return 2048;
  return 1024;
}

/** Input tokens as billed: the usage's input fields (output is added by the caller). */
export type InputBill = Pick<Usage, 'inputTokens' | 'cachedInputTokens' | 'cacheWriteTokens' | 'cacheWrite1hTokens'>;

interface Block {
  tokens: number;
  /** The hash of everything up to and including this block. */
  prefix: string;
  /** Its breakpoint's lifetime in ms, when it carries one. */
  ttl?: number;
}

function without(block: Json): Json {
  const { cache_control: _marker, ...rest } = block;
  return rest;
}

function ttlOf(block: unknown): number | undefined {
  const marker = (block as Json | undefined)?.cache_control as Json | undefined;
  if (!marker) return undefined;
  return marker.ttl === '1h' ? ONE_HOUR : FIVE_MINUTES;
}

/** The body's cacheable blocks in Anthropic's order: tools, system, then each message's content blocks. */
function anthropicBlocks(body: Json, counter: TokenCounter): Block[] {
  const raw: { block: Json; text: string; framing: number }[] = [];
  for (const tool of (body.tools as Json[] | undefined) ?? [])
    raw.push({ block: tool, text: JSON.stringify(without(tool)), framing: 0 });
  const system = body.system;
  if (typeof system === 'string') raw.push({ block: {}, text: system, framing: 0 });
  else if (Array.isArray(system))
    for (const block of system as Json[]) raw.push({ block, text: String(block.text ?? ''), framing: 0 });
  for (const message of (body.messages as Json[] | undefined) ?? []) {
    const content =
      typeof message.content === 'string'
        ? [{ type: 'text', text: message.content }]
        : ((message.content as Json[]) ?? []);
    content.forEach((block, i) =>
      raw.push({
        block,
        text:
          block.type === 'text'
            ? `${message.role}:${String(block.text)}`
            : `${message.role}:${JSON.stringify(without(block))}`,
        framing: i === 0 ? PER_MESSAGE : 0,
      }),
    );
  }
  const hash = createHash('sha256');
  return raw.map(({ block, text, framing }) => {
    hash.update(text).update('\0');
    return { tokens: counter.text(text) + framing, prefix: hash.copy().digest('base64url'), ttl: ttlOf(block) };
  });
}

/** One Anthropic organisation's prompt cache: prefix hash → when it expires. */
export class AnthropicPromptCache {
  private readonly entries = new Map<string, { expires: number; ttl: number }>();

  constructor(
    private readonly counter: TokenCounter,
    private readonly minCacheable: number,
  ) {}

  /** Bills the input of a Messages body sent at `now` (ms), and updates the cache as Anthropic would. */
  bill(body: Json, now: number): InputBill {
    const blocks = anthropicBlocks(body, this.counter);
    const total = blocks.reduce((sum, b) => sum + b.tokens, 0);
    const breakpoints = blocks.flatMap((b, i) => (b.ttl !== undefined ? [i] : []));
    if (!breakpoints.length) return { inputTokens: total };
    const upTo = prefixSums(blocks);
    // The longest live entry at a breakpoint or within the lookback before one.
    let hit = -1;
    for (const at of breakpoints) {
      for (let i = at; i >= Math.max(0, at - LOOKBACK_BLOCKS) && i > hit; i--) {
        const entry = this.entries.get(blocks[i]!.prefix);
        if (entry && entry.expires > now) {
          hit = i;
          break;
        }
      }
    }
    if (hit >= 0) {
      const entry = this.entries.get(blocks[hit]!.prefix)!;
      entry.expires = now + entry.ttl;
    }
    const read = hit >= 0 ? upTo[hit]! : 0;
    let write = 0;
    let write1h = 0;
    let start = hit;
    for (const at of breakpoints) {
      if (at <= hit || upTo[at]! < this.minCacheable) continue;
      const tokens = upTo[at]! - (start >= 0 ? upTo[start]! : 0);
      const ttl = blocks[at]!.ttl!;
      write += tokens;
      if (ttl === ONE_HOUR) write1h += tokens;
      this.entries.set(blocks[at]!.prefix, { expires: now + ttl, ttl });
      start = at;
    }
    return {
      inputTokens: total,
      ...(read ? { cachedInputTokens: read } : {}),
      ...(write ? { cacheWriteTokens: write } : {}),
      ...(write1h ? { cacheWrite1hTokens: write1h } : {}),
    };
  }
}

function prefixSums(blocks: Block[]): number[] {
  let sum = 0;
  return blocks.map((b) => (sum += b.tokens));
}

/** The smallest prompt OpenAI caches, and the step its cached count grows in. */
const OPENAI_MIN_CACHED = 1024;
const OPENAI_STEP = 128;

/** One OpenAI organisation's automatic prompt cache: prefix hash → when it was last used. */
export class OpenAIPromptCache {
  private readonly lastUsed = new Map<string, number>();

  constructor(private readonly counter: TokenCounter) {}

  /** Bills the input of a request sent at `now` (ms); prefixes match message by message. */
  bill(request: Pick<ChatRequest, 'messages' | 'tools'>, now: number): InputBill {
    const hash = createHash('sha256').update(JSON.stringify(request.tools ?? []));
    let sum = this.counter.tools(request.tools);
    const boundaries = request.messages.map((message) => {
      hash.update(JSON.stringify(message)).update('\0');
      sum += this.counter.message(message);
      return { prefix: hash.copy().digest('base64url'), upTo: sum };
    });
    const total = this.counter.request(request);
    let matched = 0;
    for (const b of boundaries) {
      const used = this.lastUsed.get(b.prefix);
      if (used === undefined || now - used > FIVE_MINUTES) break;
      matched = b.upTo;
    }
    for (const b of boundaries) this.lastUsed.set(b.prefix, now);
    const cached =
      matched >= OPENAI_MIN_CACHED
        ? OPENAI_MIN_CACHED + Math.floor((Math.min(matched, total) - OPENAI_MIN_CACHED) / OPENAI_STEP) * OPENAI_STEP
        : 0;
    return { inputTokens: total, ...(cached ? { cachedInputTokens: cached } : {}) };
  }
}

/** An internal usage as Anthropic's wire usage reports it (input_tokens exclude cache reads and writes). */
export function anthropicWireUsage(bill: InputBill, outputTokens: number) {
  const read = bill.cachedInputTokens ?? 0;
  const write = bill.cacheWriteTokens ?? 0;
  return {
    input_tokens: bill.inputTokens - read - write,
    output_tokens: outputTokens,
    cache_read_input_tokens: read,
    cache_creation_input_tokens: write,
    ephemeral_1h_input_tokens: bill.cacheWrite1hTokens ?? 0,
  };
}
