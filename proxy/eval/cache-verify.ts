/**
 * @module `tokenwise eval cache --verifier GGUF`: puts every candidate hit (a pair the guard lets through above the
 * threshold) to a local chat model through the proxy's own verifier, and measures what that costs per judgement.
 */
import { Verifier } from '../cache/semantic/verifier.ts';
import { configSchema } from '../config/schema.ts';
import { LocalProvider } from '../providers/local/index.ts';
import type { ScoredPair } from './cache.ts';

export interface VerifierFigures {
  model: string;
  threshold: number;
  judged: number;
  rejected: number;
  failed: number;
  p50_ms: number;
  p95_ms: number;
  tokens_per_judgement: number;
}

/** Room for two questions of up to 4,000 characters each and the instruction. */
const JUDGE_CONTEXT = 4096;

/** The proxy's default yes-probability threshold, unless the caller names one. */
const DEFAULT_THRESHOLD = configSchema.parse({}).cache.semantic.verifierThreshold;

/** Judges the candidate hits of `scored` in place (`yes` on each judged pair) and returns the verifier's figures. */
export async function verifyPairs(
  scored: ScoredPair[],
  threshold: number,
  options: { model: string; threshold?: number; threads?: number },
): Promise<VerifierFigures> {
  const verifierThreshold = options.threshold ?? DEFAULT_THRESHOLD;
  const local = new LocalProvider(
    configSchema.parse({
      local: {
        model: options.model,
        threads: options.threads ?? 0,
        parallel: 1,
        download: false,
        contextSize: JUDGE_CONTEXT,
      },
    }).local,
  );
  await local.start();
  if (!local.isReady())
    throw new Error(`cannot load ${options.model}: ${local.health().detail ?? local.health().state}`);
  const verifier = new Verifier({
    judge: { ready: () => local.isReady(), judge: (a, b, signal) => local.judge(a, b, signal) },
    threshold: verifierThreshold,
    timeoutMs: 60_000,
    required: true,
  });
  const times: number[] = [];
  try {
    for (const pair of scored) {
      if (pair.conflict !== undefined || pair.similarity < threshold) continue;
      const verdict = await verifier.verify(pair.a, pair.b);
      pair.yes = verdict.judgement?.yes ?? Number.NaN;
      if (verdict.ms !== undefined) times.push(verdict.ms);
    }
  } finally {
    await local.close();
  }
  times.sort((x, y) => x - y);
  const quantile = (q: number) =>
    times.length ? Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))]! * 10) / 10 : 0;
  const { confirmed, rejected, failed, inputTokens, outputTokens } = verifier.stats;
  const judged = confirmed + rejected;
  return {
    model: options.model,
    threshold: verifierThreshold,
    judged,
    rejected,
    failed,
    p50_ms: quantile(0.5),
    p95_ms: quantile(0.95),
    tokens_per_judgement: judged ? Math.round((inputTokens + outputTokens) / judged) : 0,
  };
}
