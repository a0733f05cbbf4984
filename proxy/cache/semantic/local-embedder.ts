/**
 * @module Embeddings from a local GGUF model through node-llama-cpp. The library is loaded on first use only (it is
 * ESM-only and native), so the proxy starts without it when the lexical embedder is configured.
 */
import path from 'node:path';
import type { Llama, LlamaEmbeddingContext, LlamaModel, LlamaOptions } from 'node-llama-cpp';
import { normalize, type Embedder } from './embedder.ts';

export interface LocalEmbedderOptions {
  /** CPU threads for llama.cpp; 0 or unset lets it decide. */
  threads?: number;
  /** `false` forces the CPU. */
  gpu?: LlamaOptions['gpu'];
  /** The process's shared llama.cpp instance (the local chat tier's), instead of starting another. */
  llama?: () => Promise<Llama>;
  /** Turns `modelPath` into a file before loading (an `hf:` URI is downloaded, like the chat model). */
  resolve?: (uri: string) => Promise<string>;
}

/** Questions past this many tokens are cut: their start says what they ask, and the context stays small. */
const MAX_CONTEXT_TOKENS = 2048;

/**
 * @example
 * const embedder = new LocalEmbedder('/models/bge-small-en-v1.5-q8_0.gguf', { threads: 2 });
 * const [vector] = await embedder.embed(['How do I reverse a list in Python?']);
 * await embedder.close();
 */
export class LocalEmbedder implements Embedder {
  readonly name: string;
  private loading?: Promise<{ model: LlamaModel; context: LlamaEmbeddingContext; contextSize: number }>;
  private vectorSize?: number;

  constructor(
    readonly modelPath: string,
    private readonly options: LocalEmbedderOptions = {},
  ) {
    this.name = `gguf:${path.basename(modelPath)}`;
  }

  /** The model's embedding size; known once `load()` (or a first `embed()`) has resolved. */
  get dimensions(): number {
    if (this.vectorSize === undefined) throw new Error(`${this.name} is not loaded yet: await load() first`);
    return this.vectorSize;
  }

  /** Loads the model and opens its embedding context, once; later calls share the first. */
  load(): Promise<void> {
    this.loading ??= this.open();
    // A failed load is not cached: the next call tries again (the file may have finished downloading).
    this.loading.catch(() => (this.loading = undefined));
    return this.loading.then(() => undefined);
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    await this.load();
    const { model, context, contextSize } = await this.loading!;
    const out: Float32Array[] = [];
    // One at a time: the context has a single sequence and node-llama-cpp serialises on it anyway.
    for (const text of texts) {
      // Room for the BOS and EOS tokens node-llama-cpp adds, and it requires input shorter than the context.
      const tokens = model.tokenize(text).slice(0, contextSize - 3);
      const { vector } = await context.getEmbeddingFor(tokens);
      out.push(vector.length ? normalize(Float32Array.from(vector)) : new Float32Array(this.dimensions));
    }
    return out;
  }

  /** Frees the context and the model (and llama.cpp, when this embedder started it). */
  async close(): Promise<void> {
    const loading = this.loading;
    this.loading = undefined;
    if (!loading) return;
    const { model, context } = await loading;
    await context.dispose();
    await model.dispose();
    if (!this.options.llama) await model.llama.dispose();
  }

  private async open() {
    const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
    const threads = this.options.threads || undefined;
    const llama = this.options.llama
      ? await this.options.llama()
      : await getLlama({
          gpu: this.options.gpu ?? 'auto',
          build: 'never',
          progressLogs: false,
          logLevel: LlamaLogLevel.error,
          ...(threads ? { maxThreads: threads } : {}),
        });
    const model = await llama.loadModel({
      modelPath: this.options.resolve ? await this.options.resolve(this.modelPath) : this.modelPath,
    });
    const contextSize = Math.min(model.trainContextSize, MAX_CONTEXT_TOKENS);
    const context = await model.createEmbeddingContext({ contextSize, ...(threads ? { threads } : {}) });
    this.vectorSize = model.embeddingVectorSize;
    return { model, context, contextSize };
  }
}
