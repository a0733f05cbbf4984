/**
 * @module Verify before serving: a candidate that cleared the similarity threshold and the guard is put to the local
 * model as a yes/no question ("do these two requests ask for the same thing, so that one answer serves both?").
 * Only a confident yes serves the hit. A no, an error or a timeout is a miss that goes upstream: the verifier can
 * only take hits away, never add one.
 */
import type { VerifierStats } from '../../../shared/protocol.ts';

/** The local model's judgement of one pair. */
export interface Judgement {
  /** Probability of "yes" when the answer is constrained to "yes" or "no". */
  yes: number;
  /** Tokens the judgement read (the prompt) and produced (the one-token answer). */
  inputTokens: number;
  outputTokens: number;
}

/** What the semantic cache needs from a judge: the local model, when it is loaded. */
export interface Judge {
  /** False while the model is loading, downloading or off: then nothing can be verified. */
  ready(): boolean;
  judge(stored: string, asked: string, signal: AbortSignal): Promise<Judgement>;
}

export interface VerifierOptions {
  judge: Judge;
  /** The yes-probability a hit needs. */
  threshold: number;
  /** A judgement that takes longer is a miss. */
  timeoutMs: number;
  /** When true, a candidate is never served unverified (the judge not ready is a miss). */
  required: boolean;
}

/** The verifier's say on one candidate: served or not, and why, in words for `x-tokenwise-reason`. */
export interface Verdict {
  serve: boolean;
  reason: string;
  judgement?: Judgement;
  ms?: number;
}

/** Puts candidates to the judge, with a bounded wait, and keeps count. */
export class Verifier {
  readonly stats: VerifierStats = {
    confirmed: 0,
    rejected: 0,
    failed: 0,
    unverified: 0,
    inputTokens: 0,
    outputTokens: 0,
  };

  constructor(readonly options: VerifierOptions) {}

  /** Judges whether the answer stored for `stored` serves `asked`. Never throws. */
  async verify(stored: string, asked: string): Promise<Verdict> {
    const { judge, threshold, timeoutMs, required } = this.options;
    if (!judge.ready()) {
      if (required) {
        this.stats.failed++;
        return { serve: false, reason: 'verifier required but the local model is not loaded' };
      }
      this.stats.unverified++;
      return { serve: true, reason: 'unverified: the local model is not loaded' };
    }
    const started = performance.now();
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const judgement = await Promise.race([judge.judge(stored, asked, abort.signal), timeout]);
      const ms = performance.now() - started;
      this.stats.inputTokens += judgement.inputTokens;
      this.stats.outputTokens += judgement.outputTokens;
      const serve = judgement.yes >= threshold;
      this.stats[serve ? 'confirmed' : 'rejected']++;
      const said = `verifier yes ${judgement.yes.toFixed(3)} ${serve ? '>=' : '<'} ${threshold} (${judgement.inputTokens + judgement.outputTokens} tokens, ${ms.toFixed(0)} ms)`;
      return { serve, reason: said, judgement, ms };
    } catch (error) {
      // A judgement still queued for a sequence stops waiting; one already running finishes and frees its sequence.
      abort.abort();
      this.stats.failed++;
      return { serve: false, reason: `verifier failed: ${(error as Error).message}` };
    } finally {
      clearTimeout(timer);
    }
  }
}
