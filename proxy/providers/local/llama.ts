/**
 * @module The process's one llama.cpp instance. The local chat model and the semantic cache's GGUF embedder both load
 * their models on it, so the GPU backend and thread count are chosen once, from `local.gpu` and `local.threads`, and a
 * second instance never grabs the card (or the CPU) behind the first one's back.
 */
import type { Llama } from 'node-llama-cpp';
import type { Config } from '../../config/schema.ts';
import { resolveBackendsFrom } from './backends.ts';

export type LlamaSettings = Pick<Config['local'], 'gpu' | 'threads' | 'backendsDir'>;

/**
 * Starts llama.cpp on first use, from prebuilt binaries only (never a source build), and disposes it on close.
 * @example
 * const llama = new LlamaHost(config.local);
 * const model = await (await llama.get()).loadModel({ modelPath });
 */
export class LlamaHost {
  private starting: Promise<Llama> | undefined;

  constructor(private readonly settings: LlamaSettings) {}

  /** The shared instance, started on the first call; a failed start is retried by the next call. */
  get(): Promise<Llama> {
    this.starting ??= this.start();
    this.starting.catch(() => (this.starting = undefined));
    return this.starting;
  }

  /** Disposes llama.cpp and every model loaded on it. */
  async close(): Promise<void> {
    const starting = this.starting;
    this.starting = undefined;
    const llama = await starting?.catch(() => undefined);
    await llama?.dispose();
  }

  private async start(): Promise<Llama> {
    const { gpu, threads, backendsDir } = this.settings;
    if (backendsDir) resolveBackendsFrom(backendsDir);
    const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
    return getLlama({
      gpu: gpu === 'cpu' ? false : gpu,
      build: 'never',
      progressLogs: false,
      logLevel: LlamaLogLevel.error,
      ...(threads > 0 ? { maxThreads: threads } : {}),
    });
  }
}
