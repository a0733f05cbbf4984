/**
 * @module Loads the local model: resolves (and if needed downloads) the GGUF file, loads it on the shared llama.cpp
 * instance (see `llama.ts`) and opens one context with parallel sequences.
 */
import path from 'node:path';
import type { ChatWrapper, Llama, LlamaContext, LlamaModel } from 'node-llama-cpp';
import type { ActiveBackend } from '../../../shared/llama-backends.ts';
import type { Config } from '../../config/schema.ts';
import type { LlamaHost } from './llama.ts';

export interface LocalRuntime {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  /** The model's chat template, resolved once (resolving it costs ~0.4 s, far too much per request). */
  chatWrapper: ChatWrapper;
  /** Tokens each sequence can hold. */
  contextSize: number;
  /** The model's name as reported to callers (the file name without `.gguf`). */
  modelName: string;
  modelPath: string;
}

/** Tokens per sequence when the config does not say (at most; less when the card cannot hold it). */
export const DEFAULT_CONTEXT_SIZE = 8192;
/** The least context per sequence worth running with when fitting to a small card. */
const MIN_CONTEXT_SIZE = 2048;

export interface DownloadProgress {
  downloadedBytes: number;
  totalBytes: number;
}

/** A local file path, or an `hf:`/URL that must be resolved (and maybe downloaded). */
export function isRemoteModel(model: string): boolean {
  return /^(hf:|huggingface:|https?:\/\/)/i.test(model);
}

/** Finds the model file, downloading it into `modelsDir` when allowed; throws a plain-words Error otherwise. */
export async function resolveModelPath(
  local: Config['local'],
  onProgress: (p: DownloadProgress) => void,
  signal?: AbortSignal,
): Promise<string> {
  const { resolveModelFile } = await import('node-llama-cpp');
  if (!isRemoteModel(local.model)) return resolveModelFile(path.resolve(local.model), { download: false });
  try {
    const modelPath = await resolveModelFile(local.model, {
      directory: local.modelsDir,
      download: local.download ? 'auto' : false,
      cli: false,
      signal,
      onProgress: ({ downloadedSize, totalSize }) =>
        onProgress({ downloadedBytes: downloadedSize, totalBytes: totalSize }),
    });
    // A download cancelled through `signal` resolves (with the path of a file that is not there) rather than throwing.
    signal?.throwIfAborted();
    return modelPath;
  } catch (error) {
    if (signal?.aborted) throw new Error(`the download of ${local.model} was cancelled (the proxy is closing)`);
    const reason = (error as Error).message;
    if (!local.download)
      throw new Error(
        `${local.model} is not in ${local.modelsDir} and downloads are off (local.download=false): ${reason}`,
      );
    throw new Error(
      `cannot download ${local.model} (${reason}). Offline? Set TOKENWISE_LOCAL_MODEL to a .gguf file, or to "off"`,
    );
  }
}

/**
 * Loads the model on the shared llama.cpp instance with `parallel` sequences. On a GPU, node-llama-cpp's own fitting chooses the
 * layers held in VRAM from the free VRAM, leaving room for the context; without an explicit `contextSize` it also
 * picks the largest context per sequence (up to 8192 or the model's training context) that fits.
 */
export async function loadRuntime(local: Config['local'], modelPath: string, host: LlamaHost): Promise<LocalRuntime> {
  const { resolveChatWrapper } = await import('node-llama-cpp');
  const llama = await host.get();
  const model = await llama.loadModel({
    modelPath,
    gpuLayers: local.contextSize ? { fitContext: { contextSize: local.contextSize * local.parallel } } : 'auto',
  });
  const most = Math.min(DEFAULT_CONTEXT_SIZE, model.trainContextSize);
  const context = await model.createContext({
    contextSize: local.contextSize ?? { min: Math.min(MIN_CONTEXT_SIZE, most), max: most },
    sequences: local.parallel,
  });
  return {
    llama,
    model,
    context,
    chatWrapper: resolveChatWrapper(model),
    contextSize: context.contextSize,
    modelName: path.basename(modelPath).replace(/\.gguf$/i, ''),
    modelPath,
  };
}

/** What the loaded model runs on: backend, devices, VRAM, layers offloaded and context per sequence. */
export async function activeBackend(runtime: LocalRuntime): Promise<ActiveBackend> {
  const { llama, model, context } = runtime;
  const [vram, devices] = await Promise.all([llama.getVramState(), llama.getGpuDeviceNames()]);
  return {
    backend: llama.gpu === false ? 'cpu' : llama.gpu,
    devices,
    vram: { totalBytes: vram.total, freeBytes: vram.free },
    gpuLayers: model.gpuLayers,
    totalLayers: model.fileInsights.totalLayers,
    contextSize: runtime.contextSize,
    sequences: context.totalSequences,
  };
}
