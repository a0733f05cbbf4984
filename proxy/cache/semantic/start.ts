/**
 * @module Starts the semantic cache as configured: its embedder (a GGUF model is loaded on the shared llama.cpp
 * instance, after a download if need be), its verifier, and its index refilled from the questions the data file holds.
 */
import type { Llama } from 'node-llama-cpp';
import type { Config } from '../../config/schema.ts';
import type { ExactCache } from '../store.ts';
import { LexicalEmbedder, type Embedder } from './embedder.ts';
import { LocalEmbedder } from './local-embedder.ts';
import { SemanticCache } from './semantic-cache.ts';
import { DEFAULT_EMBEDDING_MODEL } from './thresholds.ts';
import { Verifier, type Judge } from './verifier.ts';

export interface SemanticCacheDeps {
  /** The local model's yes/no judgement; undefined when the local tier is off. */
  judge?: Judge;
  /** The process's one llama.cpp instance (see providers/local/llama.ts). */
  llama: () => Promise<Llama>;
  /** Turns a model URI into a file, downloading it like the chat model. */
  resolve: (uri: string) => Promise<string>;
  log: (line: string) => void;
}

/** The configured embedder: lexical, or a GGUF model on the shared llama.cpp instance. */
export function semanticEmbedder(config: Config, deps: Pick<SemanticCacheDeps, 'llama' | 'resolve'>): Embedder {
  const name = config.cache.semantic.embedder;
  if (name === 'lexical') return new LexicalEmbedder();
  return new LocalEmbedder(name === 'local' ? DEFAULT_EMBEDDING_MODEL : name, {
    threads: config.local.threads || undefined,
    llama: deps.llama,
    resolve: deps.resolve,
  });
}

/** The semantic cache, refilled from the exact cache's entries; undefined (and logged) when its embedder cannot load. */
export async function startSemanticCache(
  config: Config,
  exact: ExactCache,
  deps: SemanticCacheDeps,
): Promise<SemanticCache | undefined> {
  const { embedder: name, threshold, approximateFrom, maxEntries } = config.cache.semantic;
  const embedder = semanticEmbedder(config, deps);
  try {
    if (embedder instanceof LocalEmbedder) await embedder.load();
    const verifier = semanticVerifier(config, deps.judge, embedder instanceof LocalEmbedder && threshold === undefined);
    const semantic = new SemanticCache({
      embedder,
      approximateFrom,
      maxEntries,
      ...(threshold !== undefined ? { threshold } : {}),
      ...(verifier ? { verifier } : {}),
    });
    for (const entry of exact.semanticEntries()) await semantic.add(entry.contextKey, entry.question, entry.key);
    return semantic;
  } catch (error) {
    deps.log(`semantic cache off: cannot load the embedder ${name} (${(error as Error).message})`);
    return undefined;
  }
}

/**
 * The semantic cache's verifier: the local model's yes/no judgement. Required (a candidate nobody can judge is a miss)
 * when configured `on`, and for a GGUF embedder whose threshold nobody calibrated.
 */
function semanticVerifier(config: Config, local: Judge | undefined, uncalibrated: boolean): Verifier | undefined {
  const { verifier: mode, verifierThreshold, verifierTimeoutMs } = config.cache.semantic;
  const required = mode === 'on' || uncalibrated;
  if (!required && (mode === 'off' || !local)) return undefined;
  const judge: Judge = local ?? { ready: () => false, judge: () => Promise.reject(new Error('no local model')) };
  return new Verifier({ judge, threshold: verifierThreshold, timeoutMs: verifierTimeoutMs, required });
}
