/**
 * @module Measures the loaded model's speed on one of its sequences: prompt processing (one batched evaluation of a
 * filler prompt) and generation (greedy tokens one after another), in tokens per second.
 */
import type { LlamaContextSequence } from 'node-llama-cpp';
import type { LocalSpeed } from '../../../shared/llama-backends.ts';
import type { LocalRuntime } from './runtime.ts';

const FILLER = 'The quick brown fox jumps over the lazy dog while the cat sleeps in the warm afternoon sun. ';
const MAX_PROMPT_TOKENS = 512;
const MAX_GENERATED_TOKENS = 128;
/** Tokens of the filler prompt the generation starts from. */
const SEED_TOKENS = 8;

/** Prompt and generation tokens per second on `sequence`, which is left empty afterwards. */
export async function measureSpeed(runtime: LocalRuntime, sequence: LlamaContextSequence): Promise<LocalSpeed> {
  const promptLength = Math.min(MAX_PROMPT_TOKENS, Math.floor(runtime.contextSize / 2));
  const filler = runtime.model.tokenize(FILLER.repeat(Math.ceil(promptLength / 8)));
  const prompt = filler.slice(0, promptLength);
  try {
    await sequence.clearHistory();
    let started = performance.now();
    await sequence.evaluateWithoutGeneratingNewTokens(prompt);
    const promptMs = performance.now() - started;

    await sequence.clearHistory();
    const limit = Math.min(MAX_GENERATED_TOKENS, runtime.contextSize - SEED_TOKENS - 1);
    let generated = 0;
    started = 0;
    // The first token also pays for the seed prompt: time from it on, so only token-by-token decoding counts.
    for await (const _token of sequence.evaluate(prompt.slice(0, SEED_TOKENS), {
      temperature: 0,
      yieldEogToken: true,
    })) {
      if (generated === 0) started = performance.now();
      generated += 1;
      if (generated > limit) break;
    }
    const generationMs = performance.now() - started;
    return {
      promptTokens: prompt.length,
      promptTokensPerSecond: (prompt.length / promptMs) * 1000,
      generatedTokens: generated - 1,
      generationTokensPerSecond: generated > 1 ? ((generated - 1) / generationMs) * 1000 : 0,
    };
  } finally {
    await sequence.clearHistory();
  }
}
