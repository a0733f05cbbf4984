/**
 * @module The providers a replay runs against: a simulated cloud that answers each turn with the recorded assistant
 * message and reports usage the way its provider bills it (Anthropic's breakpoint-driven prompt cache, OpenAI's
 * automatic one; see billing.ts), and a simulated local tier that answers the same way at no cost. They are real
 * `Provider`s: the pipeline in front of them (router, caches, trimming, breakpoints, budgets) is the product's own.
 */
import type { ChatChunk, ChatRequest, FinishReason, ToolCall, Usage } from '../../chat.ts';
import { structureProblems } from '../../context/structure.ts';
import { loadTokenCounter, type TokenCounter } from '../../context/tokens.ts';
import { anthropicBody } from '../../providers/anthropic/index.ts';
import type { Provider, ProviderHealth, ProviderKind } from '../../providers/provider.ts';
import { AnthropicPromptCache, anthropicMinCacheable, OpenAIPromptCache, type InputBill } from './billing.ts';

/** What the assistant said on a recorded turn. */
export interface RecordedAnswer {
  text: string;
  toolCalls: ToolCall[];
  /** Signed thinking blocks and other items the caller's API carries. */
  items?: Record<string, unknown>[];
  finishReason: FinishReason;
  /** Output tokens as the provider reported them live; counted when unknown. */
  outputTokens?: number;
}

/** What a provider received on the current turn. */
export interface Delivery {
  provider: string;
  request: ChatRequest;
  /** What the provider would reject in it (tool-call pairing, empty turns). */
  problems: string[];
}

/** The turn being replayed: its answer, its time on the replay's clock, and what reached a provider. */
export class ReplayScript {
  answer: RecordedAnswer = { text: '', toolCalls: [], finishReason: 'stop' };
  now = 0;
  delivered: Delivery[] = [];

  /** Starts a turn. */
  turn(answer: RecordedAnswer, now: number): void {
    this.answer = answer;
    this.now = now;
    this.delivered = [];
  }
}

async function* answerChunks(answer: RecordedAnswer, model: string, usage: Usage): AsyncGenerator<ChatChunk> {
  yield { type: 'start', id: 'replay', model, inputTokens: usage.inputTokens };
  for (const item of answer.items ?? []) yield { type: 'item', item };
  if (answer.text) yield { type: 'text', text: answer.text };
  for (const [index, call] of answer.toolCalls.entries()) {
    yield { type: 'tool_call', index, id: call.id, name: call.name };
    yield { type: 'tool_arguments', index, arguments: call.arguments };
  }
  yield { type: 'done', finishReason: answer.finishReason, usage };
}

function outputTokens(answer: RecordedAnswer, counter: TokenCounter): number {
  if (answer.outputTokens !== undefined) return answer.outputTokens;
  return (
    counter.text(answer.text) +
    answer.toolCalls.reduce((sum, c) => sum + counter.text(c.name) + counter.text(c.arguments), 0)
  );
}

export interface SimulatedCloudOptions {
  name: string;
  kind: 'openai' | 'anthropic';
  /** Anthropic: add breakpoints to long prefixes the client left unmarked (the proxy's `cache.promptCaching`). */
  promptCaching: boolean;
  models: string[];
}

/** A cloud provider that answers from the script and bills like the real one. */
export class SimulatedCloud implements Provider {
  readonly name: string;
  readonly kind: ProviderKind;
  private readonly counters = new Map<string, Promise<TokenCounter>>();
  private readonly caches = new Map<string, AnthropicPromptCache | OpenAIPromptCache>();

  constructor(
    private readonly options: SimulatedCloudOptions,
    private readonly script: ReplayScript,
  ) {
    this.name = options.name;
    this.kind = options.kind;
  }

  async *chat(request: ChatRequest, model: string): AsyncGenerator<ChatChunk> {
    this.script.delivered.push({ provider: this.name, request, problems: structureProblems(request.messages) });
    const counter = await this.counter(model);
    const input = this.bill(request, model, counter);
    yield* answerChunks(this.script.answer, model, {
      ...input,
      outputTokens: outputTokens(this.script.answer, counter),
    });
  }

  /** What the provider charges for this request's input now, prompt cache included (and updated). */
  bill(request: ChatRequest, model: string, counter: TokenCounter): InputBill {
    // Prompt caches are per model: a prefix cached for one model is not read by another.
    let cache = this.caches.get(model);
    if (this.kind === 'anthropic') {
      if (!cache) this.caches.set(model, (cache = new AnthropicPromptCache(counter, anthropicMinCacheable(model))));
      return (cache as AnthropicPromptCache).bill(
        anthropicBody(request, model, this.options.promptCaching),
        this.script.now,
      );
    }
    if (!cache) this.caches.set(model, (cache = new OpenAIPromptCache(counter)));
    return (cache as OpenAIPromptCache).bill(request, this.script.now);
  }

  counter(model: string): Promise<TokenCounter> {
    let counter = this.counters.get(model);
    if (!counter) this.counters.set(model, (counter = loadTokenCounter(model)));
    return counter;
  }

  health(): ProviderHealth {
    return { state: 'ready' };
  }

  models(): string[] {
    return this.options.models;
  }
}

/** The local tier, simulated: ready, answering from the script, its window and tokenizer an o200k estimate. */
export class SimulatedLocal implements Provider {
  readonly name = 'local';
  readonly kind = 'local';
  private counting?: TokenCounter;

  constructor(
    private readonly script: ReplayScript,
    readonly contextSize: number,
  ) {}

  /** The window trimming fits local requests into. */
  get window() {
    const counter = this.counting;
    return counter ? { contextSize: this.contextSize, countTokens: (text: string) => counter.text(text) } : undefined;
  }

  async *chat(request: ChatRequest): AsyncGenerator<ChatChunk> {
    this.script.delivered.push({ provider: this.name, request, problems: structureProblems(request.messages) });
    this.counting ??= await loadTokenCounter('local');
    yield* answerChunks(this.script.answer, 'local', {
      inputTokens: this.counting.request(request),
      outputTokens: outputTokens(this.script.answer, this.counting),
    });
  }

  /** Loads the tokenizer before the first turn, so the first trim already sees the window. */
  async start(): Promise<void> {
    this.counting ??= await loadTokenCounter('local');
  }

  health(): ProviderHealth {
    return { state: 'ready' };
  }

  models(): string[] {
    return ['local'];
  }
}
