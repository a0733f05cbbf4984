/**
 * @module The local tier: one node-llama-cpp model, many parallel sequences. Requests generate concurrently (their
 * tokens are decoded in one batch), wait in a bounded queue when every sequence is busy, and stop the moment their
 * caller disconnects.
 */
import { randomUUID } from 'node:crypto';
import type { LlamaContextSequence, LlamaGrammar, Token } from 'node-llama-cpp';
import type { BackendReport, DoctorReport } from '../../../shared/llama-backends.ts';
import type { ChatChunk, ChatRequest, FinishReason } from '../../chat.ts';
import type { Config } from '../../config/schema.ts';
import { ProxyError } from '../../errors.ts';
import type { ChatOptions, Provider, ProviderHealth } from '../provider.ts';
import type { Judgement } from '../../cache/index.ts';
import { detectBackends, resolveBackendsFrom } from './backends.ts';
import { answerConfidence } from './confidence.ts';
import { ChunkQueue } from './chunk-queue.ts';
import { toChatHistory, toFunctions } from './history.ts';
import { judgeSameRequest, YES_NO_GRAMMAR } from './judge.ts';
import { LlamaHost } from './llama.ts';
import { grammarSchema } from './json-schema.ts';
import {
  activeBackend,
  isRemoteModel,
  loadRuntime,
  resolveModelPath,
  type DownloadProgress,
  type LocalRuntime,
} from './runtime.ts';
import { SequencePool } from './sequence-pool.ts';
import { measureSpeed } from './speed.ts';

/** Small models wander at the APIs' default temperature of 1. */
const DEFAULT_TEMPERATURE = 0.7;

export interface LocalProviderEvents {
  onDownloadProgress?: (progress: DownloadProgress) => void;
  onStateChange?: (health: ProviderHealth) => void;
  log?: (line: string) => void;
}

export class LocalProvider implements Provider {
  readonly kind = 'local';
  readonly name = 'local';
  private state: ProviderHealth = { state: 'loading' };
  private runtime: LocalRuntime | undefined;
  private pool: SequencePool<LlamaContextSequence> | undefined;
  private ready: Promise<void> | undefined;
  private readonly closing = new AbortController();
  /** The verifier's yes/no grammar, compiled once. */
  private yesNo: Promise<LlamaGrammar> | undefined;
  /** Backends usable now and downloadable, with what the loaded model runs on; undefined until detected. */
  private backends: BackendReport | undefined;
  /** The GGUF file in use, once resolved (the quality audit keys its calibration by it). */
  modelFile: string | undefined;

  /** True when this provider started its own llama.cpp instance, and so disposes it. */
  private readonly ownsLlama: boolean;
  private readonly llama: LlamaHost;

  /** `llama`: the process's shared llama.cpp instance; without one the provider starts (and closes) its own. */
  constructor(
    private readonly config: Config['local'],
    private readonly events: LocalProviderEvents = {},
    llama?: LlamaHost,
  ) {
    this.ownsLlama = llama === undefined;
    this.llama = llama ?? new LlamaHost(config);
  }

  /** Starts resolving, downloading and loading the model in the background; never throws (see `health()`). */
  start(): Promise<void> {
    this.ready ??= this.load();
    return this.ready;
  }

  health(): ProviderHealth & { model?: string; active?: number; queued?: number; backends?: BackendReport } {
    return {
      ...this.state,
      ...(this.runtime ? { model: this.runtime.modelName } : {}),
      ...(this.pool ? { active: this.pool.stats.active, queued: this.pool.stats.queued } : {}),
      ...(this.backends ? { backends: this.backends } : {}),
    };
  }

  /** `tokenwise doctor`: the backend report and the loaded model's prompt and generation speed, on a free sequence. */
  async diagnose(signal: AbortSignal): Promise<DoctorReport> {
    const runtime = await this.whenReady();
    const sequence = await this.pool!.acquire(signal);
    try {
      const speed = await measureSpeed(runtime, sequence);
      const detected = this.backends ?? (await detectBackends());
      return {
        model: runtime.modelName,
        modelPath: runtime.modelPath,
        backends: { ...detected, active: await activeBackend(runtime) },
        speed,
      };
    } finally {
      this.pool!.release(sequence);
    }
  }

  /** Tokens generated since start, for all requests (an aborted request stops adding to it). */
  private outputTokens = 0;

  get stats() {
    return { ...(this.pool?.stats ?? { active: 0, queued: 0, peakActive: 0 }), outputTokens: this.outputTokens };
  }

  models(): string[] {
    return ['local'];
  }

  /** The loaded model's context per sequence and its own tokenizer, for trimming to fit; undefined until ready. */
  get window(): { contextSize: number; countTokens: (text: string) => number } | undefined {
    const runtime = this.runtime;
    return runtime
      ? { contextSize: runtime.contextSize, countTokens: (text) => runtime.model.tokenize(text).length }
      : undefined;
  }

  async *chat(
    request: ChatRequest,
    _model: string,
    signal: AbortSignal,
    options: ChatOptions = {},
  ): AsyncGenerator<ChatChunk> {
    const runtime = await this.whenReady();
    const sequence = await this.pool!.acquire(signal);
    try {
      if (options.confidenceFloor === undefined) {
        const tokens: Token[] | undefined = options.scoreConfidence ? [] : undefined;
        yield* this.generate(runtime, sequence, request, signal, tokens);
        if (tokens) options.scoreConfidence!(await answerConfidence(sequence, tokens));
        return;
      }
      // Gated: the whole answer is held until its confidence is known, so a weak one can still go elsewhere.
      const held: ChatChunk[] = [];
      const tokens: Token[] = [];
      for await (const chunk of this.generate(runtime, sequence, request, signal, tokens)) held.push(chunk);
      const confidence = await answerConfidence(sequence, tokens);
      options.scoreConfidence?.(confidence);
      if (confidence < options.confidenceFloor) {
        throw new ProxyError(
          'overloaded',
          `local answer confidence ${confidence.toFixed(3)} is below ${options.confidenceFloor}`,
          { code: 'low_confidence' },
        );
      }
      yield* held;
    } finally {
      this.pool!.release(sequence);
    }
  }

  /** True once the model is loaded and can answer (or judge). */
  isReady(): boolean {
    return this.state.state === 'ready' && this.runtime !== undefined;
  }

  /** The semantic cache's verifier: the yes-probability that one answer serves both requests, on a pooled sequence. */
  async judge(stored: string, asked: string, signal: AbortSignal): Promise<Judgement> {
    const runtime = await this.whenReady();
    const sequence = await this.pool!.acquire(signal);
    try {
      this.yesNo ??= runtime.llama.createGrammar({ grammar: YES_NO_GRAMMAR });
      const judgement = await judgeSameRequest(
        runtime.model,
        runtime.chatWrapper,
        await this.yesNo,
        sequence,
        stored,
        asked,
      );
      this.outputTokens += judgement.outputTokens;
      return judgement;
    } finally {
      this.pool!.release(sequence);
    }
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.ready;
    await this.runtime?.context.dispose();
    await this.runtime?.model.dispose();
    if (this.ownsLlama) await this.llama.close();
  }

  private async load(): Promise<void> {
    if (this.config.backendsDir) resolveBackendsFrom(this.config.backendsDir);
    // Cheap (file checks, nvidia-smi bounded at 3 s) and independent of the model: runs while the model loads.
    const detecting = detectBackends().then(
      (report) => void (this.backends = { ...report, ...this.backends }),
      (error: Error) => this.events.log?.(`could not detect llama.cpp backends: ${error.message}`),
    );
    try {
      // Looking up a remote model can take minutes offline (the downloader retries): requests must not wait on it.
      if (isRemoteModel(this.config.model))
        this.setState({ state: 'downloading', progress: 0, detail: `looking up ${this.config.model}` });
      const modelPath = await resolveModelPath(
        this.config,
        (progress) => {
          this.setState({
            state: 'downloading',
            progress: progress.totalBytes ? progress.downloadedBytes / progress.totalBytes : 0,
            detail: `downloading ${this.config.model}`,
          });
          this.events.onDownloadProgress?.(progress);
        },
        this.closing.signal,
      );
      this.modelFile = modelPath;
      this.setState({ state: 'loading', detail: `loading ${modelPath}` });
      this.runtime = await loadRuntime(this.config, modelPath, this.llama);
      const sequences = Array.from({ length: this.config.parallel }, () => this.runtime!.context.getSequence());
      this.pool = new SequencePool(sequences, this.config.queueSize);
      await detecting;
      this.backends = {
        ...(this.backends ?? { usable: ['cpu'], downloadable: [], gpus: [], locations: {} }),
        active: await activeBackend(this.runtime),
      };
      this.setState({ state: 'ready' });
    } catch (error) {
      this.setState({ state: 'unavailable', detail: (error as Error).message });
    }
  }

  private setState(state: ProviderHealth): void {
    this.state = state;
    this.events.onStateChange?.(state);
  }

  /** Waits out a load in progress; a download in progress or a failed load is a 503 that says why. */
  private async whenReady(): Promise<LocalRuntime> {
    if (this.state.state === 'loading') await this.start();
    if (this.runtime && this.state.state === 'ready') return this.runtime;
    const percent = this.state.progress !== undefined ? ` (${Math.floor(this.state.progress * 100)}%)` : '';
    throw new ProxyError(
      'overloaded',
      `the local model is ${this.state.state}${percent}${this.state.detail ? `: ${this.state.detail}` : ''}`,
      {
        retryAfterSeconds: this.state.state === 'downloading' ? 30 : undefined,
        code: 'local_model_unavailable',
      },
    );
  }

  private async *generate(
    runtime: LocalRuntime,
    sequence: LlamaContextSequence,
    request: ChatRequest,
    signal: AbortSignal,
    tokensOut?: Token[],
  ): AsyncGenerator<ChatChunk> {
    const { LlamaChat } = await import('node-llama-cpp');
    const chat = new LlamaChat({
      contextSequence: sequence,
      chatWrapper: runtime.chatWrapper,
      autoDisposeSequence: false,
    });
    try {
      const history = toChatHistory(request.messages);
      // Function calling here lets the model answer in text instead: a forced call cannot be kept.
      if (request.tools?.length && (request.toolChoice === 'required' || typeof request.toolChoice === 'object')) {
        throw new ProxyError(
          'invalid_request',
          'tool_choice: the local model cannot be forced to call a tool (use "auto", or a cloud model)',
          { param: 'tool_choice', code: 'unsupported_parameter' },
        );
      }
      const grammar = await this.grammarFor(runtime, request);
      const functions = grammar || request.toolChoice === 'none' ? undefined : toFunctions(request.tools);
      const inputTokens = chat.chatWrapper
        .generateContextState({ chatHistory: history, availableFunctions: functions })
        .contextText.tokenize(runtime.model.tokenizer).length;
      const room = runtime.contextSize - inputTokens;
      if (room <= 0) {
        throw new ProxyError(
          'invalid_request',
          `the request needs ${inputTokens} tokens but the local model's context holds ${runtime.contextSize}`,
          { code: 'context_length_exceeded', param: 'messages' },
        );
      }
      const maxTokens = Math.min(request.maxTokens ?? room, room);

      const id = `chatcmpl-${randomUUID()}`;
      yield { type: 'start', id, model: runtime.modelName, inputTokens };
      const queue = new ChunkQueue<ChatChunk>();
      let outputTokens = 0;
      const generation = chat.generateResponse(history, {
        maxTokens,
        temperature: request.temperature ?? DEFAULT_TEMPERATURE,
        ...(request.topP !== undefined ? { topP: request.topP } : {}),
        ...(request.seed !== undefined ? { seed: request.seed } : {}),
        ...(request.stop ? { customStopTriggers: request.stop } : {}),
        ...(grammar
          ? { grammar }
          : functions
            ? {
                functions,
                documentFunctionParams: true,
                maxParallelFunctionCalls: request.parallelToolCalls === false ? 1 : undefined,
              }
            : {}),
        signal,
        stopOnAbortSignal: false,
        onTextChunk: (text) => queue.push({ type: 'text', text }),
        onToken: (tokens) => {
          tokensOut?.push(...tokens);
          outputTokens += tokens.length;
          this.outputTokens += tokens.length;
        },
      });
      generation.then(
        () => queue.end(),
        (error) => queue.end(error),
      );
      yield* queue;
      const result = await generation;

      const toolCalls = result.functionCalls ?? [];
      for (const [index, call] of toolCalls.entries()) {
        yield {
          type: 'tool_call',
          index,
          id: `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`,
          name: call.functionName,
        };
        yield { type: 'tool_arguments', index, arguments: JSON.stringify(call.params ?? {}) };
      }
      const stop = result.metadata;
      const finishReason: FinishReason = toolCalls.length
        ? 'tool_calls'
        : stop.stopReason === 'maxTokens'
          ? 'length'
          : 'stop';
      const stopSequence =
        stop.stopReason === 'customStopTrigger'
          ? stop.customStopTrigger.filter((t) => typeof t === 'string').join('')
          : undefined;
      yield {
        type: 'done',
        finishReason,
        ...(stopSequence ? { stopSequence } : {}),
        usage: { inputTokens, outputTokens },
      };
    } finally {
      chat.dispose({ disposeSequence: false });
    }
  }

  /** The grammar that holds the answer to the caller's format; a format it cannot hold is a 400, never ignored. */
  private async grammarFor(runtime: LocalRuntime, request: ChatRequest): Promise<LlamaGrammar | undefined> {
    const format = request.responseFormat;
    if (!format || format.type === 'text') return undefined;
    // node-llama-cpp applies either a grammar or function calling to one answer, never both.
    if (request.tools?.length && request.toolChoice !== 'none') {
      throw new ProxyError(
        'invalid_request',
        'response_format: the local model cannot combine a response format with tools',
        { param: 'response_format', code: 'unsupported_parameter' },
      );
    }
    if (format.type === 'json_object') return runtime.llama.getGrammarFor('json');
    const schema = grammarSchema(format.schema);
    try {
      return await runtime.llama.createGrammarForJsonSchema(schema as never);
    } catch (error) {
      throw new ProxyError(
        'invalid_request',
        `response_format.json_schema.schema: the local model cannot follow this schema (${(error as Error).message})`,
        { param: 'response_format.json_schema.schema', code: 'unsupported_parameter' },
      );
    }
  }
}
